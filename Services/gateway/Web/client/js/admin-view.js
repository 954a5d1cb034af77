// section#admin (admins only): each service's health, the services' statistics, the operating mode
// (normal / degraded) and clearing the memory cache.
import * as api from './api.js';
import {h, fill} from './dom.js';
import {t, formatNumber, formatDuration} from './i18n.js';
import {currentUser} from './session.js';
import {describeError} from './errors.js';

export function mountAdmin(main) {
  if ((currentUser() || {}).role !== 'admin') {
    main.replaceChildren(h('section', {id: 'admin-denied', class: 'page'}, h('h1', null, t('admin.title')),
      h('p', {class: 'notice', role: 'alert'}, t('admin.denied'))));
    return {unmount() {}};
  }
  const health = h('div', {id: 'admin-health', class: 'health-grid', 'aria-live': 'polite'});
  const stats = h('div', {id: 'admin-stats', class: 'stats'});
  const status = h('p', {class: 'form-status', role: 'status'});
  const mode = h('select', {id: 'mode', 'aria-label': t('admin.modeLabel')},
    h('option', {value: 'normal'}, t('admin.mode.normal')), h('option', {value: 'degraded'}, t('admin.mode.degraded')));
  const say = (text) => { status.textContent = text; };

  const load = async () => {
    const [healthResult, statsResult] = await Promise.allSettled([fetchHealth(), api.get('/admin/stats')]);
    if (healthResult.status === 'fulfilled') drawHealth(health, healthResult.value);
    else fill(health, h('p', {class: 'notice'}, describeError(healthResult.reason)));
    if (statsResult.status === 'fulfilled') {
      mode.value = statsResult.value.mode === 'degraded' ? 'degraded' : 'normal';
      fill(stats, statTable(statsResult.value));
    } else fill(stats, h('p', {class: 'notice'}, describeError(statsResult.reason)));
  };
  mode.addEventListener('change', async () => {
    try {
      const result = await api.post('/admin/mode', {mode: mode.value});
      say(t('admin.modeSet', {mode: t(`admin.mode.${result.mode}`)}));
      load();
    } catch (error) { say(describeError(error)); }
  });
  const clear = h('button', {type: 'button', id: 'cache-clear', class: 'button', onclick: async () => {
    try {
      const result = await api.post('/admin/cache/clear');
      say(t('admin.cacheCleared', {details: summary(result.memory)}));
      load();
    } catch (error) { say(describeError(error)); }
  }}, t('admin.cacheClear'));

  main.replaceChildren(h('section', {id: 'admin', class: 'page', 'aria-labelledby': 'admin-title'},
    h('h1', {id: 'admin-title'}, t('admin.title')),
    h('section', {class: 'panel'}, h('h2', null, t('admin.health')), health),
    h('section', {class: 'panel'}, h('h2', null, t('admin.controls')),
      h('div', {class: 'control-row'}, h('label', {for: 'mode'}, t('admin.modeLabel')), mode),
      h('p', {class: 'lead'}, t('admin.modeHelp')),
      h('div', {class: 'control-row'}, clear, h('button', {type: 'button', class: 'button', onclick: load}, t('admin.refresh'))), status),
    h('section', {class: 'panel'}, h('h2', null, t('admin.stats')), stats)));
  load();
  const timer = setInterval(load, 15000);
  return {unmount: () => clearInterval(timer)};
}

async function fetchHealth() {
  const response = await fetch('/health', {cache: 'no-store'});
  return response.json();
}

function drawHealth(box, report) {
  const services = Object.entries(report.services || {});
  fill(box, h('p', {class: 'health-overall'}, t('admin.overall'), ' ', badge(report.status)),
    h('ul', {class: 'health-list'}, services.map(([name, service]) => h('li', {class: 'health-row', dataset: {service: name, status: service.status}},
      h('span', {class: 'health-name'}, name), badge(service.status),
      h('span', {class: 'health-detail'}, healthDetail(service))))));
}

/** Version, uptime, and the checks that are not ok. */
function healthDetail(service) {
  const failing = Object.entries(service.checks || {}).filter(([, check]) => check && !check.ok)
    .map(([name, check]) => `${label(name)}: ${check.detail || t('admin.status.failing')}`);
  return [service.version && `v${service.version}`, service.uptime_s != null && t('admin.uptime', {time: formatDuration(service.uptime_s)}),
    service.error, ...failing].filter(Boolean).join(' · ');
}

function badge(state) {
  const key = `admin.status.${state || 'unknown'}`;
  const text = t(key);
  return h('span', {class: 'badge', dataset: {status: state || 'unknown'}}, text === key ? state : text);
}

/** A short "key: value" line of an object's plain fields. */
function summary(value, skip = []) {
  if (!value || typeof value !== 'object') return value == null ? '' : String(value);
  return Object.entries(value).filter(([key, v]) => !skip.includes(key) && (v === null || typeof v !== 'object'))
    .map(([key, v]) => `${label(key)}: ${show(v)}`).join(' · ');
}

/** Nested statistics as definition lists, one group per object. */
function statTable(value, depth = 0) {
  const rows = Object.entries(value || {});
  return h('dl', {class: `stat-list depth-${Math.min(depth, 2)}`}, rows.map(([key, v]) => (v && typeof v === 'object' && !Array.isArray(v)
    ? h('div', {class: 'stat-group'}, h('dt', null, label(key)), h('dd', null, statTable(v, depth + 1)))
    : h('div', {class: 'stat-row'}, h('dt', null, label(key)), h('dd', null, show(v, key))))));
}

function label(key) {
  const text = String(key).replace(/[_-]+/g, ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function show(v, key = '') {
  if (typeof v === 'number') return formatNumber(v, {maximumFractionDigits: 2, useGrouping: !/pid|seq|port|version/i.test(key)});
  if (typeof v === 'boolean') return v ? t('admin.yes') : t('admin.no');
  if (Array.isArray(v)) return v.map((item) => (item && typeof item === 'object' ? summary(item) : show(item))).join(', ');
  return v == null ? '—' : String(v);
}
