// A safe Markdown subset rendered as DOM nodes (never HTML strings): paragraphs and line breaks,
// headings, block quotes, lists, fenced code with a copy button, **bold**, *emphasis*, `code`,
// links and bare URLs (http, https and mailto only; anything else stays text).
import {h, copyText, flash} from './dom.js';
import {t} from './i18n.js';

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)/;
const HEADING = /^ {0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$/;
const RULE = /^ {0,3}([-*_])(?:\s*\1){2,}\s*$/;
const QUOTE = /^ {0,3}> ?/;
const ITEM = /^( {0,3})([-*+]|\d{1,9}[.)])\s+(.*)$/;

/** The Markdown `text` as a DocumentFragment. */
export function renderMarkdown(text) {
  const fragment = document.createDocumentFragment();
  fragment.append(...blocks(String(text || '').replace(/\r\n?/g, '\n').split('\n')));
  return fragment;
}

function blocks(lines) {
  const out = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (!line.trim()) { i += 1; continue; }
    const step = fence(lines, i, out) || heading(lines, i, out) || rule(lines, i, out) || quote(lines, i, out)
      || list(lines, i, out) || paragraph(lines, i, out);
    i = step;
  }
  return out;
}

function fence(lines, i, out) {
  const open = FENCE.exec(lines[i]);
  if (!open) return 0;
  const marker = open[1];
  const body = [];
  let j = i + 1;
  while (j < lines.length && !(lines[j].trim().startsWith(marker[0].repeat(marker.length)) && !lines[j].trim().slice(marker.length).trim())) {
    body.push(lines[j]);
    j += 1;
  }
  out.push(codeBlock(body.join('\n'), open[2]));
  return j + 1;
}

function codeBlock(code, lang) {
  const button = h('button', {type: 'button', class: 'code-copy', 'data-action': 'copy-code', 'aria-label': t('action.copyCode')},
    h('span', {class: 'button-text'}, t('action.copy')));
  button.addEventListener('click', async () => flash(button, (await copyText(code)) ? t('status.copied') : t('status.copyFailed')));
  return h('div', {class: 'code-block'},
    h('div', {class: 'code-head'}, h('span', {class: 'code-lang'}, lang || ''), button),
    h('pre', null, h('code', {'data-lang': lang || null}, code)));
}

function heading(lines, i, out) {
  const match = HEADING.exec(lines[i]);
  if (!match) return 0;
  out.push(h(`h${Math.min(6, match[1].length + 2)}`, {class: 'md-heading'}, inline(match[2])));
  return i + 1;
}

function rule(lines, i, out) {
  if (!RULE.test(lines[i])) return 0;
  out.push(h('hr'));
  return i + 1;
}

function quote(lines, i, out) {
  if (!QUOTE.test(lines[i])) return 0;
  const body = [];
  let j = i;
  while (j < lines.length && lines[j].trim() && (QUOTE.test(lines[j]) || body.length)) {
    body.push(lines[j].replace(QUOTE, ''));
    j += 1;
  }
  out.push(h('blockquote', null, blocks(body)));
  return j;
}

function list(lines, i, out) {
  const first = ITEM.exec(lines[i]);
  if (!first) return 0;
  const ordered = /\d/.test(first[2]);
  const items = [];
  let j = i;
  while (j < lines.length) {
    const match = ITEM.exec(lines[j]);
    if (!match || /\d/.test(match[2]) !== ordered) break;
    const body = [match[3]];
    j += 1;
    const indent = match[1].length + match[2].length + 1;
    while (j < lines.length && continues(lines, j, indent)) {
      body.push(lines[j].replace(new RegExp(`^ {0,${indent + 1}}`), ''));
      j += 1;
    }
    items.push(listItem(body));
    if (j < lines.length && !lines[j].trim() && ITEM.test(lines[j + 1] || '')) j += 1;
  }
  const start = ordered ? parseInt(first[2], 10) : 1;
  out.push(h(ordered ? 'ol' : 'ul', {start: ordered && start !== 1 ? start : null}, items));
  return j;
}

/** A line belongs to the item above: indented past its marker, or a lazy continuation of its text. */
function continues(lines, j, indent) {
  const line = lines[j];
  if (!line.trim()) return /^\s+\S/.test(lines[j + 1] || '') && leading(lines[j + 1]) >= indent;
  if (leading(line) >= Math.min(indent, 2)) return true;
  return !ITEM.test(line) && !FENCE.test(line) && !HEADING.test(line) && !QUOTE.test(line) && lines[j - 1].trim() !== '';
}

function leading(line) {
  return line.length - line.trimStart().length;
}

function listItem(body) {
  const nested = blocks(body);
  if (nested.length === 1 && nested[0].tagName === 'P') return h('li', null, [...nested[0].childNodes]);
  return h('li', null, nested);
}

function paragraph(lines, i, out) {
  const body = [];
  let j = i;
  while (j < lines.length && lines[j].trim() && (j === i || !startsBlock(lines[j]))) {
    body.push(lines[j].trim());
    j += 1;
  }
  out.push(h('p', null, inline(body.join('\n'))));
  return j;
}

function startsBlock(line) {
  return FENCE.test(line) || HEADING.test(line) || QUOTE.test(line) || ITEM.test(line) || RULE.test(line);
}

// Inline: scanned left to right; each construct either matches whole or its characters stay text.

const CODE = /(`+)([\s\S]*?[^`])\1(?!`)/y;
const URL_AT = /(?:https?:\/\/|mailto:)[^\s<>"]+/iy;
const ESCAPABLE = '\\`*_{}[]()#+-.!>~|';

/** Inline Markdown of `text` as an array of nodes. */
export function inline(text) {
  const out = [];
  let buffer = '';
  const flush = () => {
    if (buffer) out.push(document.createTextNode(buffer));
    buffer = '';
  };
  let i = 0;
  while (i < text.length) {
    const found = construct(text, i);
    if (found) {
      flush();
      out.push(found.node);
      i = found.end;
    } else if (text[i] === '\\' && ESCAPABLE.includes(text[i + 1] || '\n')) {
      buffer += text[i + 1];
      i += 2;
    } else {
      buffer += text[i];
      i += 1;
    }
  }
  flush();
  return out;
}

function construct(text, i) {
  const c = text[i];
  if (c === '\n') return {node: h('br'), end: i + 1};
  if (c === '`') return codeSpan(text, i);
  if (c === '*' || c === '_') return emphasis(text, i);
  if (c === '[' || (c === '!' && text[i + 1] === '[')) return link(text, i);
  if (c === '<') return angleLink(text, i);
  if ((c === 'h' || c === 'H' || c === 'm' || c === 'M') && !/[\p{L}\p{N}]/u.test(text[i - 1] || '')) return bareLink(text, i);
  return null;
}

function codeSpan(text, i) {
  CODE.lastIndex = i;
  const match = CODE.exec(text);
  if (!match) return null;
  return {node: h('code', null, match[2].replace(/\n/g, ' ').replace(/^ (.*) $/, '$1')), end: i + match[0].length};
}

function emphasis(text, i) {
  const c = text[i];
  const strong = text[i + 1] === c;
  const marker = strong ? c + c : c;
  const start = i + marker.length;
  if (!text[start] || /\s/.test(text[start])) return null;
  if (c === '_' && /[\p{L}\p{N}]/u.test(text[i - 1] || '')) return null;
  const close = closing(text, start + 1, marker);
  if (close < 0) return null;
  if (c === '_' && /[\p{L}\p{N}]/u.test(text[close + marker.length] || '')) return null;
  return {node: h(strong ? 'strong' : 'em', null, inline(text.slice(start, close))), end: close + marker.length};
}

/** The next `marker` after `from` that can close emphasis (not after a space; a single one not part of a double). */
function closing(text, from, marker) {
  for (let j = text.indexOf(marker, from); j >= 0; j = text.indexOf(marker, j + 1)) {
    if (/\s/.test(text[j - 1])) continue;
    if (marker.length === 1 && (text[j + 1] === marker || text[j - 1] === marker)) continue;
    return j;
  }
  return -1;
}

function link(text, i) {
  const image = text[i] === '!';
  const open = image ? i + 1 : i;
  const close = matching(text, open, '[', ']');
  if (close < 0 || text[close + 1] !== '(') return null;
  const end = matching(text, close + 1, '(', ')');
  if (end < 0) return null;
  const target = text.slice(close + 2, end).trim().replace(/\s+(["']).*\1$/, '');
  const href = safeHref(target.replace(/^<(.*)>$/, '$1'));
  if (!href) return null;
  const label = text.slice(open + 1, close);
  return {node: anchor(href, image ? [label || href] : inline(label)), end: end + 1};
}

/** The index of the bracket closing the one at `i` (nesting counted), or -1. */
function matching(text, i, openChar, closeChar) {
  let depth = 0;
  for (let j = i; j < text.length; j += 1) {
    if (text[j] === '\\') { j += 1; continue; }
    if (text[j] === openChar) depth += 1;
    else if (text[j] === closeChar && --depth === 0) return j;
    else if (text[j] === '\n' && text[j + 1] === '\n') return -1;
  }
  return -1;
}

function angleLink(text, i) {
  const end = text.indexOf('>', i);
  if (end < 0) return null;
  const href = safeHref(text.slice(i + 1, end));
  return href ? {node: anchor(href, [text.slice(i + 1, end)]), end: end + 1} : null;
}

function bareLink(text, i) {
  URL_AT.lastIndex = i;
  const match = URL_AT.exec(text);
  if (!match) return null;
  let url = match[0];
  while (/[.,;:!?'"*_]$/.test(url) || (url.endsWith(')') && count(url, '(') < count(url, ')'))) url = url.slice(0, -1);
  const href = safeHref(url);
  return href ? {node: anchor(href, [url]), end: i + url.length} : null;
}

function count(text, char) {
  return text.split(char).length - 1;
}

/** The URL when it is http, https or mailto; null otherwise (javascript:, data:, relative paths…). */
export function safeHref(raw) {
  const text = String(raw || '').trim();
  if (!/^(https?:\/\/|mailto:)/i.test(text)) return null;
  try {
    const url = new URL(text);
    return ['http:', 'https:', 'mailto:'].includes(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

function anchor(href, children) {
  return h('a', {href, rel: 'noopener noreferrer', target: '_blank'}, children);
}
