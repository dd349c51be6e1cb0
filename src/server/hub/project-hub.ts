import { DurableObject } from 'cloudflare:workers';
import type { HubOrder } from '../project-events.js';
import type { VapidKeys } from '../push/crypto.js';
import { MAX_API_ENDPOINTS, newWebhookSecret, type WebhookEndpoint, type WebhookEnv, type WebhookEventType } from '../webhooks.js';
import { PushDispatch } from './push-dispatch.js';
import { HubStorage } from './storage.js';
import type { DeliveryAttempt, MessageDelivery } from './types.js';
import { WebhookDispatch } from './webhook-dispatch.js';

export type { DeliveryAttempt, MessageDelivery } from './types.js';

/** Deliveries, and pushes, started at once by one flush; more wait for the next. */
const BATCH = 25;

export interface HubEnv extends WebhookEnv {
  ProjectHub: DurableObjectNamespace<ProjectHub>;
}

export interface EndpointInput {
  url: string;
  secret?: string;
  description?: string | null;
  events?: WebhookEventType[] | null;
  enabled?: boolean;
}

export interface VapidPublic {
  publicKey: string;
  subject: string;
  createdAt: number;
}

/**
 * Project-wide state: webhook endpoints, the webhook outbox and its attempts log, Web Push jobs and the
 * project's VAPID keys. One per project. Everything it sends goes out from durable tables, retried by the
 * alarm; inboxes only ever insert (`ingest`), so a slow receiver never holds up a ring.
 */
export class ProjectHub extends DurableObject<HubEnv> {
  private readonly storage: HubStorage;
  private readonly webhooks: WebhookDispatch;
  private readonly pushes: PushDispatch;

  constructor(ctx: DurableObjectState, env: HubEnv) {
    super(ctx, env);
    this.storage = new HubStorage(ctx.storage.sql);
    const name = ctx.id.name;
    if (name) this.storage.rememberProjectId(name);
    const projectId = name ?? this.storage.projectId();
    this.webhooks = new WebhookDispatch(this.storage, env, projectId);
    this.pushes = new PushDispatch(this.storage, env, projectId);
  }

  // ---- intake ------------------------------------------------------------------------------------------

  /**
   * RPC from a UserInbox's outbox: takes one order. Idempotent per order id, so the inbox may hand the same
   * order over twice. Answers whether any enabled endpoint listens, so quiet projects cost nothing.
   */
  async ingest(order: HubOrder): Promise<{ listening: boolean }> {
    await this.webhooks.syncConfiguredEndpoints();
    const now = Date.now();
    const listeners = this.webhooks.listeners();
    if (listeners.length === 0 && !order.push) return { listening: false };
    if (order.webhook) this.webhooks.enqueue(order.id, order.webhook, listeners, now);
    if (order.push) this.pushes.enqueue(order.id, order.push, now);
    void this.flush();
    await this.scheduleAlarm();
    return { listening: listeners.length > 0 };
  }

  // ---- sending -----------------------------------------------------------------------------------------

  override async alarm(): Promise<void> {
    await this.webhooks.syncConfiguredEndpoints();
    await this.flush();
    this.webhooks.prune();
  }

  /**
   * Starts every due attempt. Each due row is leased in the same synchronous step that selects it, so
   * overlapping flushes never send a row twice, and a row whose attempt was cut short by an eviction comes
   * due again when the lease runs out.
   */
  private async flush(): Promise<void> {
    const now = Date.now();
    const deliveries = this.webhooks.leaseDue(now, BATCH);
    const pushes = this.pushes.leaseDue(now, BATCH);
    if (deliveries.length === 0 && pushes.length === 0) {
      await this.scheduleAlarm();
      return;
    }
    await Promise.all([...deliveries.map((delivery) => this.webhooks.deliver(delivery)), ...pushes.map((job) => this.pushes.send(job))]);
    // A full batch may have left more due work behind.
    if (deliveries.length === BATCH || pushes.length === BATCH) void this.flush();
    await this.scheduleAlarm();
  }

  private async scheduleAlarm(): Promise<void> {
    const next = this.storage.nextDueAt();
    if (next === null) return;
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > next || current < Date.now()) await this.ctx.storage.setAlarm(next);
  }

  // ---- endpoints ---------------------------------------------------------------------------------------

  async listEndpoints(): Promise<WebhookEndpoint[]> {
    await this.webhooks.syncConfiguredEndpoints();
    return this.storage.listEndpoints();
  }

  async getEndpoint(id: string): Promise<WebhookEndpoint | null> {
    await this.webhooks.syncConfiguredEndpoints();
    return this.storage.endpoint(id);
  }

  /** Creates an endpoint; the secret is returned here and by `endpointSecret` only. Refused past MAX_API_ENDPOINTS. */
  createEndpoint(input: EndpointInput): (WebhookEndpoint & { secret: string }) | { refused: string } {
    if (this.storage.apiEndpointCount() >= MAX_API_ENDPOINTS) {
      return { refused: `a project has at most ${MAX_API_ENDPOINTS} webhook endpoints made through the API; delete one first` };
    }
    const id = `ep_${crypto.randomUUID().replace(/-/g, '').slice(0, 24)}`;
    const secret = input.secret ?? newWebhookSecret();
    this.storage.insertEndpoint(
      id,
      { url: input.url, secret, description: input.description ?? null, events: input.events ?? null },
      input.enabled !== false,
      Date.now(),
    );
    return { ...this.storage.endpoint(id)!, secret };
  }

  /** Changes an endpoint; a configured one takes only `enabled`, the rest comes from the configuration. */
  async updateEndpoint(id: string, patch: Partial<EndpointInput>): Promise<WebhookEndpoint | null> {
    await this.webhooks.syncConfiguredEndpoints();
    const endpoint = this.storage.endpoint(id);
    if (!endpoint) return null;
    const now = Date.now();
    if (endpoint.source === 'api') {
      this.storage.updateEndpointSettings(id, { url: patch.url, secret: patch.secret, description: patch.description, events: patch.events });
    }
    if (patch.enabled === true) this.storage.enableEndpoint(id);
    if (patch.enabled === false && endpoint.enabled) this.storage.disableEndpoint(id, 'manual', now);
    this.storage.touchEndpoint(id, now);
    return this.storage.endpoint(id);
  }

  async endpointSecret(id: string): Promise<string | null> {
    await this.webhooks.syncConfiguredEndpoints();
    return this.storage.endpointSecret(id);
  }

  /** Deletes an API-made endpoint and its pending messages; configured endpoints answer "config". */
  async deleteEndpoint(id: string): Promise<'deleted' | 'not_found' | 'config'> {
    await this.webhooks.syncConfiguredEndpoints();
    const endpoint = this.storage.endpoint(id);
    if (!endpoint) return 'not_found';
    if (endpoint.source === 'config') return 'config';
    this.storage.deleteEndpoint(id, true);
    return 'deleted';
  }

  listAttempts(query: { endpointId?: string; eventId?: string; limit: number; before?: number }): DeliveryAttempt[] {
    return this.storage.listAttempts(query);
  }

  listMessages(query: { endpointId?: string; eventId?: string; status?: string; limit: number }): MessageDelivery[] {
    return this.storage.listMessages(query);
  }

  // ---- VAPID -------------------------------------------------------------------------------------------

  /** The project's VAPID keys, made on first use. */
  async vapidKeys(): Promise<VapidKeys> {
    return this.pushes.vapidKeys();
  }

  async vapidPublic(): Promise<VapidPublic> {
    const keys = await this.pushes.vapidKeys();
    return { publicKey: keys.publicKey, subject: keys.subject, createdAt: this.storage.vapid()!.createdAt };
  }

  /** Replaces the keys; browsers subscribed with the old public key must subscribe again. */
  async setVapidKeys(keys: VapidKeys): Promise<VapidPublic> {
    this.storage.storeVapid(keys, Date.now());
    return this.vapidPublic();
  }

  async setVapidSubject(subject: string): Promise<VapidPublic> {
    await this.pushes.vapidKeys();
    this.storage.setVapidSubject(subject);
    return this.vapidPublic();
  }
}

export function projectHubStub(env: HubEnv, projectId: string): DurableObjectStub<ProjectHub> {
  return env.ProjectHub.get(env.ProjectHub.idFromName(projectId));
}
