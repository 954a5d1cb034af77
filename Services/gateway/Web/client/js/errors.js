// The API's error shape `{"error":{"code","message","field"?}}` as an Error, and its text for people.
import {t} from './i18n.js';

export class ApiError extends Error {
  constructor(status, code, message, field = null, body = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field;
    this.body = body;
  }
}

/** The error a non-2xx response carries. */
export async function readError(response) {
  let body = null;
  try { body = await response.json(); } catch { body = null; }
  const error = (body && body.error) || {};
  return new ApiError(response.status, error.code || `http_${response.status}`, error.message || response.statusText || 'request failed',
    error.field || null, body);
}

/** What to show a person: our own words for the codes we know, else the server's message. */
export function describeError(error) {
  if (!(error instanceof ApiError)) return t('error.network');
  const known = t(`error.${error.code}`);
  return known === `error.${error.code}` ? error.message : known;
}
