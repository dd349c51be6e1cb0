import { LIMITS } from '../../protocol/limits.js';
import { endGracePeriods } from './grace.js';
import { expireDue } from './incoming.js';
import type { Inbox } from './inbox.js';

/** How long after an invitation's expiry its sender double-checks invitees still shown as pending. */
const RECONCILE_AFTER_MS = 1000;

export type AlarmStorage = Pick<DurableObjectStorage, 'getAlarm' | 'setAlarm'>;

/**
 * The inbox's one Durable Object alarm, set for the earliest thing due: an invitation's expiry, the end of a
 * grace period, an outbox retry, a double-check after expiry, the end of a request id's memory, or the expiry of
 * an open socket's token (the UserInbox closes that socket when the alarm fires). Whenever it fires it also prunes
 * what aged out (src/server/inbox/retention.ts).
 */
export class Alarms {
  /**
   * When the alarm is set for (null: none), as far as this instance knows: unknown (undefined) until read after each
   * start, as a wake from hibernation starts a new instance. Only this class sets the alarm, so once read it is kept
   * here and the storage is not asked again on every connect and answer.
   */
  private alarmAt: number | null | undefined;

  constructor(
    private readonly inbox: Inbox,
    private readonly storage: AlarmStorage,
  ) {}

  /** Sets the alarm for the earliest thing due, unless it is set for earlier already. */
  async schedule(): Promise<void> {
    const stored = this.inbox.store.nextDueAt(RECONCILE_AFTER_MS, LIMITS.requestIdTtlMs);
    const tokenExpiry = this.inbox.devices.tokenExpiry();
    const next = stored === null || tokenExpiry === null ? (stored ?? tokenExpiry) : Math.min(stored, tokenExpiry);
    if (next === null) return;
    const current = this.alarmAt !== undefined ? this.alarmAt : await this.storage.getAlarm();
    if (current === null || current > next || current < Date.now()) {
      // Unknown until the write is done: an alarm firing meanwhile clears what is known (see fired).
      this.alarmAt = undefined;
      await this.storage.setAlarm(next);
      this.alarmAt = next;
    } else {
      this.alarmAt = current;
    }
  }

  /** Makes sure the alarm fires by `at`; skips the storage round when the known alarm already does. */
  async by(at: number): Promise<void> {
    if (this.alarmAt !== undefined && this.alarmAt !== null && this.alarmAt <= at && this.alarmAt > Date.now()) return;
    await this.schedule();
  }

  /** The alarm fired: does whatever is due, then sets it for the next thing. */
  async fired(): Promise<void> {
    this.alarmAt = undefined;
    const { store, outbox, userId } = this.inbox;
    store.purgeSentOutbox();
    const now = Date.now();
    expireDue(this.inbox, now);
    endGracePeriods(this.inbox, now);
    // Past an invitation's expiry the sender asks each still-pending invitee's inbox once, so an expiry is
    // reported even if that inbox's own alarm was lost (a local dev server restores no alarms after a crash).
    for (const row of store.takeUnreconciled(now - RECONCILE_AFTER_MS)) {
      outbox.enqueue(row.user_id, 'sync', { invitationId: row.invitation_id, from: userId });
    }
    store.forgetResultsBefore(now - LIMITS.requestIdTtlMs);
    this.inbox.retention.prune(now);
    await outbox.flush(true);
    await this.schedule();
  }
}
