import type { InviteeState } from '../protocol/types.js';

/** What may happen to one invitee's invitation. */
export type InviteeAction = 'accept' | 'decline' | 'cancel' | 'expire';

const outcomeOf: Record<InviteeAction, InviteeState> = {
  accept: 'accepted',
  decline: 'declined',
  cancel: 'canceled',
  expire: 'expired',
};

export type Decision = { ok: true; state: InviteeState } | { ok: false; state: InviteeState; reason: 'not_pending' };

/**
 * The invitee's inbox is the single authority for its invitation, and a Durable Object handles one event
 * at a time, so applying this pure rule there gives exactly one outcome per invitee. An answer that
 * arrives at or after the expiry instant loses to the expiry even when the alarm has not fired yet.
 */
export function decide(current: { state: InviteeState; expiresAt: number }, action: InviteeAction, now: number): Decision {
  if (current.state !== 'pending') return { ok: false, state: current.state, reason: 'not_pending' };
  if (action !== 'expire' && now >= current.expiresAt) return { ok: false, state: 'expired', reason: 'not_pending' };
  return { ok: true, state: outcomeOf[action] };
}

/**
 * Two 1:1 invitations crossing between the same two users: the older one (ties broken by id) becomes
 * the call. Both users' inboxes apply the same rule to the same pair, so they agree without talking.
 */
export function glareWinner<T extends { invitationId: string; createdAt: number }>(a: T, b: T): T {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? a : b;
  return a.invitationId < b.invitationId ? a : b;
}

/**
 * Whether the crossing invitation `theirs` is the call rather than `ours`, our 1:1 invitation to its sender. While
 * ours is pending the glare winner decides; once ours was decided against this very invitation, ours was canceled
 * exactly when theirs won.
 */
export function crossingWins(
  theirs: { invitationId: string; createdAt: number },
  ours: { invitationId: string; createdAt: number; state: InviteeState },
): boolean {
  if (ours.state !== 'pending') return ours.state === 'canceled';
  return glareWinner<{ invitationId: string; createdAt: number }>(theirs, ours) === theirs;
}
