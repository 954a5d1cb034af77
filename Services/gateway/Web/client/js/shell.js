// The signed-in page: header (navigation, language, theme, sign out), the sidebar, and main#view
// holding the view of the current route.
import {h, icon, LOGO_URL} from './dom.js';
import {t} from './i18n.js';
import {currentUser, signOut} from './session.js';
import {parseRoute, onRoute} from './router.js';
import {createSidebar} from './sidebar.js';
import {ChatView} from './conversation-view.js';
import {mountMemories} from './memories-view.js';
import {mountDocuments} from './documents-view.js';
import {mountSettings} from './settings-view.js';
import {mountAdmin} from './admin-view.js';
import {languagePicker, themePicker} from './preferences.js';

const MOUNTS = {
  chat: (main, id) => new ChatView(main, id),
  memories: mountMemories,
  documents: mountDocuments,
  settings: mountSettings,
  admin: mountAdmin,
};

/** Draws the app into `root`; returns its teardown. */
export function showShell(root) {
  const user = currentUser();
  const main = h('main', {id: 'view', class: 'view', tabindex: -1});
  const app = h('div', {class: 'app', dataset: {sidebar: 'closed'}});
  const toggle = h('button', {type: 'button', id: 'sidebar-toggle', class: 'icon-button sidebar-toggle', 'aria-controls': 'sidebar',
    'aria-expanded': 'false', 'aria-label': t('sidebar.toggle'), title: t('sidebar.toggle')}, icon('menu'));
  const closeSidebar = () => {
    app.dataset.sidebar = 'closed';
    toggle.setAttribute('aria-expanded', 'false');
  };
  toggle.addEventListener('click', () => {
    const open = app.dataset.sidebar !== 'open';
    app.dataset.sidebar = open ? 'open' : 'closed';
    toggle.setAttribute('aria-expanded', String(open));
    if (open) document.getElementById('new-conversation')?.focus();
  });
  const sidebar = createSidebar({onNavigate: closeSidebar});
  const links = navLinks(user);
  app.append(
    h('header', {class: 'app-header'}, toggle,
      h('a', {class: 'brand', href: '#/'}, h('img', {src: LOGO_URL, alt: '', width: 24, height: 24}), h('span', null, t('app.name'))),
      h('nav', {class: 'app-nav', 'aria-label': t('nav.label')}, links),
      h('div', {class: 'header-tools'}, languagePicker(), themePicker(),
        h('span', {class: 'user-name', title: user.username}, user.username),
        h('button', {type: 'button', id: 'logout', class: 'icon-button', 'aria-label': t('nav.logout'), title: t('nav.logout'),
          onclick: () => signOut()}, icon('logout')))),
    h('div', {class: 'app-body'}, sidebar.element, h('div', {class: 'sidebar-backdrop', onclick: closeSidebar}), main),
    h('p', {class: 'connection-banner', role: 'status'}, t('connection.offline')));
  app.addEventListener('keydown', (event) => { if (event.key === 'Escape' && app.dataset.sidebar === 'open') closeSidebar(); });
  root.replaceChildren(app);

  let current = null;
  const show = (route) => {
    for (const link of links) {
      if (link.getAttribute('href') === `#/${route.view}`) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
    if (route.view === 'chat' && current && current.kind === 'chat' && current.view.shows(route.id)) return;
    if (current) current.view.unmount();
    main.dataset.view = route.view;
    current = {kind: route.view, view: MOUNTS[route.view](main, route.id)};
    closeSidebar();
  };
  const stopRoutes = onRoute(show);
  show(parseRoute());
  return () => {
    stopRoutes();
    sidebar.unmount();
    if (current) current.view.unmount();
  };
}

function navLinks(user) {
  const items = [['memories', t('nav.memories')], ['documents', t('nav.documents')], ['settings', t('nav.settings')]];
  if (user.role === 'admin') items.push(['admin', t('nav.admin')]);
  return items.map(([view, text]) => h('a', {href: `#/${view}`, class: 'nav-link'}, text));
}
