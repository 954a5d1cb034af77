// The message box: Enter sends, Shift+Enter starts a new line; Stop replaces Send while an answer streams.
import {h, icon} from './dom.js';
import {t} from './i18n.js';

/** `{element, setBusy, focus}`; `onSend(text)` and `onStop()` are called by the form's controls. */
export function createComposer({onSend, onStop}) {
  const input = h('textarea', {id: 'composer-input', name: 'content', rows: 1, placeholder: t('composer.placeholder'),
    'aria-label': t('composer.label'), autocomplete: 'off'});
  const send = h('button', {type: 'submit', id: 'send', class: 'send-button', 'aria-label': t('composer.send'),
    title: t('composer.send'), disabled: true}, icon('send'));
  const stop = h('button', {type: 'button', id: 'stop', class: 'stop-button', 'aria-label': t('composer.stop'),
    title: t('composer.stop'), hidden: true, onclick: () => onStop()}, icon('stop'));
  let busy = false;

  const refresh = () => {
    send.disabled = busy || !input.value.trim();
    input.style.height = 'auto';
    input.style.height = `${Math.min(input.scrollHeight, 240)}px`;
  };
  const submit = () => {
    const text = input.value;
    if (busy || !text.trim()) return;
    input.value = '';
    refresh();
    onSend(text);
  };
  input.addEventListener('input', refresh);
  input.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' || event.shiftKey || event.isComposing) return;
    event.preventDefault();
    submit();
  });
  const form = h('form', {id: 'composer', class: 'composer', onsubmit: (event) => { event.preventDefault(); submit(); }},
    h('div', {class: 'composer-box'}, input, stop, send),
    h('p', {class: 'composer-hint'}, t('composer.hint')));

  return {
    element: form,
    focus: () => input.focus(),
    setBusy(value) {
      busy = value;
      stop.hidden = !value;
      send.hidden = value;
      refresh();
    },
  };
}
