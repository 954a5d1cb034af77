// section#memories: what the assistant remembers (newest first, by cursor), where each came from,
// search by meaning, add one, forget one, forget everything (memories and documents).
import * as api from './api.js';
import {h, fill, iconButton} from './dom.js';
import {t, formatRelative, formatDateTime} from './i18n.js';
import {conversationHash} from './router.js';
import {confirmAction} from './confirm-dialog.js';
import {focusMessageNext} from './conversation-view.js';
import {describeError} from './errors.js';

const encode = encodeURIComponent;

export function mountMemories(main) {
  const known = new Map();
  let cursor = null;
  const list = h('ul', {id: 'memory-list', class: 'card-list', 'aria-label': t('memories.list')});
  const status = h('p', {class: 'form-status', role: 'status'});
  const more = h('button', {type: 'button', class: 'button', hidden: true, onclick: () => page(false)}, t('action.more'));
  const text = h('input', {type: 'text', name: 'text', id: 'memory-text', required: true, maxlength: 4000, placeholder: t('memories.addPlaceholder')});
  const search = h('input', {type: 'search', id: 'memory-search', placeholder: t('memories.searchPlaceholder'), 'aria-label': t('memories.search')});
  const say = (message) => { status.textContent = message || ''; };

  const draw = (items, append) => {
    const lis = items.map((memory) => memoryItem(known.get(memory.id) || memory));
    if (append) list.append(...lis); else fill(list, lis.length ? lis : h('li', {class: 'empty'}, t('memories.empty')));
  };
  const page = async (first) => {
    try {
      const result = await api.get(`/memories${api.query({limit: 50, cursor: first ? null : cursor})}`);
      for (const memory of result.items) known.set(memory.id, memory);
      cursor = result.next_cursor;
      more.hidden = !cursor;
      draw(result.items, !first);
    } catch (error) { say(describeError(error)); }
  };
  const find = async () => {
    const query = search.value.trim();
    if (!query) return page(true);
    try {
      const result = await api.post('/memories/search', {query, k: 50});
      more.hidden = true;
      draw(result.results || [], false);
    } catch (error) { say(describeError(error)); }
    return undefined;
  };
  let timer = 0;
  search.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(find, 250); });
  // Facts from a chat are stored just after its answer ends: new ones are looked for while the page is open.
  const fresh = async () => {
    if (search.value.trim() || document.hidden) return;
    try {
      const result = await api.get('/memories?limit=50');
      const added = result.items.filter((memory) => !known.has(memory.id));
      for (const memory of added) known.set(memory.id, memory);
      if (!added.length) return;
      list.querySelector('li.empty')?.remove();
      list.prepend(...added.map(memoryItem));
    } catch { /* the next look may succeed */ }
  };
  const poll = setInterval(fresh, 4000);

  const add = h('form', {id: 'memory-add', class: 'inline-form', onsubmit: async (event) => {
    event.preventDefault();
    if (!text.value.trim()) return;
    try {
      const result = await api.post('/memories', {text: text.value.trim()});
      say(t(`memories.added.${result.status}`));
      text.value = '';
      search.value = '';
      page(true);
    } catch (error) { say(describeError(error)); }
  }}, h('label', {for: 'memory-text', class: 'visually-hidden'}, t('memories.add')), text,
  h('button', {type: 'submit', class: 'button primary'}, t('memories.add')));

  list.addEventListener('click', async (event) => {
    const li = event.target.closest('li[data-memory-id]');
    if (!li || !event.target.closest('button[data-action=delete]')) return;
    try {
      await api.del(`/memories/${encode(li.dataset.memoryId)}`);
      known.delete(li.dataset.memoryId);
      li.remove();
      say(t('memories.deleted'));
    } catch (error) { say(describeError(error)); }
  });
  const forgetAll = h('button', {type: 'button', id: 'forget-all', class: 'button danger', onclick: async () => {
    if (!(await confirmAction(t('memories.confirmForgetAll'), t('memories.forgetAll')))) return;
    try {
      await api.del('/memories');
      known.clear();
      say(t('memories.forgotten'));
      page(true);
    } catch (error) { say(describeError(error)); }
  }}, t('memories.forgetAll'));

  main.replaceChildren(h('section', {id: 'memories', class: 'page', 'aria-labelledby': 'memories-title'},
    h('h1', {id: 'memories-title'}, t('memories.title')), h('p', {class: 'lead'}, t('memories.lead')),
    add, search, status, list, more,
    h('div', {class: 'danger-zone'}, h('h2', null, t('memories.dangerTitle')), h('p', null, t('memories.dangerText')), forgetAll)));
  page(true);
  return {unmount: () => { clearTimeout(timer); clearInterval(poll); }};
}

function memoryItem(memory) {
  const when = memory.created_at ? new Date(memory.created_at * 1000) : null;
  return h('li', {class: 'card-item', dataset: {memoryId: memory.id}},
    h('div', {class: 'item-main'},
      h('p', {class: 'memory-text'}, memory.text),
      h('p', {class: 'item-meta'}, origin(memory), when ? h('time', {datetime: when.toISOString(), title: formatDateTime(when)}, ` · ${formatRelative(when)}`) : null),
      memory.history && memory.history.length ? h('p', {class: 'item-meta'}, t('memories.before', {text: memory.history[0].text})) : null),
    iconButton('trash', t('memories.delete'), {'data-action': 'delete'}));
}

function origin(memory) {
  const from = memory.origin || {};
  if (from.conversation_id) {
    const jump = () => from.message_id && focusMessageNext(from.conversation_id, from.message_id);
    return h('span', {class: 'memory-origin'}, h('a', {href: conversationHash(from.conversation_id), onclick: jump},
      from.message_id ? t('memories.fromMessage') : t('memories.fromConversation')));
  }
  if (memory.origin === undefined) return h('span', {class: 'memory-origin'});
  return h('span', {class: 'memory-origin'}, memory.source_id ? t('memories.fromChat') : t('memories.byYou'));
}
