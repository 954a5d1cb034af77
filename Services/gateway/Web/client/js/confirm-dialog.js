// Asking before something cannot be undone: <dialog id="confirm"> with OK and Cancel (not window.confirm).
import {h} from './dom.js';
import {t} from './i18n.js';

/** Resolves true when the person presses OK; false on Cancel or Escape. */
export function confirmAction(message, okText = t('action.delete')) {
  document.getElementById('confirm')?.remove();
  const text = h('p', {id: 'confirm-text'}, message);
  const ok = h('button', {type: 'button', value: 'ok', class: 'button danger'}, okText);
  const cancel = h('button', {type: 'button', value: 'cancel', class: 'button'}, t('action.cancel'));
  const dialog = h('dialog', {id: 'confirm', 'aria-labelledby': 'confirm-text', class: 'confirm-dialog'},
    text, h('div', {class: 'dialog-actions'}, cancel, ok));
  document.body.append(dialog);
  return new Promise((resolve) => {
    for (const button of [ok, cancel]) button.addEventListener('click', () => dialog.close(button.value));
    dialog.addEventListener('close', () => {
      resolve(dialog.returnValue === 'ok');
      dialog.remove();
    });
    dialog.showModal();
    cancel.focus();
  });
}
