import type { Inbox } from './inbox.js';

/**
 * Keeps an inbox's storage bounded: invitations that ended more than `historyMaxAgeMs` ago, or beyond the newest
 * `historyMaxEntries` history entries, are deleted, and dead letters older than that age too. Pruning rides on work
 * that happens anyway (each stored invitation, each alarm) and never sets an alarm of its own, so it keeps no idle
 * object awake.
 */
export class Retention {
  /** Invitations stored since the history was last cut to its size (in memory: after a restart the alarm cuts it). */
  private storedSinceCount = 0;
  /** When this instance last deleted what aged out (0: not yet). */
  private prunedAt = 0;

  constructor(private readonly inbox: Inbox) {}

  /**
   * An invitation was stored: the entry count is checked every tenth of the cap, and what aged out goes at most
   * once per tenth of the maximum age (at most a minute): pruning is four DELETE statements, which every invitation
   * paid on both sides before, to find nothing to delete nearly every time.
   */
  invitationStored(now: number): void {
    const { historyMaxEntries, historyMaxAgeMs } = this.inbox.limits;
    const byCount = ++this.storedSinceCount >= Math.max(1, Math.floor(historyMaxEntries / 10));
    if (byCount || now - this.prunedAt >= Math.min(60_000, historyMaxAgeMs / 10)) this.prune(now, byCount);
  }

  /** Deletes what aged out and, with `byCount`, what lies beyond the newest entries the history keeps. */
  prune(now: number, byCount = true): void {
    const { store, limits } = this.inbox;
    this.prunedAt = now;
    let before = now - limits.historyMaxAgeMs;
    if (byCount) {
      this.storedSinceCount = 0;
      const pastNewest = store.entryPastNewest(limits.historyMaxEntries);
      if (pastNewest !== null) before = Math.max(before, pastNewest + 1);
    }
    store.deleteEndedBefore(before);
  }
}
