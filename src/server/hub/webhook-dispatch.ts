import { targetPolicy, targetUrlProblem } from '../target-url.js';
import {
  WEBHOOK_EVENT_TYPES,
  attemptDelivery,
  attemptTimeout,
  configuredEndpointId,
  configuredEndpoints,
  encodeWebhookBody,
  retrySchedule,
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

/** The hub's webhook side: the configured endpoints, the outbox of events, and delivering them with retries. */
export class WebhookDispatch {
  /** The PROJECTS configuration the endpoint table last mirrored. */
  private configSource: string | undefined;

  constructor(
    private readonly storage: HubStorage,
    private readonly env: WebhookEnv,
    private readonly projectId: string,
  ) {}

  /** Mirrors the endpoints of the PROJECTS configuration into the table, keeping their disabled state. */
  async syncConfiguredEndpoints(): Promise<void> {
    const source = this.env.PROJECTS ?? '';
    if (this.configSource === source) return;
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
  }

  /** The enabled endpoints, with the event types each listens to. */
  listeners(): Listener[] {
    return this.storage.enabledEndpoints();
  }

  /** Queues an event for every listener that wants its type; once per event id, and not at all when none does. */
  enqueue(id: string, payload: WebhookPayload, listeners: Listener[], now: number): void {
    if (this.storage.hasEvent(id)) return;
    const targets = listeners.filter((listener) => !listener.events || listener.events.includes(payload.type));
    if (targets.length === 0) return;
    this.storage.queueEvent(
      { id, type: payload.type, body: encodeWebhookBody(payload) },
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
      this.storage.recordAttempt(
        delivery,
        { status: 'failed', attempt, nextAt: null, httpStatus: null, error: URL_REFUSED, startedAt: now, durationMs: 0 },
        now,
      );
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
    } else {
      const delaySeconds = retrySchedule(this.env)[attempt - 1];
      if (delaySeconds === undefined) status = 'failed';
      else nextAt = now + Math.max(delaySeconds * 1000, outcome.retryAfterMs ?? 0);
    }
    this.storage.recordAttempt(
      delivery,
      { status, attempt, nextAt, httpStatus: outcome.status, error: outcome.error, startedAt: now - outcome.durationMs, durationMs: outcome.durationMs },
      now,
    );
  }

  /** Forgets finished messages past their retention, at most once per PRUNE_INTERVAL_MS. */
  prune(now = Date.now()): void {
    if (now - this.storage.lastPruneAt() < PRUNE_INTERVAL_MS) return;
    this.storage.prune(now - RETENTION_MS, now);
  }
}
