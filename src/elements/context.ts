import { ContextProvider, createContext } from '@lit/context';
import { BaxCloudClient, type BaxCloudClientOptions } from '../client/client.js';
import type { CallClient, Unsubscribe } from '../client/types.js';

/**
 * The client the elements use. The key is a registered symbol so that two copies of the elements on one page
 * (a script tag and an npm build) still find each other's provider.
 */
export const callClientContext = createContext<CallClient | undefined>(Symbol.for('baxcloud.call.client'));

/**
 * The page's provider of `callClientContext`, on `<html>`: it answers every element that has no nearer provider
 * (such as a `<bax-cloud>` around it), so the page-wide client is just the outermost context value.
 */
interface PageProvider {
  readonly provider: ContextProvider<typeof callClientContext>;
  /** Set when `configure` created the client, so a later `configure` with other options can close it. */
  configuredKey: string | undefined;
}

/** Kept on `globalThis` so every copy of the elements on the page shares one provider, one client, one connection. */
const PAGE = Symbol.for('baxcloud.call.page-provider');

function page(): PageProvider {
  const global = globalThis as typeof globalThis & { [PAGE]?: PageProvider };
  global[PAGE] ??= { provider: new ContextProvider(document.documentElement, { context: callClientContext }), configuredKey: undefined };
  return global[PAGE];
}

// Made when the elements load, before any of them asks for a client.
page();

/** The client shared by every element on the page that has no nearer provider. */
export function getPageClient(): CallClient | undefined {
  return page().provider.value;
}

/** Shares `client` with every element on the page; `undefined` clears it. Closes a client `configure` made. */
export function setPageClient(client: CallClient | undefined): void {
  const current = page();
  if (current.configuredKey !== undefined && current.provider.value !== client) current.provider.value?.disconnect();
  share(client, undefined);
}

/** Calls `listener` whenever the page client changes. */
export function onPageClientChange(listener: (client: CallClient | undefined) => void): Unsubscribe {
  let subscribed = false;
  let unsubscribe: Unsubscribe = () => {};
  // A subscription like any element's, except that the provider calls back at once with the current client.
  page().provider.addCallback(
    (client, dispose) => {
      if (dispose) unsubscribe = dispose;
      if (subscribed) listener(client);
      subscribed = true;
    },
    document.documentElement,
    true,
  );
  return () => unsubscribe();
}

/**
 * Creates the page's one `BaxCloudClient` and shares it with every element. Calling it again with the same
 * server, project and user returns the same client; with others, it closes the old connection first.
 */
export function configure(options: BaxCloudClientOptions): CallClient {
  const key = JSON.stringify([options.host, options.projectId, options.apiKey, options.user.userId]);
  const current = page();
  const client = current.provider.value;
  if (client && current.configuredKey === key) return client;
  if (current.configuredKey !== undefined) client?.disconnect();
  const created = new BaxCloudClient(options);
  share(created, key);
  return created;
}

/** Closes the connection `configure` opened, if `client` is it, and clears the page client. */
export function release(client: CallClient): void {
  const current = page();
  if (current.provider.value !== client) return;
  if (current.configuredKey !== undefined) client.disconnect();
  share(undefined, undefined);
}

function share(client: CallClient | undefined, configuredKey: string | undefined): void {
  const current = page();
  current.configuredKey = configuredKey;
  current.provider.setValue(client);
}
