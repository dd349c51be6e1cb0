import { LIMITS } from '../../protocol/limits.js';
import type { Env } from '../config.js';
import type { Inbox } from './inbox.js';
import { numberVar } from './limits.js';

/** How long a user may be gone (no device connected) before the server stops acting as if they were back soon. */
export interface GracePeriods {
  /** Then their pending invitations are canceled with reason `caller_disconnected`. */
  callerMs: number;
  /** Then their busy status ends. */
  busyMs: number;
}

/** 15 s each, unless the Worker variables CALLER_GRACE_MS and BUSY_GRACE_MS say otherwise (tests shorten them). */
export function gracePeriods(env: Env): GracePeriods {
  return {
    callerMs: numberVar(env.CALLER_GRACE_MS, LIMITS.callerGraceMs),
    busyMs: numberVar(env.BUSY_GRACE_MS, LIMITS.callerGraceMs),
  };
}

/** The user's last device left at `now`: when the first grace period that matters ends, or null if none does. */
export function graceDeadline(inbox: Inbox, now: number): number | null {
  const periods: number[] = [];
  if (inbox.store.hasPendingOutgoing()) periods.push(inbox.grace.callerMs);
  if (inbox.store.profile().status === 'busy') periods.push(inbox.grace.busyMs);
  return periods.length > 0 ? now + Math.min(...periods) : null;
}

/**
 * At the deadline, if no device came back, ends what ran out: busy (it means "in a call" or "do not disturb"
 * while connected; a user gone for good is no longer busy), and the user's pending invitations, canceled.
 * A grace period still running sets the next deadline.
 */
export function endGracePeriods(inbox: Inbox, now: number): void {
  const { store, grace } = inbox;
  const { gone_deadline: deadline, last_seen: lastSeen, status } = store.profile();
  if (deadline === null || deadline > now) return;
  if (inbox.devices.anyOpen()) return store.setGoneDeadline(null);
  // The deadline is set when the last device leaves, together with last_seen.
  const leftAt = lastSeen ?? deadline;
  const running: number[] = [];
  if (status === 'busy') {
    if (leftAt + grace.busyMs <= now) store.setStatus('online');
    else running.push(leftAt + grace.busyMs);
  }
  const pending = store.allPendingInvitees();
  if (pending.length > 0 && leftAt + grace.callerMs > now) running.push(leftAt + grace.callerMs);
  else {
    for (const row of pending) {
      inbox.outbox.enqueue(row.user_id, 'cancel', { invitationId: row.invitation_id, from: inbox.userId, reason: 'caller_disconnected' });
    }
  }
  store.setGoneDeadline(running.length > 0 ? Math.min(...running) : null);
}
