import { ABUSE_LIMITS } from '../../protocol/limits.js';
import { hubOrderFor, projectHub, type InboxEvent } from '../project-events.js';
import type { OutboxKind, OutboxMessages } from '../rpc.js';
import type { Inbox } from './inbox.js';
import type { OutboxRow } from './rows.js';

const OUTBOX_BATCH = 50;
const OUTBOX_MAX_DELAY_MS = 60_000;
/**
 * How long an inbox trusts the hub's word that the project has no webhook endpoint. Handing over events costs
 * storage writes on the ringing path; a new endpoint receives events from at most this long after it is added.
 */
const HUB_QUIET_MS = 10_000;

type Sender<K extends OutboxKind> = (target: string, message: OutboxMessages[K]) => Promise<void>;

/**
 * Cross-object messages that must not be lost. Each is written together with the state change that causes it
 * and sent after; failures back off exponentially and are retried by the alarm. Every receiver is idempotent.
 * A message still failing `outboxMaxAgeMs` after it was written becomes a dead letter, which the REST API lists.
 */
export class Outbox {
  /** Until then the project's hub is known to have no webhook endpoint (see HUB_QUIET_MS). */
  private hubQuietUntil = 0;
  /**
   * Due rows this instance wrote and has not sent yet, with their message: sent from here, without reading the row
   * back (a statement each time) or parsing the payload it just serialized.
   */
  private readonly fresh: Array<{ row: OutboxRow; message: unknown }> = [];
  /**
   * Whether rows this instance does not hold in `fresh` may be due: when it starts (rows an earlier instance left),
   * after a row was written for later or failed (its retry), and when the alarm rings. Only then does a flush read them.
   */
  private storedMayBeDue = true;

  /** How each kind of message reaches its target; answers from invitees' inboxes update our own invitations. */
  private readonly senders: { [K in OutboxKind]: Sender<K> } = {
    deliver: async (userId, invitation) => {
      this.inbox.outgoing.applyInviteeUpdate(await this.inbox.peer(userId).deliverInvitation(invitation));
    },
    update: (userId, update) => this.inbox.peer(userId).applyInviteeUpdate(update),
    cancel: async (userId, request) => {
      this.inbox.outgoing.applyInviteeUpdate(await this.inbox.peer(userId).cancelInvitation(request));
    },
    sync: async (userId, request) => {
      const update = await this.inbox.peer(userId).syncInvitation(request);
      if (update) this.inbox.outgoing.applyInviteeUpdate(update);
    },
    event: async (projectId, order) => {
      const { listening } = await projectHub(this.inbox.env, projectId).ingest(order);
      this.hubQuietUntil = listening ? 0 : Date.now() + HUB_QUIET_MS;
    },
  };

  /** Rows being sent right now, so overlapping flushes do not send one twice (and the alarm waits for them). */
  private readonly inFlight: Set<number>;

  constructor(private readonly inbox: Inbox) {
    this.inFlight = inbox.store.sendingOutbox;
  }

  enqueue<K extends OutboxKind>(target: string, kind: K, message: OutboxMessages[K], nextAt = Date.now()): void {
    const now = Date.now();
    const row = this.inbox.store.addToOutbox(target, kind, message, nextAt, now);
    if (nextAt <= now && this.fresh.length < OUTBOX_BATCH) this.fresh.push({ row, message });
    else this.storedMayBeDue = true;
  }

  /** Sends the messages that are due; `stored`: reads every due row (the alarm's flush). */
  async flush(stored = false): Promise<void> {
    const { store } = this.inbox;
    let due: Array<{ row: OutboxRow; message?: unknown }>;
    if (stored || this.storedMayBeDue) {
      // The rows in `fresh` are stored and due, so this read finds them too (or a later one, past a full batch).
      this.fresh.length = 0;
      due = store.dueOutbox(Date.now(), OUTBOX_BATCH).map((row) => ({ row }));
      this.storedMayBeDue = due.length === OUTBOX_BATCH;
    } else {
      due = this.fresh.splice(0);
    }
    due = due.filter(({ row }) => !this.inFlight.has(row.id));
    if (due.length === 0) return;
    let failed = false;
    await Promise.all(
      due.map(async ({ row, message }) => {
        this.inFlight.add(row.id);
        try {
          const send = this.senders[row.kind as OutboxKind] as Sender<OutboxKind>;
          await send(row.target, (message ?? JSON.parse(row.payload)) as OutboxMessages[OutboxKind]);
          store.markOutboxSent(row.id);
        } catch (error) {
          failed = true;
          console.error(`outbox ${row.kind} to ${row.target} failed`, error);
          const now = Date.now();
          if (now - row.created_at >= this.inbox.limits.outboxMaxAgeMs) {
            store.deadLetter(row.id, String((error as Error)?.message ?? error).slice(0, 500), now, ABUSE_LIMITS.deadLettersKept);
          } else {
            store.retryOutboxAt(row.id, now + Math.min(1000 * 2 ** row.attempts, OUTBOX_MAX_DELAY_MS));
            this.storedMayBeDue = true;
          }
        } finally {
          this.inFlight.delete(row.id);
        }
      }),
    );
    if (failed || due.length === OUTBOX_BATCH) await this.inbox.alarms.schedule();
  }

  /** Hands a lifecycle event to the project's hub (webhooks, Web Push) through the outbox; never awaited here. */
  handOver(event: InboxEvent): void {
    // While the project has no webhook endpoint, events that cannot carry a push are not handed over at all.
    const quiet = Date.now() < this.hubQuietUntil;
    const mayPush = (event.type === 'invitation.received' && !event.delivered) || event.type === 'invitation.resolved';
    if (quiet && !mayPush) return;
    const order = hubOrderFor(event, { projectId: this.inbox.projectId, me: this.inbox.me(), push: this.inbox.store });
    if (!order || (quiet && !order.push)) return;
    this.enqueue(this.inbox.projectId, 'event', order);
    void this.flush();
  }
}
