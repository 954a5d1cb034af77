// Building DOM nodes without HTML strings: every text becomes a text node.

const PROPERTIES = new Set(['value', 'checked', 'selected', 'disabled', 'hidden', 'multiple']);

/** `h('button', {type: 'button', onclick: f}, 'Send')`: an element with attributes, listeners and children. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) setAttr(el, key, value);
  append(el, children);
  return el;
}

function setAttr(el, key, value) {
  if (value == null || value === false) return;
  if (typeof value === 'function' && key.startsWith('on')) el.addEventListener(key.slice(2), value);
  else if (key === 'class') el.className = value;
  else if (key === 'dataset') Object.assign(el.dataset, value);
  else if (PROPERTIES.has(key)) el[key] = value;
  else el.setAttribute(key, value === true ? '' : String(value));
}

/** Appends strings (as text nodes), nodes and nested arrays; skips null, undefined and false. */
export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child == null || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

/** Replaces an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/** The logo, beside this module whatever release path the page was served under. */
export const LOGO_URL = new URL('../icon.svg', import.meta.url).href;

const SVG = 'http://www.w3.org/2000/svg';
const ICONS = {
  plus: 'M12 5v14M5 12h14',
  menu: 'M4 6h16M4 12h16M4 18h16',
  send: 'M5 12h14M13 6l6 6-6 6',
  stop: 'M7 7h10v10H7z',
  copy: 'M9 9h10v10H9zM5 15V5h10',
  edit: 'M4 20h4L19 9l-4-4L4 16zM14 6l4 4',
  redo: 'M20 11a8 8 0 1 0-2.3 5.7M20 4v7h-7',
  trash: 'M4 7h16M9 7V4h6v3M6 7l1 13h10l1-13',
  pencil: 'M4 20h4L19 9l-4-4L4 16z',
  left: 'M15 6l-6 6 6 6',
  right: 'M9 6l6 6-6 6',
  close: 'M6 6l12 12M18 6L6 18',
  logout: 'M15 12H4M8 8l-4 4 4 4M12 4h7v16h-7',
};

/** A decorative line icon (hidden from assistive technology: its button carries the name). */
export function icon(name) {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('class', 'icon');
  const path = document.createElementNS(SVG, 'path');
  path.setAttribute('d', ICONS[name] || '');
  svg.append(path);
  return svg;
}

/** A button with an icon and an accessible name (shown as its tooltip). */
export function iconButton(name, label, attrs = {}) {
  return h('button', {type: 'button', class: 'icon-button', 'aria-label': label, title: label, ...attrs}, icon(name));
}

/** Copies text to the clipboard; falls back to a selected textarea where the Clipboard API is refused. */
export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = h('textarea', {class: 'visually-hidden', readonly: true, value: text});
    document.body.append(area);
    area.select();
    let done = false;
    try { done = document.execCommand('copy'); } catch { done = false; }
    area.remove();
    return done;
  }
}

/** Shows `text` as a button's name for a moment (e.g. "Copied"), then restores it. */
export function flash(button, text) {
  const shown = button.querySelector('.button-text');
  const before = [button.getAttribute('aria-label'), button.title, shown && shown.textContent];
  const show = ([name, title, visible]) => {
    button.setAttribute('aria-label', name);
    button.title = title;
    if (shown) shown.textContent = visible;
  };
  show([text, text, text]);
  button.dataset.flash = '';
  setTimeout(() => {
    show(before);
    delete button.dataset.flash;
  }, 1500);
}

/** Calls `fn` once when `el` scrolls into view of `root` (an IntersectionObserver per list, not per item). */
export function whenVisible(el, fn, root = null) {
  const observer = new IntersectionObserver((entries) => {
    if (entries.some((entry) => entry.isIntersecting)) fn();
  }, {root, rootMargin: '200px'});
  observer.observe(el);
  return () => observer.disconnect();
}

/** Runs `fn` at most once per animation frame. */
export function perFrame(fn) {
  let queued = false;
  return () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      fn();
    });
  };
}
