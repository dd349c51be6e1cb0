import { DurableObject } from 'cloudflare:workers';
import type { HubOrder } from '../project-events.js';
import { generateVapidKeys, type VapidKeys } from '../push/crypto.js';
import { MAX_API_ENDPOINTS, newWebhookSecret, type WebhookEndpoint, type WebhookEnv, type WebhookEventType } from '../webhooks.js';
import { PushDispatch } from './push-dispatch.js';
import { orderKey, parseHubName, shardName, type ShardEnv } from './shards.js';
import { HubStorage } from './storage.js';
import type { DeliveryAttempt, MessageDelivery } from './types.js';
import { WebhookDispatch, type EndpointCopy } from './webhook-dispatch.js';

export type { DeliveryAttempt, MessageDelivery } from './types.js';

/** Deliveries, and pushes, started at once by one flush; more wait for the next. */
const BATCH = 25;
/**
 * A shard asks the project's object for the endpoints and keys again after this long. Changes reach shards at once
 * (the project's object sends them); this only bounds how long a shard that missed one keeps an old copy.
 */
const COPY_TTL_MS = 60_000;
/** An event taken is sent at once; should that be cut short, the alarm tries again after this long. */
const LEASE_GUARD_MS = 20_000;
/** After a failed attempt to fetch the copy, a shard tries again no sooner than this. */
const COPY_RETRY_MS = 2_000;

export interface HubEnv extends WebhookEnv, ShardEnv {
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

/** What a shard copies from the project's object; `version` moves on with every change. */
export interface HubConfig {
  version: number;
  endpoints: EndpointCopy[];
  vapid: { keys: VapidKeys; createdAt: number } | null;
}

/**
 * A project's hub, in two roles (src/server/hub/shards.ts). The project's own object (named by the project id)
 * keeps the webhook endpoints and the VAPID keys, lists deliveries and attempts of every shard, and sends shards a
 * copy of its endpoints and keys whenever they change (a shard asking for the copy, `shardConfig`, is noted, so that
 * changes reach it and listings include it). A shard (`${projectId}:${n}`) takes events from inboxes and call rooms:
 * the webhook outbox and its attempts log, Web Push jobs.
 *
 * `ingest` is the RPC the outboxes of UserInboxes and CallRooms call through `projectHub`
 * (src/server/project-events.ts), which picks the shard. It is idempotent per order id, so a sender may hand an
 * order over twice; it answers once the order is stored (a webhook event is sent first, see WebhookDispatch), and
 * whether any enabled endpoint listens, so quiet projects cost nothing. The sender's outbox sends it apart from the
 * ring, so a slow receiver never holds up a ring. What waits (retries, pushes, events queued behind others) goes out
 * from durable tables, retried by the alarm: `flush` leases each due row in the step that selects it, so overlapping
 * flushes never send a row twice, and a row whose attempt was cut short comes due again when its lease runs out.
 * Member comments are kept short: the Worker's bundle keeps them.
 */
export class ProjectHub extends DurableObject<HubEnv> {
  private readonly storage: HubStorage;
  private readonly webhooks: WebhookDispatch;
  private readonly pushes: PushDispatch;
  private readonly projectId: string;
  /** null on the project's own object. */
  private readonly shard: number | null;
  /** On a shard: when the copy was last fetched (or a fetch last failed), and the fetch under way. */
  private copyCheckedAt = 0;
  private copyFetch: Promise<void> | undefined;
  /** The alarm as last read or set; undefined until read after a wake. */
  private alarmAt: number | null | undefined;
  /** On the project's object: keys being made, so that two first uses make one pair. */
  private making: Promise<VapidKeys> | undefined;

  constructor(ctx: DurableObjectState, env: HubEnv) {
    super(ctx, env);
    this.storage = new HubStorage(ctx.storage.sql);
    const name = ctx.id.name;
    if (name) this.storage.rememberName(name);
    const { projectId, shard } = parseHubName(name ?? this.storage.name());
    this.projectId = projectId;
    this.shard = shard;
    this.webhooks = new WebhookDispatch(this.storage, env, projectId, shard === null ? 0 : shard + 1, {
      disabled: (id, reason) => this.endpointTurnedOff(id, reason),
      alarmBy: (at) => this.alarmBy(at),
      flush: () => this.queued(),
    });
    this.pushes = new PushDispatch(this.storage, env, projectId, () => this.pushKeys());
  }

  // ---- intake ------------------------------------------------------------------------------------------

  /** RPC from an outbox (see the class): takes one order, idempotent per id; answers once it is stored. */
  async ingest(order: HubOrder): Promise<{ listening: boolean }> {
    await this.ready();
    const now = Date.now();
    const listeners = this.webhooks.listeners();
    if (listeners.length === 0 && !order.push) return { listening: false };
    const taken = order.webhook ? this.webhooks.take(order.id, order.webhook, listeners, orderKey(order), now) : undefined;
    if (order.push) {
      this.pushes.enqueue(order.id, order.push, now);
      await this.queued();
    }
    await taken;
    return { listening: listeners.length > 0 };
  }

  /** Work was queued in the tables: sent now, or by the alarm once its lease runs out. */
  private queued(): Promise<void> {
    void this.flush();
    return this.alarmBy(Date.now() + LEASE_GUARD_MS);
  }

  // ---- sending -----------------------------------------------------------------------------------------

  override async alarm(): Promise<void> {
    this.alarmAt = null;
    try {
      await this.ready();
    } catch (error) {
      // The copy kept from before still serves; deliveries must not wait for the project's object.
      console.error(`hub ${this.shard ?? 'main'} of ${this.projectId}: endpoints not refreshed`, error);
    }
    await this.flush();
    this.webhooks.prune();
  }

  /** Starts every due attempt, each leased in the step that selects it (see the class). */
  private async flush(): Promise<void> {
    const now = Date.now();
    const deliveries = this.webhooks.leaseDue(now, BATCH);
    const pushes = this.pushes.leaseDue(now, BATCH);
    if (deliveries.length === 0 && pushes.length === 0) {
      await this.scheduleAlarm();
      return;
    }
    await Promise.all([...deliveries.map((delivery) => this.webhooks.deliver(delivery)), ...pushes.map((job) => this.pushes.send(job))]);
    // A full batch may have left more due work behind, and a first attempt that ended lets the next event of its
    // invitation go.
    const next = this.storage.nextDueAt();
    if (next !== null && next <= Date.now()) void this.flush();
    else await this.scheduleAlarm(next);
  }

  private async scheduleAlarm(next = this.storage.nextDueAt()): Promise<void> {
    if (next !== null) await this.alarmBy(next);
  }

  /** Makes sure the alarm rings by `at`. */
  private async alarmBy(at: number): Promise<void> {
    if (this.alarmAt === undefined) this.alarmAt = await this.ctx.storage.getAlarm();
    const current = this.alarmAt;
    if (current !== null && current <= at && current >= Date.now()) return;
    this.alarmAt = at;
    await this.ctx.storage.setAlarm(at);
  }

  // ---- the copy of endpoints and keys --------------------------------------------------------------------

  /** The endpoints as they are: from the configuration on the project's object, a fresh enough copy on a shard. */
  private async ready(): Promise<void> {
    if (this.shard === null) {
      if (await this.webhooks.syncConfiguredEndpoints()) await this.changed();
      return;
    }
    const copied = this.storage.configVersion() > 0;
    if (copied && Date.now() - this.copyCheckedAt < COPY_TTL_MS) return;
    this.copyFetch ??= this.fetchCopy().finally(() => (this.copyFetch = undefined));
    // Without any copy yet a shard cannot tell who listens: it waits (or fails, and the sender's outbox retries).
    // With one, it goes on with it while the fresh one comes.
    if (!copied) return this.copyFetch;
    this.ctx.waitUntil(this.copyFetch.catch((error: unknown) => console.error(`hub ${this.shard} of ${this.projectId}: endpoints not refreshed`, error)));
  }

  private async fetchCopy(withVapid = false): Promise<void> {
    try {
      this.applyConfig(await this.main().shardConfig(this.shard!, withVapid));
    } catch (error) {
      this.copyCheckedAt = Date.now() - COPY_TTL_MS + COPY_RETRY_MS;
      throw error;
    }
  }

  /** RPC from the project's object to a shard: the endpoints and keys changed. Older copies than the kept one are ignored. */
  applyConfig(config: HubConfig): void {
    this.copyCheckedAt = Date.now();
    if (config.version <= this.storage.configVersion()) return;
    this.webhooks.applyCopy(config.endpoints);
    const mine = this.storage.vapid();
    if (config.vapid && (!mine || mine.keys.publicKey !== config.vapid.keys.publicKey || mine.keys.subject !== config.vapid.keys.subject)) {
      this.storage.storeVapid(config.vapid.keys, config.vapid.createdAt);
    }
    this.storage.setConfigVersion(config.version);
  }

  /** RPC from a shard to the project's object: what to copy (keys made first on `withVapid`); notes the shard. */
  async shardConfig(shard: number, withVapid = false): Promise<HubConfig> {
    await this.webhooks.syncConfiguredEndpoints();
    if (withVapid) await this.pushKeys();
    this.storage.addShard(shard);
    if (this.storage.configVersion() === 0) this.storage.bumpConfigVersion();
    return this.config();
  }

  /** RPC from a shard to the project's object: a delivery turned this endpoint off (410 Gone, a URL not allowed). */
  async endpointFailed(id: string, reason: string): Promise<void> {
    const endpoint = this.storage.endpoint(id);
    if (!endpoint?.enabled) return;
    this.storage.disableEndpoint(id, reason, Date.now());
    await this.changed();
  }

  private config(): HubConfig {
    return { version: this.storage.configVersion(), endpoints: this.storage.endpointsWithSecrets(), vapid: this.storage.vapid() };
  }

  /** On the project's object: the endpoints or keys changed; every shard gets the new copy now. */
  private async changed(): Promise<void> {
    this.webhooks.forget();
    this.storage.bumpConfigVersion();
    const config = this.config();
    const sent = await Promise.allSettled(this.storage.shards().map((shard) => this.hub(shard).applyConfig(config)));
    for (const outcome of sent) {
      // That shard asks again within COPY_TTL_MS.
      if (outcome.status === 'rejected') console.error(`hub of ${this.projectId}: a shard missed a change of endpoints`, outcome.reason);
    }
  }

  private endpointTurnedOff(id: string, reason: string): void {
    const told = this.shard === null ? this.changed() : this.main().endpointFailed(id, reason);
    this.ctx.waitUntil(told.catch((error: unknown) => console.error(`hub of ${this.projectId}: could not spread that endpoint ${id} is off`, error)));
  }

  private main(): DurableObjectStub<ProjectHub> {
    return projectHubStub(this.env, this.projectId);
  }

  private hub(shard: number): DurableObjectStub<ProjectHub> {
    return this.env.ProjectHub.get(this.env.ProjectHub.idFromName(shardName(this.projectId, shard)));
  }

  /** The keys pushes are signed with: the project's own (made on first use), or a shard's copy of them. */
  private async pushKeys(): Promise<VapidKeys> {
    const stored = this.storage.vapid();
    if (stored) return stored.keys;
    if (this.shard !== null) {
      await this.fetchCopy(true);
      const copied = this.storage.vapid();
      if (!copied) throw new Error(`the project ${this.projectId} has no VAPID keys`);
      return copied.keys;
    }
    this.making ??= (async () => {
      const keys = await generateVapidKeys();
      // Another first use may have stored keys meanwhile (setVapidKeys): those stay.
      if (!this.storage.vapid()) this.storage.storeVapid(keys, Date.now());
      await this.changed();
      return this.storage.vapid()!.keys;
    })().finally(() => (this.making = undefined));
    return this.making;
  }

  // ---- endpoints (the project's object) ------------------------------------------------------------------

  async listEndpoints(): Promise<WebhookEndpoint[]> {
    await this.ready();
    return this.storage.listEndpoints();
  }

  async getEndpoint(id: string): Promise<WebhookEndpoint | null> {
    await this.ready();
    return this.storage.endpoint(id);
  }

  /** Creates an endpoint; the secret is returned here and by `endpointSecret` only. Refused past MAX_API_ENDPOINTS. */
  async createEndpoint(input: EndpointInput): Promise<(WebhookEndpoint & { secret: string }) | { refused: string }> {
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
    const created = { ...this.storage.endpoint(id)!, secret };
    await this.changed();
    return created;
  }

  /** Changes an endpoint; a configured one takes only `enabled`, the rest comes from the configuration. */
  async updateEndpoint(id: string, patch: Partial<EndpointInput>): Promise<WebhookEndpoint | null> {
    await this.ready();
    const endpoint = this.storage.endpoint(id);
    if (!endpoint) return null;
    const now = Date.now();
    if (endpoint.source === 'api') {
      this.storage.updateEndpointSettings(id, { url: patch.url, secret: patch.secret, description: patch.description, events: patch.events });
    }
    if (patch.enabled === true) this.storage.enableEndpoint(id);
    if (patch.enabled === false && endpoint.enabled) this.storage.disableEndpoint(id, 'manual', now);
    this.storage.touchEndpoint(id, now);
    const updated = this.storage.endpoint(id);
    await this.changed();
    return updated;
  }

  async endpointSecret(id: string): Promise<string | null> {
    await this.ready();
    return this.storage.endpointSecret(id);
  }

  /** Deletes an API-made endpoint and its pending messages; configured endpoints answer "config". */
  async deleteEndpoint(id: string): Promise<'deleted' | 'not_found' | 'config'> {
    await this.ready();
    const endpoint = this.storage.endpoint(id);
    if (!endpoint) return 'not_found';
    if (endpoint.source === 'config') return 'config';
    this.storage.deleteEndpoint(id, true);
    await this.changed();
    return 'deleted';
  }

  /** The attempts log, newest first; on the project's object, of every shard (attempt ids sort by time across shards). */
  async listAttempts(query: { endpointId?: string; eventId?: string; limit: number; before?: number }): Promise<DeliveryAttempt[]> {
    const own = this.storage.listAttempts(query);
    if (this.shard !== null) return own;
    const all = [own, ...(await Promise.all(this.storage.shards().map((shard) => this.hub(shard).listAttempts(query))))].flat();
    return all.sort((a, b) => b.id - a.id).slice(0, query.limit);
  }

  /** Deliveries and where each stands, newest first; on the project's object, of every shard. */
  async listMessages(query: { endpointId?: string; eventId?: string; status?: string; limit: number }): Promise<MessageDelivery[]> {
    const own = this.storage.listMessages(query);
    if (this.shard !== null) return own;
    const all = [own, ...(await Promise.all(this.storage.shards().map((shard) => this.hub(shard).listMessages(query))))].flat();
    return all.sort((a, b) => b.createdAt - a.createdAt).slice(0, query.limit);
  }

  // ---- VAPID (the project's object) ------------------------------------------------------------------------

  /** The project's VAPID keys, made on first use. */
  async vapidKeys(): Promise<VapidKeys> {
    return this.pushKeys();
  }

  async vapidPublic(): Promise<VapidPublic> {
    const keys = await this.pushKeys();
    return { publicKey: keys.publicKey, subject: keys.subject, createdAt: this.storage.vapid()!.createdAt };
  }

  /** Replaces the keys; browsers subscribed with the old public key must subscribe again. */
  async setVapidKeys(keys: VapidKeys): Promise<VapidPublic> {
    this.storage.storeVapid(keys, Date.now());
    await this.changed();
    return this.vapidPublic();
  }

  async setVapidSubject(subject: string): Promise<VapidPublic> {
    await this.pushKeys();
    this.storage.setVapidSubject(subject);
    await this.changed();
    return this.vapidPublic();
  }
}

export function projectHubStub(env: HubEnv, projectId: string): DurableObjectStub<ProjectHub> {
  return env.ProjectHub.get(env.ProjectHub.idFromName(projectId));
}
