import { createContext } from '@lit/context';
import { BaxCloudClient, type BaxCloudClientOptions } from '../client/client.js';
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

/** Shares `client` with every element on the page; `undefined` clears it. Closes a client `configure` made. */
export function setPageClient(client: CallClient | undefined): void {
  const current = slot();
  if (current.configuredKey !== undefined && current.client !== client) current.client?.disconnect();
  setSlot(client, undefined);
}

/** Calls `listener` whenever the page client changes. */
export function onPageClientChange(listener: (client: CallClient | undefined) => void): Unsubscribe {
  const changes = slot().changes;
  const handle = () => listener(slot().client);
  changes.addEventListener('change', handle);
  return () => changes.removeEventListener('change', handle);
}

/**
 * Creates the page's one `BaxCloudClient` and shares it with every element. Calling it again with the same
 * server, project and user returns the same client; with others, it closes the old connection first.
 */
export function configure(options: BaxCloudClientOptions): CallClient {
  const key = JSON.stringify([options.host, options.projectId, options.apiKey, options.user.userId]);
  const current = slot();
  if (current.client && current.configuredKey === key) return current.client;
  if (current.configuredKey !== undefined) current.client?.disconnect();
  const client = new BaxCloudClient(options);
  setSlot(client, key);
  return client;
}

/** Closes the connection `configure` opened, if `client` is it, and clears the page client. */
export function release(client: CallClient): void {
  const current = slot();
  if (current.client !== client) return;
  if (current.configuredKey !== undefined) client.disconnect();
  setSlot(undefined, undefined);
}

function setSlot(client: CallClient | undefined, configuredKey: string | undefined): void {
  const current = slot();
  if (current.client === client) {
    current.configuredKey = configuredKey;
    return;
  }
  current.client = client;
  current.configuredKey = configuredKey;
  current.changes.dispatchEvent(new Event('change'));
}
