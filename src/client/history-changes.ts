import type { CallClient, ClientState, Unsubscribe } from './types.js';

/** Several events often arrive for one call: a history shown on screen reloads once this long after the last. */
export const HISTORY_REFRESH_DELAY_MS = 400;

/**
 * Calls `changed` whenever a user's call history may have changed: an invitation event, the missed-call count, an
 * invitation that left the store without an event on this device (one this user answered or sent), or the
 * connection coming back (`reconnected`, when everything may have changed). `<bax-call-history>` and React's
 * `useCallHistory` both reload through it.
 */
export function watchHistoryChanges(client: CallClient, changed: (reason: 'event' | 'reconnected') => void): Unsubscribe[] {
  const onEvent = () => changed('event');
  let pending = pendingIds(client.getState());
  let connection = client.getState().connection;
  return [
    client.onInvitationReceived(onEvent),
    client.onInvitationAccepted(onEvent),
    client.onInvitationDeclined(onEvent),
    client.onInvitationCanceled(onEvent),
    client.onInvitationExpired(onEvent),
    client.onInvitationAnsweredElsewhere(onEvent),
    client.onMissedCallsChanged(onEvent),
    client.subscribe((state) => {
      const now = pendingIds(state);
      const ended = [...pending].some((id) => !now.has(id));
      const reconnected = state.connection === 'open' && connection !== 'open';
      pending = now;
      connection = state.connection;
      if (reconnected) changed('reconnected');
      else if (ended) changed('event');
    }),
  ];
}

function pendingIds(state: ClientState): Set<string> {
  return new Set([...state.incoming, ...state.outgoing].map((invitation) => invitation.invitationId));
}
