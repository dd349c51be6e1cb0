import type { CallHistoryPage, Snapshot } from '../../protocol/types.js';
import type { Inbox } from './inbox.js';
import { historyFromRow, receivedFromRow, sentFromRows } from './rows.js';

export function missedCalls(inbox: Inbox): number {
  return inbox.store.missedCallsSince(inbox.store.profile().missed_seen_at);
}

/** A page of call history as the asking device sees it, newest first. */
export function historyPage(inbox: Inbox, deviceId: string, limit: number, before: number | undefined): CallHistoryPage {
  const { rows, nextBefore } = inbox.store.historyPage(before ?? Number.MAX_SAFE_INTEGER, limit);
  const calls = inbox.store.roomCalls(rows.map((row) => row.invitation_id));
  return { entries: rows.map((row) => historyFromRow(row, deviceId, calls.get(row.invitation_id))), nextBefore, missedCalls: missedCalls(inbox) };
}

/** Clears the missed-call count on every device of this user. */
export function markMissedCallsSeen(inbox: Inbox): { missedCalls: 0 } {
  inbox.store.markMissedCallsSeen(Date.now());
  inbox.devices.broadcast({ type: 'missed_calls.changed', missedCalls: 0 });
  return { missedCalls: 0 };
}

/**
 * What a device needs on every (re)connect: pending invitations both ways, presence, missed calls, the clock.
 * Each list carries at most the newest `snapshotMaxInvitations`, so the frame stays small whatever others send.
 */
export function snapshot(inbox: Inbox, now: number): Snapshot {
  const { store } = inbox;
  const cap = inbox.limits.snapshotMaxInvitations;
  const incoming = store.pendingIncoming(cap);
  const me = inbox.me();
  const outgoing = store.outgoingWithPendingInvitees(cap);
  return {
    user: me,
    presence: store.profile().status as Snapshot['presence'],
    incoming: incoming.rows.map(receivedFromRow),
    outgoing: outgoing.rows.map((row) => sentFromRows(row, me, store.invitees(row.invitation_id))),
    missedCalls: missedCalls(inbox),
    serverTime: now,
    ...(incoming.more || outgoing.more ? { more: { incoming: incoming.more, outgoing: outgoing.more } } : {}),
  };
}
