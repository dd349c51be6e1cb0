// The demo page: one user per tab, chosen in the query string (?user=alice&name=Alice&call=bob), with optional
// avatar (an http(s) picture URL) and timeout (seconds a call rings) parameters.
// Tokens come from the server's dev-only /demo/token endpoint, as they would from an app's own backend.
import { getPageClient, onPageClientChange } from './bax-call.js';

const params = new URLSearchParams(location.search);
const userId = params.get('user')?.trim();
const $ = (id) => document.getElementById(id);

if (!userId) {
  $('sign-in').hidden = false;
} else {
  start(userId, params.get('name')?.trim() || userId, params.get('call')?.trim() || '');
}

function start(userId, name, callee) {
  document.title = `${name} · BaxCloud Call demo`;
  $('whoami').hidden = false;
  $('whoami').textContent = `Signed in as ${name} (${userId})`;
  $('app').hidden = false;

  // Set as attributes from code, never as HTML, since they come from the address bar.
  const cloud = document.createElement('bax-cloud');
  cloud.setAttribute('host', location.host);
  cloud.setAttribute('project-id', 'demo');
  cloud.setAttribute('api-key', 'demo-api-key');
  cloud.setAttribute('user-id', userId);
  cloud.setAttribute('user-name', name);
  const avatar = params.get('avatar')?.trim();
  if (avatar && /^https?:\/\//.test(avatar)) cloud.setAttribute('user-avatar', avatar);
  cloud.setAttribute('token-url', '/demo/token');
  document.body.prepend(cloud);

  setCallee(callee);
  $('callee-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const next = $('callee').value.trim();
    setCallee(next);
    const url = new URL(location.href);
    url.searchParams.set('call', next);
    history.replaceState(null, '', url);
  });

  watchConnection();
  logEvents();

  // No bax-call-start handler: its default action opens the call in a full-window <bax-call-room>.
}

function setCallee(callee) {
  $('callee').value = callee;
  const timeout = params.get('timeout')?.trim();
  for (const button of [$('call-button'), $('audio-button')]) {
    button.setAttribute('to', callee);
    if (timeout) button.setAttribute('timeout', timeout);
  }
}

function watchConnection() {
  let unsubscribe;
  const show = (client) => {
    unsubscribe?.();
    if (!client) return;
    const render = (state) => ($('connection').textContent = `Connection: ${state.connection}`);
    render(client.getState());
    unsubscribe = client.subscribe(render);
  };
  onPageClientChange(show);
  show(getPageClient());
}

function logEvents() {
  const names = [
    'bax-call-request',
    'bax-invitation-sent',
    'bax-invitation-received',
    'bax-invitation-accepted',
    'bax-invitation-declined',
    'bax-invitation-canceled',
    'bax-invitation-expired',
    'bax-call-start',
    'bax-participant-joined',
    'bax-participant-left',
    'bax-call-end',
  ];
  for (const name of names) {
    document.addEventListener(name, (event) => {
      const item = document.createElement('li');
      item.textContent = `${new Date().toLocaleTimeString()} ${name} ${JSON.stringify(event.detail)}`;
      $('events').prepend(item);
    });
  }
}
