// The tab's one WebSocket (/api/v1/ws): authenticates with the first message, hands each event to its
// subscribers, and reconnects with exponential backoff and jitter, naming the last event it saw: the
// gateway then sends what was missed, or says it cannot (`resumed: false`, e.g. after its restart),
// and `resync` asks the views to fetch their state again from the API.
import {freshToken, refresh, end} from './session.js';

const subscribers = new Map();
let socket = null;
let opening = false;
let wanted = false;
let attempts = 0;
let timer = 0;
let lastEventID = null;

/** `on('image_progress', fn)`; returns the unsubscribe function. Also `resync` and `connection`. */
export function on(type, fn) {
  if (!subscribers.has(type)) subscribers.set(type, new Set());
  subscribers.get(type).add(fn);
  return () => subscribers.get(type).delete(fn);
}

function emit(type, event) {
  for (const fn of subscribers.get(type) || []) {
    try { fn(event); } catch (error) { console.error(error); }
  }
}

export function connectEvents() {
  wanted = true;
  if (!socket && !opening) open();
}

export function disconnectEvents() {
  wanted = false;
  lastEventID = null;
  clearTimeout(timer);
  if (socket) socket.close(1000, 'signed out');
  socket = null;
}

async function open() {
  clearTimeout(timer);
  let token;
  opening = true;
  try {
    token = await freshToken();
  } catch {
    return retry();
  } finally {
    opening = false;
  }
  if (!wanted || socket) return undefined;
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new WebSocket(`${scheme}//${location.host}/api/v1/ws`);
  socket = ws;
  ws.onopen = () => ws.send(JSON.stringify(lastEventID ? {type: 'auth', token, since: lastEventID} : {type: 'auth', token}));
  ws.onmessage = (message) => receive(ws, message.data);
  ws.onclose = (event) => closed(ws, event.code);
}

function receive(ws, text) {
  let event;
  try { event = JSON.parse(text); } catch { return; }
  if (event.type === 'ready') {
    ws.ready = true;
    attempts = 0;
    setState('online');
    if (!event.resumed) emit('resync', event);
  }
  if (event.event_id) lastEventID = event.event_id;
  emit(event.type, event);
}

function setState(state) {
  document.documentElement.dataset.connection = state;
  emit('connection', {state});
}

/**
 * 4002: the token expired; 4001: it was refused; 4003: the session was revoked (ask the cookie once more:
 * another tab may hold a newer session). A socket closed before it was ready counts as refused, since a
 * close code can arrive as 1006 when the closing handshake goes wrong.
 */
function closed(ws, code) {
  if (socket !== ws) return;
  socket = null;
  if (!wanted) return;
  setState('offline');
  if (code === 4001 || code === 4002 || code === 4003 || !ws.ready) {
    refresh().then(() => retry(code === 4002 ? 0 : undefined), () => { if (code === 4003) end('revoked'); else retry(); });
    return;
  }
  retry();
}

function retry(delay) {
  if (!wanted) return;
  const base = Math.min(30000, 500 * 2 ** attempts);
  attempts += 1;
  const wait = delay ?? base / 2 + Math.random() * (base / 2);
  clearTimeout(timer);
  timer = setTimeout(open, wait);
}
