// section#settings: the password (a change ends the other sessions) and API keys (a new key's secret is
// shown once).
import * as api from './api.js';
import {h, fill, copyText, flash} from './dom.js';
import {t, formatDateTime} from './i18n.js';
import {changePassword, currentUser} from './session.js';
import {confirmAction} from './confirm-dialog.js';
import {describeError} from './errors.js';

const encode = encodeURIComponent;

function field(name, text, attrs) {
  const id = `field-${name}`;
  return h('div', {class: 'field'}, h('label', {for: id}, text), h('input', {id, name, ...attrs}));
}

export function mountSettings(main) {
  const passwordStatus = h('p', {class: 'form-status', role: 'status'});
  const keyStatus = h('p', {class: 'form-status', role: 'status'});
  const created = h('div', {id: 'key-created', class: 'key-created', hidden: true});
  const keys = h('ul', {id: 'key-list', class: 'card-list', 'aria-label': t('keys.list')});

  const passwordForm = h('form', {id: 'password-form', class: 'stacked-form', onsubmit: async (event) => {
    event.preventDefault();
    const data = new FormData(passwordForm);
    try {
      await changePassword(data.get('current_password'), data.get('new_password'));
      passwordForm.reset();
      passwordStatus.textContent = t('password.changed');
    } catch (error) { passwordStatus.textContent = describeError(error); }
  }},
  h('input', {type: 'text', name: 'username', autocomplete: 'username', value: (currentUser() || {}).username || '', hidden: true, 'aria-hidden': 'true', tabindex: -1}),
  field('current_password', t('password.current'), {type: 'password', autocomplete: 'current-password', required: true}),
  field('new_password', t('password.new'), {type: 'password', autocomplete: 'new-password', required: true, minlength: 8, maxlength: 256}),
  h('button', {type: 'submit', class: 'button primary'}, t('password.change')), passwordStatus);

  const loadKeys = async () => {
    try {
      const {items} = await api.get('/keys');
      const live = items.filter((key) => !key.revoked);
      fill(keys, live.length ? live.map(keyItem) : h('li', {class: 'empty'}, t('keys.empty')));
    } catch (error) { keyStatus.textContent = describeError(error); }
  };
  const keyForm = h('form', {id: 'key-create', class: 'inline-form', onsubmit: async (event) => {
    event.preventDefault();
    const name = new FormData(keyForm).get('name').trim() || 'key';
    try {
      showCreated(created, await api.post('/keys', {name}));
      keyForm.reset();
      loadKeys();
    } catch (error) { keyStatus.textContent = describeError(error); }
  }}, h('label', {for: 'key-name', class: 'visually-hidden'}, t('keys.name')),
  h('input', {type: 'text', id: 'key-name', name: 'name', placeholder: t('keys.name'), maxlength: 100}),
  h('button', {type: 'submit', class: 'button primary'}, t('keys.create')));

  keys.addEventListener('click', async (event) => {
    const li = event.target.closest('li[data-key-id]');
    if (!li || !event.target.closest('button[data-action=revoke]')) return;
    if (!(await confirmAction(t('keys.confirmRevoke', {name: li.querySelector('.key-name').textContent}), t('keys.revoke')))) return;
    try {
      await api.del(`/keys/${encode(li.dataset.keyId)}`);
      li.remove();
    } catch (error) { keyStatus.textContent = describeError(error); }
  });

  main.replaceChildren(h('section', {id: 'settings', class: 'page', 'aria-labelledby': 'settings-title'},
    h('h1', {id: 'settings-title'}, t('settings.title')),
    h('section', {class: 'panel'}, h('h2', null, t('password.title')), h('p', {class: 'lead'}, t('password.lead')), passwordForm),
    h('section', {class: 'panel'}, h('h2', null, t('keys.title')), h('p', {class: 'lead'}, t('keys.lead')), keyForm, created, keyStatus, keys)));
  loadKeys();
  return {unmount() {}};
}

function showCreated(box, key) {
  const copy = h('button', {type: 'button', class: 'button', 'data-action': 'copy-key', 'aria-label': t('keys.copy')},
    h('span', {class: 'button-text'}, t('action.copy')));
  copy.addEventListener('click', async () => flash(copy, (await copyText(key.key)) ? t('status.copied') : t('status.copyFailed')));
  fill(box, h('p', null, t('keys.createdOnce')), h('div', {class: 'key-secret'}, h('code', {class: 'key-value'}, key.key), copy));
  box.hidden = false;
}

function keyItem(key) {
  return h('li', {class: 'card-item', dataset: {keyId: key.id}},
    h('div', {class: 'item-main'},
      h('p', {class: 'key-name'}, key.name),
      h('p', {class: 'item-meta'}, h('code', null, `${key.prefix}…`), key.created_at ? ` · ${formatDateTime(key.created_at)}` : '')),
    h('button', {type: 'button', class: 'button', 'data-action': 'revoke', 'aria-label': t('keys.revokeNamed', {name: key.name})}, t('keys.revoke')));
}
