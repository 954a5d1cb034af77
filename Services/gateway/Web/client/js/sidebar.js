// nav#sidebar: a new chat, search, and the conversations newest first (more load as the end scrolls
// into view); rename in place, delete after asking. Titles follow conversation_updated events.
import * as api from './api.js';
import {h, fill, icon, iconButton, whenVisible} from './dom.js';
import {t} from './i18n.js';
import {on} from './events.js';
import {parseRoute, navigate, conversationHash, onRoute} from './router.js';
import {conversations, loadMore, reload, hasMore, upsert, forget, onConversationsChange} from './conversations.js';
import {confirmAction} from './confirm-dialog.js';
import {describeError} from './errors.js';
import {createSearch} from './search-view.js';

const encode = encodeURIComponent;

/** Builds the sidebar; returns `{element, unmount}`. */
export function createSidebar({onNavigate}) {
  const list = h('ul', {id: 'conversation-list', class: 'conversation-list', 'aria-label': t('sidebar.conversations')});
  const sentinel = h('div', {class: 'list-end', 'aria-hidden': 'true'});
  const error = h('p', {class: 'sidebar-error', role: 'alert', hidden: true});
  const search = createSearch({onNavigate});
  const newChat = h('button', {type: 'button', id: 'new-conversation', class: 'new-chat',
    onclick: () => { navigate('#/'); onNavigate(); }}, icon('plus'), h('span', null, t('sidebar.new')));
  const element = h('nav', {id: 'sidebar', class: 'sidebar', 'aria-label': t('sidebar.label')},
    h('div', {class: 'sidebar-top'}, newChat, search.element),
    h('div', {class: 'sidebar-scroll'}, h('h2', {class: 'sidebar-heading'}, t('sidebar.conversations')), list, sentinel, error));

  const mountedAt = performance.now();
  const draw = () => {
    const active = parseRoute().id;
    const editing = list.querySelector('.rename-input');
    if (editing) return;
    fill(list, conversations().map((c) => item(c, active)));
  };
  const showError = (e) => { error.textContent = describeError(e); error.hidden = false; };
  const more = () => { if (hasMore()) loadMore().catch(showError); };
  list.addEventListener('click', (event) => act(event, list, showError, onNavigate));
  const stops = [
    onConversationsChange(draw),
    onRoute(draw),
    on('conversation_updated', (event) => event.conversation && upsert(event.conversation)),
    // A reconnect may have missed events; the first connection right after mounting has not.
    on('resync', () => { if (performance.now() - mountedAt > 2000) reload().catch(showError); }),
    whenVisible(sentinel, more, element.querySelector('.sidebar-scroll')),
    search.unmount,
  ];
  draw();
  if (!conversations().length) more();
  return {element, unmount: () => stops.forEach((stop) => stop())};
}

function item(conversation, active) {
  const title = conversation.title || t('chat.untitled');
  const link = h('a', {class: 'conversation-link', href: conversationHash(conversation.id), title,
    'aria-current': conversation.id === active ? 'page' : null}, title);
  return h('li', {class: 'conversation', dataset: {conversationId: conversation.id}}, link,
    h('div', {class: 'conversation-actions'},
      iconButton('pencil', t('sidebar.rename', {title}), {'data-action': 'rename'}),
      iconButton('trash', t('sidebar.delete', {title}), {'data-action': 'delete'})));
}

function act(event, list, showError, onNavigate) {
  const li = event.target.closest('li[data-conversation-id]');
  if (!li) return;
  if (event.target.closest('a.conversation-link')) return onNavigate();
  const button = event.target.closest('button[data-action]');
  if (!button) return undefined;
  if (button.dataset.action === 'rename') rename(li, showError);
  if (button.dataset.action === 'delete') remove(li, showError);
  return undefined;
}

function rename(li, showError) {
  const link = li.querySelector('a.conversation-link');
  const before = link.textContent;
  const input = h('input', {type: 'text', class: 'rename-input', value: before, maxlength: 200, 'aria-label': t('sidebar.newTitle')});
  let finished = false;
  const finish = async (save) => {
    if (finished) return;
    finished = true;
    const title = input.value.trim();
    input.replaceWith(link);
    if (!save || !title || title === before) return;
    link.textContent = title;
    try {
      upsert(await api.patch(`/conversations/${encode(li.dataset.conversationId)}`, {title}));
    } catch (error) {
      link.textContent = before;
      showError(error);
    }
  };
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') { event.preventDefault(); finish(true); }
    if (event.key === 'Escape') finish(false);
  });
  // Leaving the field saves, unless it was emptied (a WebDriver clear() also blurs it on its way).
  input.addEventListener('blur', () => setTimeout(() => {
    if (document.activeElement !== input && input.value.trim()) finish(true);
  }, 150));
  link.replaceWith(input);
  input.focus();
  input.select();
}

async function remove(li, showError) {
  const id = li.dataset.conversationId;
  const title = li.querySelector('a.conversation-link').textContent;
  if (!(await confirmAction(t('sidebar.confirmDelete', {title})))) return;
  try {
    await api.del(`/conversations/${encode(id)}`);
    forget(id);
    if (parseRoute().id === id) navigate('#/');
  } catch (error) {
    showError(error);
  }
}
