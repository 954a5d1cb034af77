// Start-up: theme and language first, then the session (the cookie, if any), then the page for it.
import {applyLanguage, onLanguageChange} from './i18n.js';
import {watchSystemTheme} from './theme.js';
import {restore, onSessionChange, currentUser} from './session.js';
import {connectEvents, disconnectEvents} from './events.js';
import {startImageJobs} from './image-jobs.js';
import {clearConversations} from './conversations.js';
import {showShell} from './shell.js';
import {showSignIn} from './signin-view.js';

const root = document.getElementById('app');
let teardown = null;

function render(reason) {
  if (teardown) teardown();
  teardown = null;
  if (currentUser()) {
    teardown = showShell(root);
    connectEvents();
  } else {
    disconnectEvents();
    clearConversations();
    showSignIn(root, reason);
  }
}

watchSystemTheme();
applyLanguage();
startImageJobs();
onSessionChange((kind, reason) => render(kind === 'signed-out' ? reason : undefined));
onLanguageChange(() => render());
restore().then((signedIn) => { if (!signedIn) render(); });
