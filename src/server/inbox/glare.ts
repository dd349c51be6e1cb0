import type { InviteeState, ReceivedInvitation } from '../../protocol/types.js';
import { crossingWins } from '../invitation-rules.js';
import type { InviteeUpdate } from '../rpc.js';
import type { Inbox } from './inbox.js';
import { receivedFromOutgoing } from './rows.js';

/**
 * Two 1:1 invitations crossing between the same users. Each inbox decides only the invitation it is the
 * authority for: the older one is accepted, the younger canceled. Both inboxes use the same rule, so the
 * pair ends as one call whichever arrives first. A decision already taken for this pair (our invitation
 * accepted or canceled in favour of this one) is kept. Returns the stored outcome of `theirs`, or undefined
 * when no invitation of ours crosses it.
 */
export function decideGlare(inbox: Inbox, theirs: ReceivedInvitation, now: number, crossing: boolean): InviteeUpdate | undefined {
  const { store } = inbox;
  // `crossing` false: the caller already knows that no stored invitation of ours crosses `theirs`.
  const ours = crossing ? store.crossingOutgoing(theirs.from, theirs.invitationId, now) : undefined;
  if (!ours) return decideGlareInFlight(inbox, theirs, now);
  const base = { invitationId: theirs.invitationId, userId: inbox.userId, user: inbox.me(), delivered: true, glareWith: ours.invitation_id };
  if (!crossingWins(theirs, { invitationId: ours.invitation_id, createdAt: ours.created_at, state: ours.state as InviteeState })) {
    store.insertIncoming(theirs, { state: 'canceled', reason: 'glare', endedAt: now });
    // The loser's sender learns which call it joins, so it can answer its own send with that call.
    return { ...base, state: 'canceled', reason: 'glare', winner: receivedFromOutgoing(ours, inbox.me()) };
  }
  // Our own pending invitation is canceled by its invitee's inbox, which applies the same rule.
  store.insertIncoming(theirs, { state: 'accepted', delivered: true, endedAt: now, answeredDevice: ours.sender_device ?? 'glare' });
  store.setGlare(ours.invitation_id, theirs.invitationId);
  return { ...base, state: 'accepted' };
}

/** The glare rule against a 1:1 send of ours whose record is not written yet. */
function decideGlareInFlight(inbox: Inbox, theirs: ReceivedInvitation, now: number): InviteeUpdate | undefined {
  const flight = inbox.outgoing.crossingSendTo(theirs.from);
  if (!flight) return undefined;
  const ours = flight.invitation;
  const base = { invitationId: theirs.invitationId, userId: inbox.userId, user: inbox.me(), delivered: true, glareWith: ours.invitationId };
  if (!crossingWins(theirs, { ...ours, state: 'pending' })) {
    inbox.store.insertIncoming(theirs, { state: 'canceled', reason: 'glare', endedAt: now });
    return { ...base, state: 'canceled', reason: 'glare', winner: ours };
  }
  inbox.store.insertIncoming(theirs, { state: 'accepted', delivered: true, endedAt: now, answeredDevice: flight.senderDevice });
  flight.glareWith = theirs.invitationId;
  return { ...base, state: 'accepted' };
}
