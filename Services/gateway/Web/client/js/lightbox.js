// The image lightbox: a modal <dialog id="lightbox"> (Escape or the close button closes it).
import {h, iconButton} from './dom.js';
import {t} from './i18n.js';

let dialog = null;

function build() {
  const image = h('img', {class: 'lightbox-image', alt: ''});
  const caption = h('p', {class: 'lightbox-caption'});
  const close = iconButton('close', t('action.close'), {'data-action': 'close', class: 'icon-button lightbox-close'});
  dialog = h('dialog', {id: 'lightbox', 'aria-label': t('card.image')}, close, h('figure', null, image, caption));
  close.addEventListener('click', () => dialog.close());
  dialog.addEventListener('click', (event) => { if (event.target === dialog) dialog.close(); });
  dialog.addEventListener('close', () => image.removeAttribute('src'));
  document.body.append(dialog);
  return {image, caption};
}

/** Shows `src` (a blob: URL) large, with `text` below it. */
export function openLightbox(src, text) {
  if (!src) return;
  if (!dialog || !dialog.isConnected) dialog = null;
  const parts = dialog ? {image: dialog.querySelector('img'), caption: dialog.querySelector('p')} : build();
  parts.image.src = src;
  parts.image.alt = text || t('card.image');
  parts.caption.textContent = text || '';
  if (!dialog.open) dialog.showModal();
  dialog.querySelector('[data-action=close]').focus();
}
