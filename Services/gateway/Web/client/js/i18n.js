// Interface language (English, Turkish) and every locale-aware format, in one place.
import {TEXTS} from './texts.js';

const STORAGE_KEY = 'mami-language';
const LANGUAGES = ['en', 'tr'];
const listeners = new Set();

function stored() {
  try { return localStorage.getItem(STORAGE_KEY) || 'auto'; } catch { return 'auto'; }
}

let choice = stored();
let current = resolve(choice);

/** The browser's first preferred language we have texts for, else English. */
function resolve(wanted) {
  if (LANGUAGES.includes(wanted)) return wanted;
  for (const tag of navigator.languages || [navigator.language || 'en']) {
    const base = String(tag).toLowerCase().split('-')[0];
    if (LANGUAGES.includes(base)) return base;
  }
  return 'en';
}

/** `auto`, `en` or `tr`: what the person chose. */
export function languageChoice() { return choice; }
/** `en` or `tr`: what is shown. */
export function language() { return current; }

/** Applies the language to `<html lang>`; called at start and on every change. */
export function applyLanguage() {
  document.documentElement.lang = current;
  document.title = t('app.name');
}

/** Switches language (`auto` follows the browser), remembers it and tells the listeners. */
export function setLanguage(next) {
  choice = next === 'en' || next === 'tr' ? next : 'auto';
  try { localStorage.setItem(STORAGE_KEY, choice); } catch { /* private mode: not remembered */ }
  const before = current;
  current = resolve(choice);
  applyLanguage();
  if (before !== current) for (const fn of listeners) fn(current);
}

export function onLanguageChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/**
 * The text of `key` in the current language, `{name}` placeholders filled from `params`; a text with
 * plural forms (`{one, other}`) is chosen by `params.count` under the language's plural rules.
 */
export function t(key, params) {
  const text = lookup(TEXTS[current], key, params) ?? lookup(TEXTS.en, key, params) ?? key;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

function lookup(texts, key, params) {
  let found = key.split('.').reduce((node, part) => (node && typeof node === 'object' ? node[part] : undefined), texts);
  if (found && typeof found === 'object' && typeof found.other === 'string') {
    found = found[formatter('PluralRules', {}).select(Number(params && params.count) || 0)] ?? found.other;
  }
  return typeof found === 'string' ? found : undefined;
}

const cache = new Map();
function formatter(kind, options) {
  const key = `${current}|${kind}|${JSON.stringify(options)}`;
  if (!cache.has(key)) cache.set(key, new Intl[kind](current, options));
  return cache.get(key);
}

/** A number as the language writes it (`1,234` / `1.234`). */
export function formatNumber(value, options = {}) {
  return formatter('NumberFormat', options).format(value);
}

/** A duration in seconds, short: `45 sec`, `2 min 5 sec` (`45 sn`, `2 dk 5 sn`). */
export function formatDuration(seconds) {
  const total = Math.max(0, Math.round(Number(seconds) || 0));
  const unit = (value, name) => formatNumber(value, {style: 'unit', unit: name, unitDisplay: 'short'});
  if (total < 60) return unit(total, 'second');
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const rest = total % 60;
  if (hours) return [unit(hours, 'hour'), minutes && unit(minutes, 'minute')].filter(Boolean).join(' ');
  return [unit(minutes, 'minute'), rest && unit(rest, 'second')].filter(Boolean).join(' ');
}

/** A moment relative to now: `5 minutes ago`, `yesterday`. */
export function formatRelative(date) {
  const then = date instanceof Date ? date : new Date(date);
  const seconds = (then.getTime() - Date.now()) / 1000;
  const steps = [[60, 'second'], [3600, 'minute', 60], [86400, 'hour', 3600], [604800, 'day', 86400],
    [2629800, 'week', 604800], [31557600, 'month', 2629800], [Infinity, 'year', 31557600]];
  const format = formatter('RelativeTimeFormat', {numeric: 'auto'});
  for (const [limit, name, size = 1] of steps) {
    if (Math.abs(seconds) < limit) return format.format(Math.round(seconds / size), name);
  }
  return '';
}

/** A date and time, medium length. */
export function formatDateTime(date) {
  const value = date instanceof Date ? date : new Date(date);
  if (Number.isNaN(value.getTime())) return '';
  return formatter('DateTimeFormat', {dateStyle: 'medium', timeStyle: 'short'}).format(value);
}
