import type { Page } from 'playwright-core';

/**
 * The demo page `npm start` serves (dist/site), as the end-to-end tests and the call benchmark (bench/call.ts) open
 * it: its address for a user, the wait for its connection, and scripts that run before its own. No vitest here: the
 * benchmark runs outside it.
 */

export interface DemoUser {
  id: string;
  name: string;
}

/** The page signed in as `me` (the demo takes the user from the address), with a call button for `callee`'s id if given. */
export function demoPath(me: DemoUser, callee?: DemoUser): string {
  return `/?${new URLSearchParams({ user: me.id, name: me.name, ...(callee ? { call: callee.id } : {}) })}`;
}

/** Waits until the client `<bax-cloud>` made has its socket open. */
export function waitUntilOpen(page: Page, timeout?: number): Promise<unknown> {
  return page.waitForFunction(
    () => document.querySelector('bax-cloud')?.activeClient?.getState().connection === 'open',
    undefined,
    timeout === undefined ? {} : { timeout },
  );
}

/** Runs before the page's scripts: keeps every peer connection in `window.peerConnections`, so their stats can be read. */
export function recordPeerConnections(): void {
  const list: RTCPeerConnection[] = [];
  const Native = RTCPeerConnection;
  Object.defineProperty(window, 'peerConnections', { value: list });
  window.RTCPeerConnection = class extends Native {
    constructor(configuration?: RTCConfiguration) {
      super(configuration);
      list.push(this);
    }
  };
}

/** Runs before the page's scripts: the page joins calls itself, through the client, as a page with its own call UI does. */
export function handCallsToThePage(): void {
  document.addEventListener('bax-call-start', (event) => event.preventDefault());
}
