// Light and dark: follows the system unless the person picks one (remembered in localStorage).

const STORAGE_KEY = 'mami-theme';
const dark = window.matchMedia('(prefers-color-scheme: dark)');

function stored() {
  try { return localStorage.getItem(STORAGE_KEY) || 'system'; } catch { return 'system'; }
}

let choice = stored();

/** `system`, `light` or `dark`. */
export function themeChoice() { return choice; }

/** Sets `<html data-theme>` to `light` or `dark` from the choice and the system's preference. */
export function applyTheme() {
  const theme = choice === 'system' ? (dark.matches ? 'dark' : 'light') : choice;
  document.documentElement.dataset.theme = theme;
}

export function setTheme(next) {
  choice = ['light', 'dark'].includes(next) ? next : 'system';
  try { localStorage.setItem(STORAGE_KEY, choice); } catch { /* not remembered */ }
  applyTheme();
}

/** Follows the system's changes while the choice is `system`. */
export function watchSystemTheme() {
  dark.addEventListener('change', applyTheme);
  applyTheme();
}
