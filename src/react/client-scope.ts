import { ContextEvent } from '@lit/context';
import type { ReactiveElement } from 'lit';
import { createContext, useContext, useLayoutEffect, useState, useSyncExternalStore } from 'react';
import type { CallClient } from '../client/types.js';
import { callClientContext, getPageClient, onPageClientChange } from '../elements/context.js';

/** What a `BaxCloud` shares with the React tree inside it: the client its element provides, once mounted. */
export interface ClientScope {
  client: CallClient | undefined;
}

export const ClientScopeContext = createContext<ClientScope | undefined>(undefined);

const noClient = (): CallClient | undefined => undefined;

/**
 * The client the calling elements around this component use: the one the nearest `BaxCloud` provides (its own,
 * or while it has none, the one around it), else the page-wide client (`configure`, `setPageClient`, or any
 * `<bax-cloud>` on the page). Undefined until there is one.
 */
export function useCallClient(): CallClient | undefined {
  const scope = useContext(ClientScopeContext);
  const pageClient = useSyncExternalStore(onPageClientChange, getPageClient, noClient);
  return scope?.client ?? pageClient;
}

/**
 * The client a `<bax-cloud>` element provides, kept current. It asks the way the elements inside it do, through
 * @lit/context, from the element's shadow root: a request from the element itself would skip its own provider.
 */
export function useProvidedClient(element: ReactiveElement | null): CallClient | undefined {
  const [client, setClient] = useState<CallClient | undefined>(undefined);
  useLayoutEffect(() => {
    const root = element?.renderRoot;
    if (!root) return undefined;
    let dispose: (() => void) | undefined;
    const receive = (provided: CallClient | undefined, unsubscribe?: () => void) => {
      // Providers ask their consumers again when another provider connects below them: keep only the latest answer.
      if (dispose && dispose !== unsubscribe) dispose();
      dispose = unsubscribe;
      setClient(provided);
    };
    // The shadow root stands in for a consumer element: providers only compare it with their host and dispatch
    // from it again, both of which a shadow root supports.
    root.dispatchEvent(new ContextEvent(callClientContext, root as Element, receive, true));
    return () => dispose?.();
  }, [element]);
  return client;
}
