// The language and theme pickers (select#language, select#theme), shown in the header and on sign-in.
import {h} from './dom.js';
import {t, languageChoice, setLanguage} from './i18n.js';
import {themeChoice, setTheme} from './theme.js';

function picker(id, label, options, value, onChange) {
  const select = h('select', {id, class: 'compact-select', 'aria-label': label, title: label},
    options.map(([optionValue, text]) => h('option', {value: optionValue}, text)));
  select.value = value;
  select.addEventListener('change', () => onChange(select.value));
  return select;
}

export function languagePicker() {
  return picker('language', t('prefs.language'), [['auto', t('prefs.auto')], ['en', 'English'], ['tr', 'Türkçe']],
    languageChoice(), setLanguage);
}

export function themePicker() {
  return picker('theme', t('prefs.theme'), [['system', t('prefs.system')], ['light', t('prefs.light')], ['dark', t('prefs.dark')]],
    themeChoice(), setTheme);
}
