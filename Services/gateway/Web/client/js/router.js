// Hash routes: #/ (new chat), #/c/<id>, #/memories, #/documents, #/settings, #/admin.

const VIEWS = ['memories', 'documents', 'settings', 'admin'];

/** `{view, id}` for a hash. */
export function parseRoute(hash = location.hash) {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'c' && parts[1]) return {view: 'chat', id: parts[1]};
  if (VIEWS.includes(parts[0])) return {view: parts[0], id: null};
  return {view: 'chat', id: null};
}

export function conversationHash(id) {
  return `#/c/${encodeURIComponent(id)}`;
}

export function navigate(hash) {
  if (location.hash !== hash) location.hash = hash;
}

/** Calls `fn(route)` on every hash change. */
export function onRoute(fn) {
  const handler = () => fn(parseRoute());
  window.addEventListener('hashchange', handler);
  return () => window.removeEventListener('hashchange', handler);
}
