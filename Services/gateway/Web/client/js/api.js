// The HTTP API: a fetch wrapper that sends the access token, refreshes it once on a 401 and retries,
// and turns error bodies into ApiError.
import {accessToken, freshToken, refresh} from './session.js';
import {readError} from './errors.js';

function url(path) {
  return path.startsWith('/health') ? path : `/api/v1${path}`;
}

async function send(path, {method = 'GET', body, form, headers = {}, signal}) {
  const payload = form ?? (body === undefined ? undefined : JSON.stringify(body));
  const attempt = (token) => {
    const all = {...headers, Authorization: `Bearer ${token}`};
    if (body !== undefined && !form) all['Content-Type'] = 'application/json';
    return fetch(url(path), {method, headers: all, body: payload, signal, credentials: 'same-origin'});
  };
  let response = await attempt(await freshToken());
  if (response.status === 401) {
    await refresh();
    response = await attempt(accessToken());
  }
  if (!response.ok) throw await readError(response);
  return response;
}

/**
 * `request('/conversations', {method: 'POST', body: {...}})` → the parsed JSON (null for 204).
 * With `raw: true` the Response itself (for streams and images).
 */
export async function request(path, options = {}) {
  const response = await send(path, options);
  if (options.raw) return response;
  if (response.status === 204) return null;
  const type = response.headers.get('Content-Type') || '';
  return type.includes('json') ? response.json() : response.text();
}

export const get = (path, options) => request(path, options);
export const post = (path, body = {}, options = {}) => request(path, {...options, method: 'POST', body});
export const patch = (path, body, options = {}) => request(path, {...options, method: 'PATCH', body});
export const put = (path, body, options = {}) => request(path, {...options, method: 'PUT', body});
export const del = (path, options = {}) => request(path, {...options, method: 'DELETE'});

/** A query string from an object, skipping null and undefined values. */
export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value != null && value !== '') search.set(key, value);
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** A job's image (it needs the Authorization header, so it is fetched and shown as a blob URL). */
export async function imageBlob(jobId, signal) {
  const response = await request(`/images/${encodeURIComponent(jobId)}`, {raw: true, signal});
  return response.blob();
}
