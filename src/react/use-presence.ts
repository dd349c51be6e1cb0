import { useEffect, useMemo } from 'react';
import type { ClientState } from '../client/types.js';
import type { PresenceInfo } from '../protocol/types.js';
import { useCallClient } from './client-scope.js';
import { useClientSelector } from './use-call-state.js';

const NO_PRESENCE: Readonly<Record<string, PresenceInfo>> = Object.freeze({});

/**
 * The presence of `userIds` (`{ userId, status: 'online' | 'busy' | 'offline', lastSeen }` by user id; undefined
 * until the server answered), kept current: subscribes to them once connected, and again on every new
 * connection. The server keeps a subscription for the connection's life; unmounting does not end it.
 */
export function usePresence(userIds: readonly string[]): Readonly<Record<string, PresenceInfo | undefined>> {
  const client = useCallClient();
  // The ids as a value, so that a new array with the same ids neither subscribes again nor renders again.
  const key = JSON.stringify([...new Set(userIds.filter(Boolean))].sort());
  const presenceOf = useClientSelector(client, (state) => state.presenceOf, NO_PRESENCE);

  useEffect(() => {
    const ids = JSON.parse(key) as string[];
    if (!client || ids.length === 0) return undefined;
    let subscribed = false;
    // Each new connection may have lost the server's subscription: subscribe whenever one opens.
    const follow = (state: ClientState) => {
      if (state.connection !== 'open') subscribed = false;
      if (subscribed || state.connection !== 'open') return;
      subscribed = true;
      client.subscribePresence(ids).catch(() => {
        // Presence is a hint: after a failure the map stays as it is, and the next connection subscribes again.
      });
    };
    follow(client.getState());
    return client.subscribe(follow);
  }, [client, key]);

  return useMemo(() => Object.fromEntries((JSON.parse(key) as string[]).map((userId) => [userId, presenceOf[userId]])), [presenceOf, key]);
}
