import { createContext } from '@lit/context';
import type { CallClient, Unsubscribe } from '../client/types.js';

/**
 * The client the elements use. The key is a registered symbol so that two copies of the elements on one page
 * (a script tag and an npm build) still find each other's provider.
 */
export const callClientContext = createContext<CallClient | undefined>(Symbol.for('baxcloud.call.client'));

interface PageClientSlot {
  client: CallClient | undefined;
  /** Set when `configure` created the client, so a later `configure` with other options can close it. */
  configuredKey: string | undefined;
  readonly changes: EventTarget;
}

const SLOT = Symbol.for('baxcloud.call.page-client');

/** Kept on `globalThis` so every copy of the elements on the page shares one client and one connection. */
function slot(): PageClientSlot {
  const global = globalThis as typeof globalThis & { [SLOT]?: PageClientSlot };
  global[SLOT] ??= { client: undefined, configuredKey: undefined, changes: new EventTarget() };
  return global[SLOT];
}

/** The client shared by every element on the page that has no nearer provider. */
export function getPageClient(): CallClient | undefined {
  return slot().client;
}

/** Shares `client` with every element on the page; `undefined` clears it. */
export function setPageClient(client: CallClient | undefined): void {
  setSlot(client, undefined);
}

/** Calls `listener` whenever the page client changes. */
export function onPageClientChange(listener: (client: CallClient | undefined) => void): Unsubscribe {
  const changes = slot().changes;
  const handle = () => listener(slot().client);
  changes.addEventListener('change', handle);
  return () => changes.removeEventListener('change', handle);
}

export function setSlot(client: CallClient | undefined, configuredKey: string | undefined): void {
  const current = slot();
  if (current.client === client) {
    current.configuredKey = configuredKey;
    return;
  }
  current.client = client;
  current.configuredKey = configuredKey;
  current.changes.dispatchEvent(new Event('change'));
}

export function pageSlot(): Readonly<PageClientSlot> {
  return slot();
}
