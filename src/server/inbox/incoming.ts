// The invitee's side: this inbox is the one authority for this user's outcome of each invitation it received.
import type { AnswerResult, CancelReason, DeclineReason, InviteeState, ReceivedInvitation } from '../../protocol/types.js';
import { decide, type InviteeAction } from '../invitation-rules.js';
import type { CancelRequest, InviteeUpdate, SyncRequest } from '../rpc.js';
import { decideGlare } from './glare.js';
import { missedCalls } from './history.js';
import type { Inbox, Requester } from './inbox.js';
import { RequestError } from './request-error.js';
import { declinesWhileInCall } from './room.js';
import type { IncomingRow } from './rows.js';

/** How an outcome came about: the answering device (and the connection that already knows), a reason, a reply. */
export interface ResolveOptions {
  deviceId?: string;
  exceptConnection?: string;
  reason?: string | null;
  message?: string | null;
}

/** RPC, on the invitee's inbox: records an invitation and rings every live device. Idempotent. */
export async function deliverInvitation(inbox: Inbox, invitation: ReceivedInvitation): Promise<InviteeUpdate> {
  const { store } = inbox;
  const now = Date.now();
  const oneToOne = invitation.to.length === 1;
  const checks = store.deliveryChecks(invitation.invitationId, oneToOne ? invitation.from : null, now);
  if (checks.known) return updateFor(inbox, store.incoming(invitation.invitationId)!);
  if (invitation.expiresAt <= now) {
    // Too late to ring (a delivery retried, or resumed after the sender's object restarted): a missed call at once.
    store.insertIncoming(invitation, { state: 'pending' });
    resolveIncoming(inbox, store.incoming(invitation.invitationId)!, 'expired', {});
    return updateFor(inbox, store.incoming(invitation.invitationId)!);
  }
  const ringing = inbox.devices.anyOpen();

  if (oneToOne) {
    // Also against a send of ours in flight, whose record is not written yet (so not in checks.crossing).
    const glare = decideGlare(inbox, invitation, now, checks.crossing);
    if (glare) return glare;
  }
  if ((store.profile().status === 'busy' || declinesWhileInCall(inbox)) && ringing) {
    store.insertIncoming(invitation, { state: 'declined', reason: 'busy', endedAt: now });
    return { invitationId: invitation.invitationId, userId: inbox.userId, user: inbox.me(), delivered: false, state: 'declined', reason: 'busy' };
  }
  // Ring before writing: a message sent after a write waits for that write to be durable, and the ring is
  // no acknowledgement. The sender is answered only after the write; should it fail, the object restarts
  // and the device's accept meets not_found, which dismisses the call, until the sender's outbox delivers it again.
  inbox.devices.broadcast({ type: 'invitation.received', invitation });
  store.insertIncoming(invitation, { state: 'pending', delivered: ringing });
  inbox.outbox.handOver({ type: 'invitation.received', invitation, delivered: ringing });
  await inbox.alarms.by(invitation.expiresAt);
  return { invitationId: invitation.invitationId, userId: inbox.userId, user: inbox.me(), delivered: ringing, state: 'pending' };
}

/** A device connected: invitations that reached no device until now ring there; their senders learn it. */
export function reportDelivered(inbox: Inbox): void {
  for (const row of inbox.store.takeUndelivered()) {
    inbox.outbox.enqueue(row.from_id, 'update', { invitationId: row.invitation_id, userId: inbox.userId, user: inbox.me(), delivered: true });
    inbox.outbox.handOver({ type: 'invitation.delivered', row });
  }
}

function updateFor(inbox: Inbox, row: IncomingRow): InviteeUpdate {
  return {
    invitationId: row.invitation_id,
    userId: inbox.userId,
    user: inbox.me(),
    delivered: row.delivered === 1,
    state: row.state as InviteeState,
    reason: row.reason,
    message: row.reply_message,
  };
}

/** A device of this user accepts or declines. */
export function answer(
  inbox: Inbox,
  invitationId: string,
  action: Extract<InviteeAction, 'accept' | 'decline'>,
  requester: Requester,
  reply: { reason?: DeclineReason; message?: string | null } = {},
): AnswerResult {
  const row = inbox.store.incoming(invitationId);
  if (!row) {
    if (inbox.store.outgoing(invitationId)) throw new RequestError('forbidden', 'only an invitee may accept or decline an invitation');
    throw new RequestError('not_found', 'no such invitation');
  }
  const decision = decide({ state: row.state as InviteeState, expiresAt: row.expires_at }, action, Date.now());
  if (!decision.ok) {
    if (row.state === 'pending' && decision.state === 'expired') resolveIncoming(inbox, row, 'expired', {});
    throw new RequestError('not_pending', `the invitation is already ${decision.state}`);
  }
  resolveIncoming(inbox, row, decision.state, { deviceId: requester.deviceId, exceptConnection: requester.connectionId, ...reply });
  return { invitationId, state: decision.state };
}

/**
 * Whether an incoming invitation ending in `state` is a missed call: one that rings (not a quiet invitation) and
 * ended unanswered, either ringing out or canceled by its caller (or by the caller's leaving) after it rang. It rang
 * when it reached a connected device of this user (`delivered`) or a ring push went out for it. A cancel before
 * either, or a glare (the two calls were joined), is no missed call.
 */
export function countsAsMissed(inbox: Inbox, row: IncomingRow, state: InviteeState, reason: string | null): boolean {
  if (row.ring === 0) return false;
  if (state === 'expired') return true;
  if (state !== 'canceled' || reason === 'glare') return false;
  return row.delivered === 1 || inbox.store.wasPushed(row.invitation_id);
}

/** Records one outcome of an incoming invitation, tells this user's devices and, durably, the sender. */
export function resolveIncoming(inbox: Inbox, row: IncomingRow, state: InviteeState, options: ResolveOptions): void {
  const { store, devices, outbox } = inbox;
  const reply = { reason: options.reason ?? null, message: options.message ?? null };
  const missed = countsAsMissed(inbox, row, state, reply.reason);
  store.settleIncoming(row.invitation_id, state, { ...reply, deviceId: options.deviceId ?? null, missed }, Date.now());
  const missedCount = missed ? missedCalls(inbox) : undefined;
  outbox.handOver({ type: 'invitation.resolved', row, state, reason: options.reason, message: options.message, missed, missedCalls: missedCount });
  const base = { invitationId: row.invitation_id, roomName: row.room_name, callType: row.call_type as ReceivedInvitation['callType'] };
  if (state === 'accepted' || state === 'declined') {
    devices.broadcast({ type: 'invitation.answered_elsewhere', invitationId: row.invitation_id, outcome: state }, options.exceptConnection);
  } else if (state === 'canceled') {
    const reason = (options.reason ?? 'canceled') as CancelReason;
    devices.broadcast({ type: 'invitation.canceled', ...base, by: row.from_id, userId: inbox.userId, reason });
  } else if (state === 'expired') {
    devices.broadcast({ type: 'invitation.expired', ...base, userId: inbox.userId, direction: 'incoming' });
  }
  if (missedCount !== undefined) devices.broadcast({ type: 'missed_calls.changed', missedCalls: missedCount });
  outbox.enqueue(row.from_id, 'update', { invitationId: row.invitation_id, userId: inbox.userId, user: inbox.me(), state, ...reply });
  void outbox.flush();
}

/** RPC, on the invitee's inbox: the sender cancels. Loses to an answer or expiry that came first. */
export async function cancelInvitation(inbox: Inbox, request: CancelRequest): Promise<InviteeUpdate & { canceled: boolean }> {
  const { store, userId } = inbox;
  const row = store.incomingFrom(request.invitationId, request.from);
  if (!row) {
    // Never delivered here: nothing rings, so the cancel simply wins.
    return { invitationId: request.invitationId, userId, state: 'canceled', reason: request.reason, canceled: true };
  }
  const decision = decide({ state: row.state as InviteeState, expiresAt: row.expires_at }, 'cancel', Date.now());
  if (!decision.ok) {
    if (row.state === 'pending' && decision.state === 'expired') resolveIncoming(inbox, row, 'expired', {});
    return { ...updateFor(inbox, store.incoming(request.invitationId)!), canceled: false };
  }
  resolveIncoming(inbox, row, 'canceled', { reason: request.reason });
  await inbox.alarms.schedule();
  return { invitationId: request.invitationId, userId, user: inbox.me(), state: 'canceled', reason: request.reason, canceled: true };
}

/** RPC, on the invitee's inbox: the sender asks for the current outcome, applying any expiry that is due. */
export function syncInvitation(inbox: Inbox, request: SyncRequest): InviteeUpdate | null {
  expireDue(inbox, Date.now());
  const row = inbox.store.incomingFrom(request.invitationId, request.from);
  return row ? updateFor(inbox, row) : null;
}

export function expireDue(inbox: Inbox, now: number): void {
  for (const row of inbox.store.dueIncoming(now)) resolveIncoming(inbox, row, 'expired', {});
}
