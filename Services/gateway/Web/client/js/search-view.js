// Full-text search in the sidebar: input#search, hits in ul#search-results, each a link to its
// conversation. A hit on a message shows the branch holding it (PUT …/path) and scrolls to it.
import * as api from './api.js';
import {h, fill} from './dom.js';
import {t} from './i18n.js';
import {conversationHash} from './router.js';
import {focusMessageNext} from './conversation-view.js';
import {describeError} from './errors.js';

const encode = encodeURIComponent;

/** `{element, unmount}`; `onNavigate()` after a hit is followed (the phone layout closes the sidebar). */
export function createSearch({onNavigate}) {
  const input = h('input', {type: 'search', id: 'search', class: 'search-input', placeholder: t('search.placeholder'),
    'aria-label': t('search.label'), autocomplete: 'off', 'aria-controls': 'search-results'});
  const results = h('ul', {id: 'search-results', class: 'search-results', 'aria-label': t('search.results'), hidden: true});
  let timer = 0;
  let asked = 0;

  const run = async () => {
    const q = input.value.trim();
    const ticket = ++asked;
    if (!q) {
      results.hidden = true;
      results.replaceChildren();
      return;
    }
    try {
      const page = await api.get(`/search${api.query({q, limit: 20})}`);
      if (ticket !== asked) return;
      fill(results, page.items.length ? page.items.map((hit) => result(hit, onNavigate))
        : h('li', {class: 'search-empty'}, t('search.none')));
    } catch (error) {
      if (ticket === asked) fill(results, h('li', {class: 'search-empty', role: 'alert'}, describeError(error)));
    }
    results.hidden = false;
  };
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(run, 200);
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') { input.value = ''; run(); }
  });
  const element = h('div', {class: 'search', role: 'search'}, input, results);
  return {element, unmount: () => clearTimeout(timer)};
}

function result(hit, onNavigate) {
  const link = h('a', {href: conversationHash(hit.conversation_id), class: 'search-hit'},
    h('span', {class: 'search-title'}, hit.title || t('chat.untitled')),
    h('span', {class: 'search-snippet'}, (hit.snippet || []).map((part) => (part.highlight ? h('mark', null, part.text) : part.text))));
  link.addEventListener('click', (event) => {
    if (!hit.message_id) return onNavigate();
    event.preventDefault();
    follow(hit, link.getAttribute('href')).then(onNavigate);
    return undefined;
  });
  return h('li', {dataset: {conversationId: hit.conversation_id}}, link);
}

async function follow(hit, href) {
  try {
    await api.put(`/conversations/${encode(hit.conversation_id)}/path`, {message_id: hit.message_id});
  } catch {
    /* the conversation opens on its current branch */
  }
  focusMessageNext(hit.conversation_id, hit.message_id);
  if (location.hash === href) window.dispatchEvent(new Event('mami-focus-message'));
  else location.hash = href;
}
