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

  constructor(private readonly inbox: Inbox) {}

  /** An invitation was stored: aged ones go at once; the entry count is checked every tenth of the cap. */
  invitationStored(now: number): void {
    this.storedSinceCount++;
    this.prune(now, this.storedSinceCount >= Math.max(1, Math.floor(this.inbox.limits.historyMaxEntries / 10)));
  }

  /** Deletes what aged out and, with `byCount`, what lies beyond the newest entries the history keeps. */
  prune(now: number, byCount = true): void {
    const { store, limits } = this.inbox;
    let before = now - limits.historyMaxAgeMs;
    if (byCount) {
      this.storedSinceCount = 0;
      const pastNewest = store.entryPastNewest(limits.historyMaxEntries);
      if (pastNewest !== null) before = Math.max(before, pastNewest + 1);
    }
    store.deleteEndedBefore(before);
  }
}
