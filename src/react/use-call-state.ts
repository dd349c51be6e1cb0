import { useCallback, useSyncExternalStore } from 'react';
import type { CallClient, ClientState } from '../client/types.js';
import type { ReceivedInvitation, SentInvitation } from '../protocol/types.js';
import { useCallClient } from './client-scope.js';

const NO_INVITATIONS: readonly never[] = Object.freeze([]);
const unsubscribed = () => {};

/**
 * A part of `client`'s store, read through `useSyncExternalStore`: the component renders again when that part
 * changes. `select` must return a part of the state (or a primitive), not a new object, and `fallback` is what
 * it reads while there is no client.
 */
export function useClientSelector<T>(client: CallClient | undefined, select: (state: ClientState) => T, fallback: T): T {
  const subscribe = useCallback((onChange: () => void) => client?.subscribe(onChange) ?? unsubscribed, [client]);
  const read = () => (client ? select(client.getState()) : fallback);
  return useSyncExternalStore(subscribe, read, () => fallback);
}

/**
 * The store of the client the elements share (see the README's "The store"): connection, user, presence, pending
 * invitations both ways, the last settled outgoing one, others' presence, missed calls. Undefined while there is
 * no client; a new object on every change.
 */
export function useCallState(): ClientState | undefined {
  return useClientSelector(useCallClient(), (state): ClientState | undefined => state, undefined);
}

/** Pending invitations to this user, oldest first. */
export function useIncomingInvitations(): readonly ReceivedInvitation[] {
  return useClientSelector(useCallClient(), (state): readonly ReceivedInvitation[] => state.incoming, NO_INVITATIONS);
}

/** Invitations this user sent that still have a pending invitee, oldest first, with each invitee's state. */
export function useOutgoingInvitations(): readonly SentInvitation[] {
  return useClientSelector(useCallClient(), (state): readonly SentInvitation[] => state.outgoing, NO_INVITATIONS);
}
