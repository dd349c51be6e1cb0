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
import type { DeliveryStatus, DueDelivery } from './types.js';

/** Delivered and failed messages, and their attempts, are kept this long for the attempts API. */
const RETENTION_MS = 7 * 24 * 3600_000;
/** Old messages are swept at most this often. */
const PRUNE_INTERVAL_MS = 3600_000;
/** A lease outlasts the attempt's timeout by this much, so a slow answer is never taken for a lost attempt. */
const LEASE_MARGIN_MS = 5_000;
/** Why an endpoint whose URL breaks the outbound rules was disabled, and what its attempt records. */
const URL_REFUSED = 'url not allowed';

export type Listener = { id: string; events: WebhookEventType[] | null };

/** An endpoint as the project's object keeps it, secret included: what a shard copies. */
export type EndpointCopy = WebhookEndpoint & { secret: string };

/** The hub's webhook side: the configured endpoints, the outbox of events, and delivering them with retries. */
export class WebhookDispatch {
  /** The PROJECTS configuration the endpoint table last mirrored. */
  private configSource: string | undefined;

  /**
   * `slot` names this hub in attempt ids (HubStorage.recordAttempt); `onDisabled` hears of an endpoint this hub
   * turned off because of what a delivery found (410 Gone, a URL no longer allowed).
   */
  constructor(
    private readonly storage: HubStorage,
    private readonly env: WebhookEnv,
    private readonly projectId: string,
    private readonly slot: number,
    private readonly onDisabled: (endpointId: string, reason: string) => void,
  ) {}

  /**
   * Mirrors the endpoints of the PROJECTS configuration into the table, keeping their disabled state. Answers
   * whether the endpoints changed.
   */
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

  /**
   * Makes a shard's endpoint table match the project's: new ones added, settings and on/off copied (turning one off
   * fails its pending deliveries, as on the project's object), and those gone removed as the project's object did.
   */
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

  /** The enabled endpoints, with the event types each listens to. */
  listeners(): Listener[] {
    return (this.listening ??= this.storage.enabledEndpoints());
  }

  /** The endpoint table changed: listeners are read again. */
  forget(): void {
    this.listening = undefined;
  }

  /**
   * Queues an event for every listener that wants its type; once per event id, and not at all when none does. It
   * goes out behind the events of the same ordering key taken before it (see HubStorage).
   */
  enqueue(id: string, payload: WebhookPayload, listeners: Listener[], orderingKey: string, now: number): void {
    if (this.storage.hasEvent(id)) return;
    const targets = listeners.filter((listener) => !listener.events || listener.events.includes(payload.type));
    if (targets.length === 0) return;
    this.storage.queueEvent(
      { id, type: payload.type, body: encodeWebhookBody(payload), orderingKey },
      targets.map((target) => target.id),
      now,
    );
  }

  /** Leases up to `limit` due deliveries (see HubStorage.leaseDueDeliveries). */
  leaseDue(now: number, limit: number): DueDelivery[] {
    return this.storage.leaseDueDeliveries(now, now + attemptTimeout(this.env) + LEASE_MARGIN_MS, limit);
  }

  /**
   * Makes one attempt and records it: delivered, retried on the schedule, or failed for good. An endpoint whose
   * URL the server may no longer send to (stored before a rule existed, or local development turned off) is
   * disabled instead.
   */
  async deliver(delivery: DueDelivery): Promise<void> {
    const attempt = delivery.attempts + 1;
    if (targetUrlProblem(delivery.url, targetPolicy(this.env))) {
      const now = Date.now();
      this.storage.disableEndpoint(delivery.endpointId, URL_REFUSED, now);
      this.forget();
      this.storage.recordAttempt(
        delivery,
        { status: 'failed', attempt, nextAt: null, httpStatus: null, error: URL_REFUSED, startedAt: now, durationMs: 0 },
        now,
        this.slot,
      );
      this.onDisabled(delivery.endpointId, URL_REFUSED);
      return;
    }
    const outcome = await attemptDelivery(
      { url: delivery.url, secret: delivery.secret },
      { id: delivery.eventId, body: delivery.body },
      attemptTimeout(this.env),
    );
    const now = Date.now();
    let status: DeliveryStatus = 'pending';
    let nextAt: number | null = null;
    if (outcome.ok) status = 'delivered';
    else if (outcome.status === 410) {
      // The receiver says this endpoint is gone for good: stop sending to it at all.
      status = 'failed';
      this.storage.disableEndpoint(delivery.endpointId, 'gone', now);
      this.forget();
      this.onDisabled(delivery.endpointId, 'gone');
    } else {
      const delaySeconds = retrySchedule(this.env)[attempt - 1];
      if (delaySeconds === undefined) status = 'failed';
      else nextAt = now + Math.max(delaySeconds * 1000, outcome.retryAfterMs ?? 0);
    }
    this.storage.recordAttempt(
      delivery,
      { status, attempt, nextAt, httpStatus: outcome.status, error: outcome.error, startedAt: now - outcome.durationMs, durationMs: outcome.durationMs },
      now,
      this.slot,
    );
  }

  /** Forgets finished messages past their retention, at most once per PRUNE_INTERVAL_MS. */
  prune(now = Date.now()): void {
    if (now - this.storage.lastPruneAt() < PRUNE_INTERVAL_MS) return;
    this.storage.prune(now - RETENTION_MS, now);
  }
}
