import { ABUSE_LIMITS } from '../../protocol/limits.js';
import type { Env } from '../config.js';

/** What one user may make their inbox hold or do (defaults: ABUSE_LIMITS in src/protocol/limits.ts). */
export interface InboxLimits {
  framesPerSecond: number;
  frameBurst: number;
  maxConnections: number;
  maxPresenceSubscriptions: number;
  maxPresenceWatchers: number;
  maxPendingInvitations: number;
  snapshotMaxInvitations: number;
  historyMaxAgeMs: number;
  historyMaxEntries: number;
  outboxMaxAgeMs: number;
}

/** The limits, each from its Worker variable when that holds a usable number (tests set small ones). */
export function inboxLimits(env: Env): InboxLimits {
  return {
    framesPerSecond: numberVar(env.FRAMES_PER_SECOND, ABUSE_LIMITS.framesPerSecond, 0.001),
    frameBurst: numberVar(env.FRAME_BURST, ABUSE_LIMITS.frameBurst, 1),
    maxConnections: numberVar(env.MAX_CONNECTIONS_PER_USER, ABUSE_LIMITS.maxConnections, 1),
    maxPresenceSubscriptions: numberVar(env.MAX_PRESENCE_SUBSCRIPTIONS, ABUSE_LIMITS.maxPresenceSubscriptions, 0),
    maxPresenceWatchers: numberVar(env.MAX_PRESENCE_WATCHERS, ABUSE_LIMITS.maxPresenceWatchers, 0),
    maxPendingInvitations: numberVar(env.MAX_PENDING_INVITATIONS, ABUSE_LIMITS.maxPendingInvitations, 1),
    snapshotMaxInvitations: numberVar(env.SNAPSHOT_MAX_INVITATIONS, ABUSE_LIMITS.snapshotMaxInvitations, 1),
    historyMaxAgeMs: numberVar(env.HISTORY_MAX_AGE_MS, ABUSE_LIMITS.historyMaxAgeMs, 1),
    historyMaxEntries: numberVar(env.HISTORY_MAX_ENTRIES, ABUSE_LIMITS.historyMaxEntries, 1),
    outboxMaxAgeMs: numberVar(env.OUTBOX_MAX_AGE_MS, ABUSE_LIMITS.outboxMaxAgeMs, 0),
  };
}

/** A Worker variable as a number of at least `min`; unset, blank or unusable values give `fallback`. */
export function numberVar(value: string | undefined, fallback: number, min = 0): number {
  if (value === undefined || String(value).trim() === '') return fallback;
  const parsed = Number(value);
  return Number.isFinite(parsed) && parsed >= min ? parsed : fallback;
}
