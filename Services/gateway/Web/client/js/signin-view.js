// The sign-in screen: form#auth-form with one form for both sign in and register.
import {h, LOGO_URL} from './dom.js';
import {t} from './i18n.js';
import {signIn} from './session.js';
import {describeError} from './errors.js';
import {languagePicker, themePicker} from './preferences.js';

const REASONS = {expired: 'signin.expired', revoked: 'signin.revoked', 'signed-out-elsewhere': 'signin.elsewhere'};

/** Draws the sign-in screen into `root`; `reason` says why the session ended, if it did. */
export function showSignIn(root, reason) {
  const error = h('div', {id: 'auth-error', class: 'auth-error', role: 'alert'}, REASONS[reason] ? t(REASONS[reason]) : '');
  const username = h('input', {id: 'auth-username', name: 'username', type: 'text', autocomplete: 'username', required: true,
    minlength: 3, maxlength: 64, autocapitalize: 'none', spellcheck: 'false'});
  const password = h('input', {id: 'auth-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true,
    minlength: 8, maxlength: 256});
  const buttons = [
    h('button', {type: 'submit', class: 'button primary', 'data-action': 'login'}, t('signin.login')),
    h('button', {type: 'submit', class: 'button', 'data-action': 'register'}, t('signin.register')),
  ];
  const form = h('form', {id: 'auth-form', class: 'auth-form', novalidate: true}, 
    h('div', {class: 'field'}, h('label', {for: 'auth-username'}, t('signin.username')), username),
    h('div', {class: 'field'}, h('label', {for: 'auth-password'}, t('signin.password')), password),
    error, h('div', {class: 'auth-actions'}, buttons));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const kind = event.submitter && event.submitter.dataset.action === 'register' ? 'register' : 'login';
    error.textContent = '';
    for (const input of [username, password]) input.removeAttribute('aria-invalid');
    buttons.forEach((button) => { button.disabled = true; });
    try {
      await signIn(kind, username.value.trim(), password.value);
    } catch (failure) {
      error.textContent = describeError(failure);
      const field = failure.field === 'password' ? password : failure.field === 'username' ? username : null;
      if (field) field.setAttribute('aria-invalid', 'true');
      buttons.forEach((button) => { button.disabled = false; });
    }
  });
  const main = h('main', {id: 'view', class: 'signin', dataset: {view: 'signin'}},
    h('div', {class: 'signin-card'},
      h('img', {class: 'brand-mark', src: LOGO_URL, alt: '', width: 56, height: 56}),
      h('h1', null, t('app.name')),
      h('p', {class: 'lead'}, t('signin.lead')),
      form),
    h('div', {class: 'signin-prefs'}, languagePicker(), themePicker()));
  root.replaceChildren(main);
  username.focus();
}
