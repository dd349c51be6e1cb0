import type { ClientStore } from './store.js';

/**
 * Keeps the app's icon badge (the Badging API, `navigator.setAppBadge`) at the missed-call count once connected,
 * where the browser has app badges: installed web apps in Chromium-based browsers and Safari. A count of 0 clears it.
 */
export function showMissedCallsOnAppBadge(store: ClientStore): void {
  let shown = -1;
  store.subscribe(({ connection, missedCalls }) => {
    // A badge is a hint: a browser refusing it (no permission, not installed) changes nothing else.
    if (connection == 'open' && missedCalls != shown) globalThis.navigator?.setAppBadge?.((shown = missedCalls)).catch(() => {});
  });
}
