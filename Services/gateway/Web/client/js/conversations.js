// The person's conversations as loaded so far (newest first, by cursor), shared by the sidebar and the
// chat view; one not loaded yet is read by its id.
import * as api from './api.js';

const byId = new Map();
/** Conversations read by id whose page has not loaded: shown when opened, listed once their page comes. */
const unlisted = new Map();
let order = [];
let cursor = null;
let exhausted = false;
let loading = null;
const listeners = new Set();

export const conversations = () => order.map((id) => byId.get(id));
export const conversation = (id) => byId.get(id) || unlisted.get(id) || null;
export const hasMore = () => !exhausted;

/** `fn()` after any change. */
export function onConversationsChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function changed() {
  for (const fn of listeners) fn();
}

/** The next page (`limit` items); resolves false at the end. */
export function loadMore(limit = 40) {
  if (exhausted) return Promise.resolve(false);
  if (!loading) {
    loading = api.get(`/conversations${api.query({limit, cursor})}`).then((page) => {
      for (const item of page.items) if (!byId.has(item.id)) order.push(item.id);
      for (const item of page.items) byId.set(item.id, item);
      cursor = page.next_cursor;
      exhausted = !cursor;
      changed();
      return !exhausted;
    }).finally(() => { loading = null; });
  }
  return loading;
}

/** Forgets what was loaded and loads the first page again (after a reconnect). */
export async function reload() {
  if (loading) await loading.catch(() => {});
  byId.clear();
  order = [];
  cursor = null;
  exhausted = false;
  return loadMore();
}

/** The conversation `id`: the loaded one, else read from the API (not listed until its page loads). */
export async function findConversation(id) {
  if (!conversation(id)) unlisted.set(id, await api.get(`/conversations/${encodeURIComponent(id)}`));
  return conversation(id);
}

/** Adds or updates one (a new one goes first). */
export function upsert(item) {
  unlisted.delete(item.id);
  if (!byId.has(item.id)) order.unshift(item.id);
  byId.set(item.id, {...byId.get(item.id), ...item});
  changed();
}

export function forget(id) {
  byId.delete(id);
  unlisted.delete(id);
  order = order.filter((other) => other !== id);
  changed();
}

/** Empties the store (sign-out). */
export function clearConversations() {
  byId.clear();
  unlisted.clear();
  order = [];
  cursor = null;
  exhausted = false;
  changed();
}
