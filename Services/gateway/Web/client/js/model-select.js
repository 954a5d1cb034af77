// The chat model picker: select#model from GET /api/v1/models, "" standing for the default (null).
import * as api from './api.js';
import {h} from './dom.js';
import {t} from './i18n.js';

let models = null;

function loadModels() {
  if (!models) models = api.get('/models').catch((error) => { models = null; throw error; });
  return models;
}

/** `{element, value, set(model)}`; `onChange(model|null)` when the person picks one. */
export function modelSelect(onChange) {
  const select = h('select', {id: 'model', class: 'model-select', 'aria-label': t('model.label'), title: t('model.label')},
    h('option', {value: ''}, t('model.default')));
  let wanted = '';
  select.addEventListener('change', () => onChange(select.value || null));
  loadModels().then(({items = [], default: fallback}) => {
    select.firstChild.textContent = fallback ? t('model.defaultNamed', {name: fallback}) : t('model.default');
    for (const item of items) select.append(h('option', {value: item.id}, item.id));
    ensure(select, wanted);
    select.value = wanted;
  }).catch(() => { select.title = t('model.unavailable'); });
  return {
    element: select,
    get value() { return select.value || null; },
    set(model) {
      wanted = model || '';
      ensure(select, wanted);
      select.value = wanted;
    },
  };
}

/** A conversation's model the engine no longer lists is still shown as chosen. */
function ensure(select, value) {
  if (value && ![...select.options].some((option) => option.value === value)) select.append(h('option', {value}, value));
}
