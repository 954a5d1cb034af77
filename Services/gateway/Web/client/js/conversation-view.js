// The chat view (section#chat): the conversation's title and model, its messages newest page first
// (older pages as the person scrolls up; only loaded pages are in the DOM), the composer, and what the
// message controls do: copy, regenerate, edit, switch branch, stop.
import * as api from './api.js';
import {h, copyText, flash, whenVisible} from './dom.js';
import {t} from './i18n.js';
import {on} from './events.js';
import {navigate, conversationHash} from './router.js';
import {renderMessage, editInPlace} from './message-view.js';
import {createComposer} from './composer.js';
import {modelSelect} from './model-select.js';
import {syncCard} from './image-jobs.js';
import {findConversation, upsert} from './conversations.js';
import {AnswerRun, SSE_HEADERS} from './answer-stream.js';
import {describeError, ApiError} from './errors.js';

const PAGE = 50;
let focusRequest = null;

/** After the next load of conversation `conversationId`, scroll to message `messageId` (from a search hit). */
export function focusMessageNext(conversationId, messageId) {
  focusRequest = {conversationId, messageId};
}

const encode = encodeURIComponent;

export class ChatView {
  constructor(main, id) {
    this.id = id;
    this.messages = new Map();
    this.cursor = null;
    this.stream = null;
    this.epoch = 0;
    this.stuck = true;
    this.build(main);
    this.stops = [
      on('message_started', (event) => this.onStarted(event)),
      on('message_completed', (event) => this.onCompleted(event.message)),
      on('conversation_updated', (event) => this.onUpdated(event.conversation)),
      on('resync', () => this.onResync()),
    ];
    const refocus = () => this.refreshTail().then(() => this.focusRequested());
    window.addEventListener('mami-focus-message', refocus);
    this.stops.push(() => window.removeEventListener('mami-focus-message', refocus));
    this.load();
  }

  build(main) {
    this.title = h('h1', {class: 'chat-title'}, this.id ? '' : t('chat.new'));
    this.models = modelSelect((model) => this.setModel(model));
    this.list = h('ol', {id: 'messages', class: 'messages', 'aria-live': 'polite', 'aria-label': t('chat.messages')});
    this.sentinel = h('div', {class: 'load-older', 'aria-hidden': 'true'});
    this.notice = h('p', {class: 'chat-notice', hidden: true});
    const empty = this.id ? null
      : h('div', {class: 'chat-empty'}, h('p', {class: 'chat-greeting'}, t('chat.greeting')), h('p', null, t('chat.greetingHint')));
    this.scroller = h('div', {class: 'chat-scroll'}, h('div', {class: 'chat-column'}, this.sentinel, this.list, empty, this.notice));
    this.error = h('p', {class: 'chat-error', role: 'alert', hidden: true});
    this.composer = createComposer({onSend: (text) => this.send(text), onStop: () => this.stream && this.stream.stop()});
    this.el = h('section', {id: 'chat', class: 'chat', 'aria-labelledby': 'chat-title'},
      h('header', {class: 'chat-header'}, this.title, this.models.element),
      this.scroller, h('div', {class: 'composer-area'}, this.error, this.composer.element));
    this.title.id = 'chat-title';
    this.scroller.addEventListener('scroll', () => {
      const s = this.scroller;
      this.stuck = s.scrollHeight - s.scrollTop - s.clientHeight < 80;
    }, {passive: true});
    this.list.addEventListener('click', (event) => this.onClick(event));
    this.list.addEventListener('image-card-action', (event) => {
      if (event.action === 'regenerate') this.regenerate(event.card.closest('li.message'));
    });
    main.replaceChildren(this.el);
  }

  /** The shell asks whether this view already shows `id` (true after a new chat got its id). */
  shows(id) {
    return id === this.id;
  }

  unmount() {
    this.stops.forEach((stop) => stop());
    if (this.unwatch) this.unwatch();
    if (this.stream) this.stream.abort();
    this.epoch += 1;
  }

  async load() {
    if (!this.id) {
      this.composer.focus();
      return;
    }
    const epoch = ++this.epoch;
    this.loadedAt = performance.now();
    const id = this.id;
    findConversation(id).then((conversation) => { if (this.id === id && conversation) this.showConversation(conversation); }, () => {});
    try {
      const page = await this.fetchPage(null);
      if (epoch !== this.epoch) return;
      this.render(page, 'replace');
      await this.focusRequested();
      this.watchOlder();
      this.composer.focus();
    } catch (error) {
      if (epoch === this.epoch) this.loadFailed(error);
    }
  }

  loadFailed(error) {
    const missing = error instanceof ApiError && error.status === 404;
    this.notice.textContent = missing ? t('chat.missing') : describeError(error);
    this.notice.hidden = false;
    if (missing) this.composer.element.hidden = true;
  }

  fetchPage(cursor) {
    return api.get(`/conversations/${encode(this.id)}/messages${api.query({limit: PAGE, cursor})}`);
  }

  /** Draws a page (newest first from the API, shown oldest first): replacing the list or above it. */
  render(page, mode) {
    const items = [...page.items].reverse();
    for (const message of items) this.messages.set(message.id, message);
    const lis = items.map(renderMessage);
    this.cursor = page.next_cursor;
    if (mode === 'prepend') {
      const before = this.scroller.scrollHeight;
      this.list.prepend(...lis);
      this.scroller.scrollTop += this.scroller.scrollHeight - before;
    } else {
      this.list.replaceChildren(...lis);
      this.scrollToBottom();
    }
    for (const card of this.list.querySelectorAll('mami-image-card[status=queued], mami-image-card[status=running]')) syncCard(card);
    if (mode === 'replace') this.reattach(items);
  }

  /** An answer still being written when the page was loaded keeps growing from where its text ends. */
  reattach(items) {
    const open = items.filter((m) => m.role === 'assistant' && m.kind !== 'image' && m.status === 'streaming').pop();
    if (!open || this.stream) return;
    const li = this.find(open.id);
    const after = new TextEncoder().encode(open.content).length;
    li.dataset.status = 'streaming';
    this.startRun({answerLi: li, text: open.content},
      (signal) => api.request(`/messages/${encode(open.id)}/stream?after=${after}`, {raw: true, signal, headers: SSE_HEADERS}));
  }

  watchOlder() {
    if (this.unwatch) return;
    this.unwatch = whenVisible(this.sentinel, () => this.loadOlder(), this.scroller);
  }

  async loadOlder() {
    if (!this.cursor || this.loadingOlder) return false;
    this.loadingOlder = true;
    const epoch = this.epoch;
    try {
      const page = await this.fetchPage(this.cursor);
      if (epoch !== this.epoch) return false;
      this.render(page, 'prepend');
      // The observer only calls again on a change: a page too short to push the top out of view loads the next.
      requestAnimationFrame(() => { if (this.scroller.scrollTop < 200) this.loadOlder(); });
      return true;
    } catch (error) {
      this.showError(describeError(error));
      return false;
    } finally {
      this.loadingOlder = false;
    }
  }

  /** Reloads the newest page (the server is the truth after a branch change or a missed event). */
  async refreshTail() {
    if (!this.id || this.stream) return;
    const epoch = ++this.epoch;
    try {
      const page = await this.fetchPage(null);
      if (epoch === this.epoch && !this.stream) this.render(page, 'replace');
    } catch (error) {
      this.showError(describeError(error));
    }
  }

  async focusRequested() {
    const wanted = focusRequest;
    if (!wanted || wanted.conversationId !== this.id) return;
    focusRequest = null;
    for (let tries = 0; !this.find(wanted.messageId) && this.cursor && tries < 10; tries += 1) await this.loadOlder();
    const li = this.find(wanted.messageId);
    if (!li) return;
    li.classList.add('is-found');
    li.scrollIntoView({block: 'center'});
    this.stuck = false;
  }

  showConversation(conversation) {
    this.conversation = conversation;
    this.title.textContent = (conversation && conversation.title) || t('chat.untitled');
    this.models.set(conversation ? conversation.model : null);
  }

  async setModel(model) {
    if (!this.id) return;
    try {
      const updated = await api.patch(`/conversations/${encode(this.id)}`, {model});
      upsert(updated);
      this.conversation = updated;
    } catch (error) {
      this.showError(describeError(error));
    }
  }

  async send(text) {
    if (this.stream) return;
    this.showError('');
    if (!this.id && !(await this.create())) return;
    const userLi = renderMessage({id: '', role: 'user', kind: 'text', status: 'sending', content: text});
    this.insert(userLi);
    this.stuck = true;
    this.startRun({userLi}, (signal) => api.request(`/conversations/${encode(this.id)}/messages`,
      {method: 'POST', body: {content: text}, headers: SSE_HEADERS, raw: true, signal}));
  }

  /** A new chat becomes a conversation on its first message, and the address follows. */
  async create() {
    try {
      const model = this.models.value;
      const conversation = await api.post('/conversations', model ? {model} : {});
      upsert(conversation);
      this.id = conversation.id;
      this.showConversation(conversation);
      navigate(conversationHash(conversation.id));
      this.watchOlder();
      return true;
    } catch (error) {
      this.showError(describeError(error));
      return false;
    }
  }

  startRun(options, start) {
    this.stream = new AnswerRun(this, options);
    this.composer.setBusy(true);
    this.stream.run(start);
  }

  /** Called by the AnswerRun when its answer has ended. */
  streamEnded(run) {
    if (this.stream !== run) return;
    this.stream = null;
    this.composer.setBusy(false);
    if (run.refreshAfter) this.refreshTail();
  }

  onClick(event) {
    const button = event.target.closest('button[data-action]');
    const li = button && button.closest('li.message');
    if (!li || button.closest('mami-image-card') || button.dataset.action === 'copy-code') return;
    const action = button.dataset.action;
    if (action === 'copy') this.copy(li, button);
    else if (action === 'regenerate') this.regenerate(li);
    else if (action === 'edit') this.edit(li);
    else if (action === 'prev-branch' || action === 'next-branch') this.switchBranch(li, action === 'next-branch' ? 1 : -1);
  }

  async copy(li, button) {
    const message = this.messages.get(li.dataset.messageId);
    const done = await copyText(message ? message.content : li.querySelector('.message-body').textContent);
    flash(button, done ? t('status.copied') : t('status.copyFailed'));
  }

  /** Another answer in place of this one (an alternative: the branch switcher then shows both). */
  regenerate(li) {
    if (this.stream || !li) return;
    const id = li.dataset.messageId;
    this.removeFrom(li);
    this.startRun({refreshAfter: true}, (signal) => api.request(`/messages/${encode(id)}/regenerate`,
      {method: 'POST', body: {}, headers: SSE_HEADERS, raw: true, signal}));
  }

  async edit(li) {
    if (this.stream) return;
    const message = this.messages.get(li.dataset.messageId);
    const text = await editInPlace(li, message ? message.content : li.querySelector('.message-body').textContent);
    if (text === null || this.stream) return;
    const userLi = renderMessage({id: '', role: 'user', kind: 'text', status: 'sending', content: text});
    this.removeFrom(li);
    this.insert(userLi);
    this.startRun({userLi, refreshAfter: true}, (signal) => api.request(`/messages/${encode(li.dataset.messageId)}/edit`,
      {method: 'POST', body: {content: text}, headers: SSE_HEADERS, raw: true, signal}));
  }

  async switchBranch(li, step) {
    const message = this.messages.get(li.dataset.messageId);
    const siblings = message && message.siblings;
    const target = siblings && siblings.ids[siblings.position - 1 + step];
    if (!target || this.stream) return;
    try {
      await api.put(`/conversations/${encode(this.id)}/path`, {message_id: target});
      await this.refreshTail();
    } catch (error) {
      this.showError(describeError(error));
    }
  }

  onStarted(event) {
    if (event.conversation_id === this.id && !this.stream && !this.find(event.message_id)) this.refreshTail();
  }

  onCompleted(message) {
    if (!message || message.conversation_id !== this.id) return;
    if (this.stream && this.stream.answerId === message.id) return;
    const li = this.find(message.id);
    const known = this.messages.get(message.id);
    if (known && known.status === message.status && known.content === message.content) return;
    if (li) this.replace(li, message);
    else if (!this.stream) this.refreshTail();
  }

  onUpdated(conversation) {
    if (!conversation) return;
    upsert(conversation);
    if (conversation.id === this.id) this.showConversation(conversation);
  }

  onResync() {
    if (this.loadedAt && performance.now() - this.loadedAt < 2000) return;
    this.refreshTail();
  }

  // What the AnswerRun uses.

  find(id) {
    return id ? this.list.querySelector(`li.message[data-message-id="${CSS.escape(id)}"]`) : null;
  }

  insert(li) {
    this.list.append(li);
    this.stick();
  }

  /**
   * Draws `message` into `li` (keeping the alternatives a listing told us about). The element stays the
   * same one, so whoever holds it (a test, the focus, a screen reader) still holds the message.
   */
  replace(li, message) {
    const known = this.messages.get(message.id);
    const full = known && known.siblings && !message.siblings ? {...message, siblings: known.siblings} : message;
    this.messages.set(message.id, full);
    const next = renderMessage(full);
    if (!li.isConnected) {
      this.list.append(next);
      return next;
    }
    for (const name of li.getAttributeNames()) if (!next.hasAttribute(name)) li.removeAttribute(name);
    for (const name of next.getAttributeNames()) li.setAttribute(name, next.getAttribute(name));
    li.replaceChildren(...next.childNodes);
    this.stick();
    return li;
  }

  /** Removes `li` and every message after it (they belong to the branch being replaced). */
  removeFrom(li) {
    while (li.nextElementSibling) li.nextElementSibling.remove();
    li.remove();
  }

  stick() {
    if (this.stuck) this.scrollToBottom();
  }

  scrollToBottom() {
    this.scroller.scrollTop = this.scroller.scrollHeight;
  }

  showError(text) {
    this.error.textContent = text || '';
    this.error.hidden = !text;
  }
}
