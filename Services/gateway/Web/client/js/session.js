// Sign-in state. The access token lives in this module's memory only; the refresh token is an HttpOnly
// cookie the page never sees. Refreshes are serialized across tabs (navigator.locks), and sign-outs are
// told to the other tabs (BroadcastChannel "mami-session").
import {ApiError, readError} from './errors.js';

const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel('mami-session') : null;
const listeners = new Set();
let state = null;
let refreshing = null;
let timer = 0;

export const currentUser = () => (state ? state.user : null);
export const accessToken = () => (state ? state.token : null);

/** `fn(kind, reason)` with kind `signed-in` (also when the user changed) or `signed-out`. */
export function onSessionChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function notify(kind, reason) {
  for (const fn of listeners) fn(kind, reason);
}

async function authCall(path, body = {}, token = null) {
  const headers = {'X-Mami-Session': 'cookie', 'Content-Type': 'application/json'};
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(`/api/v1/auth/${path}`, {method: 'POST', headers, body: JSON.stringify(body),
    credentials: 'same-origin', cache: 'no-store'});
  if (!response.ok) throw await readError(response);
  return response.status === 204 ? null : response.json();
}

function adopt(json) {
  const previous = state && state.user.id;
  const lifetime = Math.max(1, Number(json.expires_in) || 60) * 1000;
  state = {user: json.user, token: json.access_token, expiresAt: Date.now() + lifetime, lifetime};
  schedule(Math.max(1000, lifetime - Math.min(60000, lifetime * 0.25)));
  if (previous !== json.user.id) notify('signed-in');
}

function schedule(delay) {
  clearTimeout(timer);
  timer = setTimeout(() => refresh().catch(() => {}), delay);
}

function withLock(fn) {
  if (navigator.locks && navigator.locks.request) return navigator.locks.request('mami-refresh', fn);
  return fn();
}

/** A new access token through the cookie (rotating it). A 401 signs this tab out; other failures retry. */
export function refresh() {
  if (!refreshing) {
    refreshing = withLock(() => authCall('refresh'))
      .then(adopt, (error) => {
        if (error instanceof ApiError && error.status === 401) end('expired');
        else if (state) schedule(5000);
        throw error;
      })
      .finally(() => { refreshing = null; });
  }
  return refreshing;
}

/** On page load: signed in if the cookie still holds a session. */
export async function restore() {
  try {
    await refresh();
    return true;
  } catch {
    return false;
  }
}

/** An access token valid for at least a little longer (refreshed first when it is about to expire). */
export async function freshToken() {
  if (!state) throw new ApiError(401, 'unauthorized', 'not signed in');
  if (state.expiresAt - Date.now() < 2000) await refresh();
  return state.token;
}

/** `kind` is `login` or `register`. */
export async function signIn(kind, username, password) {
  adopt(await authCall(kind, {username, password}));
  if (channel) channel.postMessage({type: 'signed-in'});
}

/** Revokes the session on the server, forgets it here and tells the other tabs. */
export async function signOut() {
  try { await authCall('logout'); } catch { /* ended here anyway */ }
  if (channel) channel.postMessage({type: 'signed-out'});
  end('signed-out');
}

/** Forgets the session in this tab (the server said it ended, or another tab signed out). */
export function end(reason) {
  clearTimeout(timer);
  const had = state !== null;
  state = null;
  if (had) notify('signed-out', reason);
}

/** Changes the password: the server ends the other sessions and answers with a new one. */
export async function changePassword(current, next) {
  const body = {current_password: current, new_password: next};
  let json;
  try {
    json = await authCall('password', body, await freshToken());
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401) throw error;
    await refresh();
    json = await authCall('password', body, state.token);
  }
  adopt(json);
  if (channel) channel.postMessage({type: 'renewed'});
}

if (channel) {
  channel.onmessage = (event) => {
    const type = event.data && event.data.type;
    if (type === 'signed-out') end('signed-out-elsewhere');
    else if (type === 'signed-in' && !state) restore();
    else if (type === 'renewed' && state) refresh().catch(() => {});
  };
}

document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible' && state && state.expiresAt - Date.now() < state.lifetime * 0.25) {
    refresh().catch(() => {});
  }
});
