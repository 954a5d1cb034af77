// One message of the chat as an <li>: its body (Markdown for the assistant's text, plain text for the
// person's, an image card for an image), its sources, its error, and its actions and branch switcher.
import {h, fill, iconButton} from './dom.js';
import {t, formatNumber} from './i18n.js';
import {renderMarkdown} from './markdown.js';
import './image-card.js';

const IMAGE_STATUSES = new Set(['queued', 'running', 'succeeded', 'failed', 'cancelled']);

/** The `<li class="message">` of `message` (an API message; `id` may be empty while it is being sent). */
export function renderMessage(message) {
  const li = h('li', {class: 'message', dataset: {messageId: message.id || '', role: message.role,
    status: message.status || 'complete', kind: message.kind || 'text'}});
  const body = h('div', {class: 'message-body'});
  const bubble = h('div', {class: 'message-bubble'}, body);
  fillBody(body, message);
  if (message.role === 'assistant' && message.status === 'failed' && message.kind !== 'image') {
    bubble.append(h('p', {class: 'message-error', role: 'alert'}, message.error || t('message.failed')));
  }
  if (message.status === 'stopped') bubble.append(h('p', {class: 'message-note'}, t('message.stopped')));
  if (message.sources && message.sources.length) bubble.append(sources(message.sources));
  li.append(bubble);
  if (message.status !== 'sending') li.append(actions(message));
  return li;
}

function fillBody(body, message) {
  if (message.kind === 'image') return body.append(imageCard(message));
  if (message.role === 'assistant') return body.append(renderMarkdown(message.content));
  body.classList.add('plain-text');
  body.textContent = message.content;
  return body;
}

function imageCard(message) {
  const card = document.createElement('mami-image-card');
  card.jobId = message.job_id || '';
  card.messageId = message.id || '';
  card.status = IMAGE_STATUSES.has(message.status) ? message.status : 'queued';
  card.prompt = (message.image_prompt && message.image_prompt.prompt) || message.content;
  if (message.status === 'failed') card.error = message.error || '';
  return card;
}

/** Shows the text of a streaming answer (called at most once per frame). */
export function showStreamingText(li, text) {
  const body = li.querySelector('.message-body');
  fill(body, text ? renderMarkdown(text) : h('span', {class: 'typing', 'aria-label': t('message.thinking')}, h('span'), h('span'), h('span')));
}

/** A placeholder answer while the request is on its way (no id yet). */
export function pendingAnswer() {
  const li = renderMessage({id: '', role: 'assistant', status: 'streaming', kind: 'text', content: ''});
  li.querySelector('.message-actions')?.remove();
  li.setAttribute('aria-busy', 'true');
  showStreamingText(li, '');
  return li;
}

function sources(list) {
  return h('div', {class: 'message-sources'},
    h('p', {class: 'sources-title'}, t('message.sources')),
    h('ol', null, list.map((source) => h('li', {value: source.number},
      h('span', {class: 'source-number'}, `[${formatNumber(source.number)}]`), ' ',
      h('span', {class: 'source-title'}, source.title),
      h('span', {class: 'source-excerpt'}, source.excerpt)))));
}

function actions(message) {
  const bar = h('div', {class: 'message-actions'});
  const streaming = message.status === 'streaming';
  if (message.role === 'assistant' && message.kind !== 'image' && !streaming) {
    const retry = message.status === 'failed';
    bar.append(
      iconButton('copy', t('action.copy'), {'data-action': 'copy'}),
      iconButton('redo', retry ? t('action.retry') : t('action.regenerate'), {'data-action': 'regenerate'}));
  }
  if (message.role === 'user') bar.append(iconButton('edit', t('action.edit'), {'data-action': 'edit'}));
  const siblings = message.siblings;
  if (siblings && siblings.count > 1) bar.append(branches(siblings));
  return bar;
}

function branches(siblings) {
  const position = siblings.position;
  return h('div', {class: 'branches', role: 'group', 'aria-label': t('branch.label')},
    iconButton('left', t('branch.previous'), {'data-action': 'prev-branch', disabled: position <= 1}),
    h('span', {class: 'branch-position'}, `${formatNumber(position)}/${formatNumber(siblings.count)}`),
    iconButton('right', t('branch.next'), {'data-action': 'next-branch', disabled: position >= siblings.count}));
}

/** The inline editor of a person's message: resolves with the new text, or null when cancelled. */
export function editInPlace(li, text) {
  const bubble = li.querySelector('.message-bubble');
  const input = h('textarea', {class: 'edit-input', 'aria-label': t('action.editMessage'), value: text, rows: 3});
  return new Promise((resolve) => {
    const done = (value) => {
      form.replaceWith(bubble);
      resolve(value);
    };
    const form = h('form', {class: 'edit-form', onsubmit: (event) => {
      event.preventDefault();
      if (input.value.trim()) done(input.value);
    }}, input, h('div', {class: 'edit-actions'},
      h('button', {type: 'button', class: 'button', onclick: () => done(null)}, t('action.cancel')),
      h('button', {type: 'submit', class: 'button primary'}, t('action.saveAndSend'))));
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') done(null);
      else if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) { event.preventDefault(); form.requestSubmit(); }
    });
    bubble.replaceWith(form);
    input.focus();
  });
}
