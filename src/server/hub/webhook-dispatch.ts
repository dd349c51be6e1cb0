import { targetPolicy, targetUrlProblem } from '../target-url.js';
import {
  WEBHOOK_EVENT_TYPES,
  attemptDelivery,
  attemptTimeout,
  configuredEndpointId,
  configuredEndpoints,
  encodeWebhookBody,
  retrySchedule,
  type WebhookEndpoint,
  type WebhookEnv,
  type WebhookEventType,
  type WebhookPayload,
} from '../webhooks.js';
import type { HubStorage } from './storage.js';
import type { AttemptRecord, DeliveryStatus, DueDelivery } from './types.js';

/** Delivered and failed messages, and their attempts, are kept this long for the attempts API. */
const RETENTION_MS = 7 * 24 * 3600_000;
/** Old messages are swept at most this often. */
const PRUNE_INTERVAL_MS = 3600_000;
/** A lease outlasts the attempt's timeout by this much, so a slow answer is never taken for a lost attempt. */
const LEASE_MARGIN_MS = 5_000;
/** Why an endpoint whose URL breaks the outbound rules was disabled, and what its attempt records. */
const URL_REFUSED = 'url not allowed';
/** Why a delivery whose endpoint was turned off before its first attempt failed. */
const ENDPOINT_OFF = 'endpoint disabled';
/**
 * An event sent from memory is stored, and its hand-over acknowledged, once its first attempts ended: at the latest
 * when they time out (attemptTimeout), plus this margin. Only an event still unsent then (its attempt cut short by
 * a stall) is stored as pending, leased to the attempt under way, with its outcome recorded when it ends. Holding it
 * for no more than a second (as before) sent most events of a busy local server down that path, each with two more
 * writes and a look at the table: under load, a fetch's answer waits its turn on the one thread too.
 */
const HOLD_MARGIN_MS = 1_000;
/**
 * Events whose first attempts ended are stored together (group commit): at most this long after the first of them
 * ended, or at once when STORE_BATCH wait. Locally every commit is a disk flush on the one thread all objects share.
 * Sending does not wait for it, nor does the next event of an invitation: only the acknowledgement of the hand-over.
 */
const STORE_WINDOW_MS = 100;
const STORE_BATCH = 64;
/** Events held in memory at once; past this, an arriving event goes through the table (unless its key is held). */
const MAX_HELD = 500;

export type Listener = { id: string; url: string; secret: string; events: WebhookEventType[] | null };

/** An endpoint as the project's object keeps it, secret included: what a shard copies. */
export type EndpointCopy = WebhookEndpoint & { secret: string };

/** What the dispatch asks of its hub. */
export interface DispatchHooks {
  /** This hub turned an endpoint off because of what a delivery found (410 Gone, a URL no longer allowed). */
  disabled(endpointId: string, reason: string): void;
  /** The alarm must ring by `at` (a retry, or a lease running out); resolves once that is stored. */
  alarmBy(at: number): Promise<void>;
  /** Events were queued in the table, or a delivery others may wait behind moved on: send what is due. */
  flush(): Promise<void>;
}

/** One endpoint's delivery of an event held in memory. */
interface HeldSend {
  endpointId: string;
  /** Its row, once the event is stored. */
  deliveryId: number | null;
  startedAt: number | null;
  /** The first attempt's outcome, once it ended. */
  record: AttemptRecord | null;
  /** Never sent: its endpoint was turned off before its turn. */
  failed: string | null;
  done: boolean;
  /** Settles when its first attempt ended (never rejects): what the next event of its key waits for. */
  ended: Promise<void>;
}

/** An event taken and sent from memory, not stored yet (or stored early, see HOLD_MARGIN_MS). */
interface HeldEvent {
  id: string;
  type: WebhookEventType;
  body: string;
  orderingKey: string;
  taken: number;
  sends: HeldSend[];
  stored: boolean;
  /** Settles once the event is stored; the hand-over is acknowledged then. */
  durable: Promise<void>;
  settle: (outcome: { error?: Error; alarm?: Promise<void> }) => void;
}

const chainKey = (endpointId: string, orderingKey: string) => `${endpointId}\n${orderingKey}`;

/**
 * The hub's webhook side: the configured endpoints, the outbox of events, and delivering them with retries.
 *
 * An arriving event (`take`) is sent at once from memory and stored once its first attempt ended, in one write with
 * the attempt's outcome, together with the other events that ended meanwhile (STORE_WINDOW_MS); the hand-over is
 * acknowledged after that write, so until then the sender's outbox keeps the event and hands it over again should
 * this hub restart. Only what must wait goes through the table: retries, an event behind a delivery of its key still
 * unsent in the table, events past MAX_HELD, and attempts outlasting their timeout (stored pending, leased to the attempt
 * under way or to come, their outcome recorded when it ends; they come due should this hub stop first).
 *
 * Order: the first attempt of a held event waits for the first attempt of the event taken before it with the same
 * endpoint and ordering key (`chains`); an event arriving while the table holds an unsent delivery of its key (and no
 * held event of the key) queues in the table, whose flush keeps the same rule (HubStorage). One attempt (`attempt`)
 * decides delivered, a retry on the schedule (or later, as Retry-After asks) or failed for good; a 410 turns the
 * endpoint off, and so does a URL the server may no longer send to (stored before a rule existed, or local
 * development turned off), without sending. Member comments are kept short: the Worker's bundle keeps them.
 */
export class WebhookDispatch {
  /** The PROJECTS configuration the endpoint table last mirrored. */
  private configSource: string | undefined;
  /** Events held in memory, by id. */
  private readonly held = new Map<string, HeldEvent>();
  /** Per endpoint and ordering key: the first attempt the next event of that key waits for. */
  private readonly chains = new Map<string, Promise<void>>();
  /** Held events whose sends all ended, to be stored together, and the timer that stores them. */
  private readonly finished: HeldEvent[] = [];
  private storeTimer: ReturnType<typeof setTimeout> | undefined;
  /** Stores the held events older than holdMs; armed while any is held. */
  private sweep: ReturnType<typeof setTimeout> | undefined;
  /** When old messages were last swept; read once. */
  private prunedAt: number | undefined;
  /** Whether each endpoint URL breaks the outbound rules; forgotten with the endpoints. */
  private readonly refused = new Map<string, boolean>();

  /** `slot` names this hub in attempt ids (HubStorage.recordAttempt). */
  constructor(
    private readonly storage: HubStorage,
    private readonly env: WebhookEnv,
    private readonly projectId: string,
    private readonly slot: number,
    private readonly hooks: DispatchHooks,
  ) {
    this.holdMs = attemptTimeout(env) + HOLD_MARGIN_MS;
  }

  /** How long an event is held in memory at most (HOLD_MARGIN_MS). */
  private readonly holdMs: number;

  /** Mirrors PROJECTS' endpoints into the table, keeping their disabled state; true when they changed. */
  async syncConfiguredEndpoints(): Promise<boolean> {
    const source = this.env.PROJECTS ?? '';
    if (this.configSource === source) return false;
    const before = JSON.stringify(this.storage.endpointsWithSecrets());
    const now = Date.now();
    const ids: string[] = [];
    for (const endpoint of configuredEndpoints(this.env, this.projectId)) {
      const id = await configuredEndpointId(endpoint.url);
      ids.push(id);
      const events = endpoint.events?.filter((type) => (WEBHOOK_EVENT_TYPES as readonly string[]).includes(type)) ?? null;
      this.storage.upsertConfiguredEndpoint(id, { url: endpoint.url, secret: endpoint.secret, description: endpoint.description ?? null, events }, now);
    }
    for (const id of this.storage.configuredEndpointIds().filter((id) => !ids.includes(id))) {
      this.storage.disableEndpoint(id, 'removed from configuration', now);
      this.storage.deleteEndpoint(id, false);
    }
    this.configSource = source;
    this.forget();
    return JSON.stringify(this.storage.endpointsWithSecrets()) !== before;
  }

  /** Makes a shard's endpoint table match the project's, as the project's object changed it. */
  applyCopy(endpoints: EndpointCopy[], now = Date.now()): void {
    this.forget();
    const local = new Map(this.storage.endpointsWithSecrets().map((endpoint) => [endpoint.id, endpoint]));
    for (const endpoint of endpoints) {
      const mine = local.get(endpoint.id);
      local.delete(endpoint.id);
      if (!mine) {
        this.storage.insertEndpointCopy(endpoint);
        continue;
      }
      const { url, secret, description, events } = endpoint;
      if (url !== mine.url || secret !== mine.secret || description !== mine.description || JSON.stringify(events) !== JSON.stringify(mine.events)) {
        this.storage.updateEndpointSettings(endpoint.id, { url, secret, description, events });
      }
      if (endpoint.enabled && !mine.enabled) this.storage.enableEndpoint(endpoint.id);
      if (!endpoint.enabled && mine.enabled) this.storage.disableEndpoint(endpoint.id, endpoint.disabledReason ?? 'manual', now);
    }
    for (const gone of local.values()) {
      if (gone.source === 'config') this.storage.disableEndpoint(gone.id, 'removed from configuration', now);
      this.storage.deleteEndpoint(gone.id, gone.source === 'api');
    }
  }

  /** The enabled endpoints, kept in memory between changes (`forget`): read on every event. */
  private listening: Listener[] | undefined;

  /** The enabled endpoints, with where they are, their secret and the event types each listens to. */
  listeners(): Listener[] {
    return (this.listening ??= this.storage.enabledEndpoints());
  }

  /** The endpoint table changed: listeners are read again. */
  forget(): void {
    this.listening = undefined;
    this.refused.clear();
  }

  /** Takes an event for the listeners that want its type, once per id; resolves once it is stored. */
  async take(id: string, payload: WebhookPayload, listeners: Listener[], orderingKey: string, now: number): Promise<void> {
    const known = this.held.get(id);
    if (known) return known.durable;
    const targets = listeners.filter((listener) => !listener.events || listener.events.includes(payload.type));
    if (targets.length === 0) return;
    const standing = this.storage.eventStanding(id, orderingKey);
    if (standing.seen) return;
    const body = encodeWebhookBody(payload);
    // Held events of this key are in memory only: a later one must queue behind them there, not in the table.
    const chained = targets.some((target) => this.chains.has(chainKey(target.id, orderingKey)));
    if (!chained && (standing.waiting || this.held.size >= MAX_HELD)) {
      this.storage.queueEvent(
        { id, type: payload.type, body, orderingKey },
        targets.map((target) => target.id),
        now,
      );
      return this.hooks.flush();
    }
    let settle!: HeldEvent['settle'];
    const durable = new Promise<void>((resolve, reject) => {
      settle = ({ error, alarm }) => (error === undefined ? resolve(alarm) : reject(error));
    });
    const event: HeldEvent = { id, type: payload.type, body, orderingKey, taken: now, sends: [], stored: false, durable, settle };
    this.held.set(id, event);
    for (const target of targets) {
      const key = chainKey(target.id, orderingKey);
      const send: HeldSend = { endpointId: target.id, deliveryId: null, startedAt: null, record: null, failed: null, done: false, ended: Promise.resolve() };
      event.sends.push(send);
      send.ended = this.sendHeld(event, send, this.chains.get(key));
      this.chains.set(key, send.ended);
      void send.ended.then(() => {
        if (this.chains.get(key) === send.ended) this.chains.delete(key);
      });
    }
    this.armSweep();
    return durable;
  }

  /** One timer for every held event (a timer per event costs more than its send). */
  private armSweep(): void {
    if (this.sweep !== undefined) return;
    const oldest = this.held.values().next().value;
    if (!oldest) return;
    this.sweep = setTimeout(
      () => {
        this.sweep = undefined;
        const cutoff = Date.now() - this.holdMs;
        for (const event of this.held.values()) {
          if (event.taken > cutoff) break;
          this.store(event);
        }
        this.armSweep();
      },
      Math.max(0, oldest.taken + this.holdMs - Date.now()),
    );
  }

  /** Sends a held event to one endpoint after the previous one of its key. Never rejects. */
  private async sendHeld(event: HeldEvent, send: HeldSend, before: Promise<void> | undefined): Promise<void> {
    if (before) await before;
    try {
      // The endpoint as it is now: it may have been turned off, or its secret changed, meanwhile.
      const endpoint = this.listeners().find((listener) => listener.id === send.endpointId);
      if (!endpoint) send.failed = ENDPOINT_OFF;
      else {
        send.startedAt = Date.now();
        if (send.deliveryId !== null) this.storage.leaseDelivery(send.deliveryId, send.startedAt + attemptTimeout(this.env) + LEASE_MARGIN_MS);
        send.record = await this.attempt(endpoint, event.id, event.body, 1);
      }
    } catch (error) {
      // Only storage can throw here; the delivery stays pending in memory and goes out from the table later.
      console.error(`hub of ${this.projectId}: sending ${event.id} failed`, error);
    } finally {
      send.done = true;
      this.ended(event, send);
    }
  }

  /** Stores the event once all its sends ended, or records this one's outcome if stored already. */
  private ended(event: HeldEvent, send: HeldSend): void {
    if (!event.stored) {
      if (!event.sends.every((each) => each.done)) return;
      this.finished.push(event);
      // An outcome other than delivered (a retry, a failure, an endpoint turned off) is stored at once, in the step
      // that decided it: such outcomes are rare, and the endpoint's state and its attempts log then change together.
      if (this.finished.length >= STORE_BATCH || event.sends.some((each) => each.record?.status !== 'delivered')) this.storeFinished();
      else this.storeTimer ??= setTimeout(() => this.storeFinished(), STORE_WINDOW_MS);
      return;
    }
    const { deliveryId, record, failed } = send;
    if (deliveryId === null) return;
    try {
      const now = Date.now();
      if (record) {
        this.storage.recordAttempt({ id: deliveryId, eventId: event.id, endpointId: send.endpointId }, record, now, this.slot);
        if (record.nextAt !== null) void this.hooks.alarmBy(record.nextAt).catch((error: unknown) => console.error(`hub of ${this.projectId}: alarm`, error));
      } else if (failed) this.storage.failUnsent(deliveryId, failed, now);
    } catch (error) {
      // Its lease runs out and the table sends it again.
      console.error(`hub of ${this.projectId}: the outcome of ${event.id} was not recorded`, error);
    }
    // Deliveries in the table may have waited behind this one.
    void this.hooks.flush();
  }

  /** Stores the finished events in one step: one commit for all of them. */
  private storeFinished(): void {
    if (this.storeTimer !== undefined) clearTimeout(this.storeTimer);
    this.storeTimer = undefined;
    for (const event of this.finished.splice(0)) this.store(event);
  }

  /** Stores a held event (unfinished sends pending and leased) and acknowledges it. */
  private store(event: HeldEvent): void {
    if (event.stored) return;
    event.stored = true;
    this.held.delete(event.id);
    const now = Date.now();
    const lease = (send: HeldSend) => (send.startedAt ?? now) + attemptTimeout(this.env) + LEASE_MARGIN_MS;
    try {
      const ids = this.storage.storeEvent(
        { id: event.id, type: event.type, body: event.body, orderingKey: event.orderingKey, taken: event.taken },
        event.sends.map((send) =>
          send.done && (send.record || send.failed)
            ? { endpointId: send.endpointId, nextAt: now, record: send.record, failed: send.failed ?? undefined }
            : { endpointId: send.endpointId, nextAt: send.done ? now : lease(send) },
        ),
        now,
        this.slot,
      );
      ids.forEach((id, index) => (event.sends[index]!.deliveryId = id));
    } catch (error) {
      event.settle({ error: error instanceof Error ? error : new Error(`storing ${event.id} failed`) });
      return;
    }
    // The alarm rings by the first retry or lease, so nothing waits on this hub's memory alone.
    let alarm: number | null = null;
    for (const send of event.sends) {
      const at = send.done ? (send.record?.status === 'pending' ? send.record.nextAt : null) : lease(send);
      if (at !== null && (alarm === null || at < alarm)) alarm = at;
    }
    this.prune(now);
    event.settle({ alarm: alarm === null ? undefined : this.hooks.alarmBy(alarm) });
  }

  /** Leases up to `limit` due deliveries (see HubStorage.leaseDueDeliveries). */
  leaseDue(now: number, limit: number): DueDelivery[] {
    return this.storage.leaseDueDeliveries(now, now + attemptTimeout(this.env) + LEASE_MARGIN_MS, limit);
  }

  /** Makes one attempt of a delivery from the table and records it. */
  async deliver(delivery: DueDelivery): Promise<void> {
    const record = await this.attempt(
      { id: delivery.endpointId, url: delivery.url, secret: delivery.secret },
      delivery.eventId,
      delivery.body,
      delivery.attempts + 1,
    );
    this.storage.recordAttempt(delivery, record, Date.now(), this.slot);
  }

  /** Makes one attempt and says what it decided (see the class). */
  private async attempt(endpoint: { id: string; url: string; secret: string }, eventId: string, body: string, attempt: number): Promise<AttemptRecord> {
    if (this.urlRefused(endpoint.url)) {
      const now = Date.now();
      this.turnOff(endpoint.id, URL_REFUSED, now);
      return { status: 'failed', attempt, nextAt: null, httpStatus: null, error: URL_REFUSED, startedAt: now, durationMs: 0 };
    }
    const outcome = await attemptDelivery({ url: endpoint.url, secret: endpoint.secret }, { id: eventId, body }, attemptTimeout(this.env));
    const now = Date.now();
    let status: DeliveryStatus = 'pending';
    let nextAt: number | null = null;
    if (outcome.ok) status = 'delivered';
    else if (outcome.status === 410) {
      // The receiver says this endpoint is gone for good: stop sending to it at all.
      status = 'failed';
      this.turnOff(endpoint.id, 'gone', now);
    } else {
      const delaySeconds = retrySchedule(this.env)[attempt - 1];
      if (delaySeconds === undefined) status = 'failed';
      else nextAt = now + Math.max(delaySeconds * 1000, outcome.retryAfterMs ?? 0);
    }
    return { status, attempt, nextAt, httpStatus: outcome.status, error: outcome.error, startedAt: now - outcome.durationMs, durationMs: outcome.durationMs };
  }

  private turnOff(endpointId: string, reason: string, now: number): void {
    this.storage.disableEndpoint(endpointId, reason, now);
    this.forget();
    this.hooks.disabled(endpointId, reason);
  }

  private urlRefused(url: string): boolean {
    let refused = this.refused.get(url);
    if (refused === undefined) {
      refused = targetUrlProblem(url, targetPolicy(this.env)) !== null;
      this.refused.set(url, refused);
    }
    return refused;
  }

  /** Forgets finished messages past their retention, at most once per PRUNE_INTERVAL_MS. */
  prune(now = Date.now()): void {
    this.prunedAt ??= this.storage.lastPruneAt();
    if (now - this.prunedAt < PRUNE_INTERVAL_MS) return;
    this.storage.prune(now - RETENTION_MS, now);
    this.prunedAt = now;
  }
}
