import { DurableObject } from 'cloudflare:workers';
import { projectsFrom } from './config.js';
import type { BackendCall, BackendResult } from './inbox-backend.js';
import type { HubOrder } from './project-events.js';
import {
  createAnswerToken,
  generateVapidKeys,
  pushTopic,
  sendPush,
  type PushMessage,
  type PushSubscriptionRecord,
  type VapidKeys,
} from './push.js';
import {
  WEBHOOK_EVENT_TYPES,
  attemptDelivery,
  attemptTimeout,
  configuredEndpointId,
  configuredEndpoints,
  encodeWebhookBody,
  newWebhookSecret,
  retrySchedule,
  type WebhookEndpoint,
  type WebhookEnv,
  type WebhookEventType,
} from './webhooks.js';
import type { InvitationSummary } from './webhooks.js';
import type { InviteeState } from '../protocol/types.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS endpoint (
  id TEXT PRIMARY KEY, url TEXT NOT NULL, secret TEXT NOT NULL, description TEXT, events TEXT,
  enabled INTEGER NOT NULL DEFAULT 1, disabled_reason TEXT, source TEXT NOT NULL,
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS event (id TEXT PRIMARY KEY, type TEXT NOT NULL, body TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS delivery (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id TEXT NOT NULL, endpoint_id TEXT NOT NULL,
  status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER,
  last_status INTEGER, last_error TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
  UNIQUE (event_id, endpoint_id)
);
CREATE INDEX IF NOT EXISTS delivery_due ON delivery (status, next_at);
CREATE TABLE IF NOT EXISTS attempt (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  delivery_id INTEGER NOT NULL, event_id TEXT NOT NULL, endpoint_id TEXT NOT NULL, attempt INTEGER NOT NULL,
  at INTEGER NOT NULL, status INTEGER, error TEXT, duration_ms INTEGER NOT NULL, next_at INTEGER
);
CREATE INDEX IF NOT EXISTS attempt_by_event ON attempt (event_id);
CREATE INDEX IF NOT EXISTS attempt_by_endpoint ON attempt (endpoint_id, id);
CREATE TABLE IF NOT EXISTS push_job (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  order_id TEXT NOT NULL, user_id TEXT NOT NULL, invitation_id TEXT NOT NULL, kind TEXT NOT NULL,
  subscription TEXT NOT NULL, invitation TEXT NOT NULL, state TEXT NOT NULL,
  deadline INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL,
  UNIQUE (order_id, subscription)
);
CREATE INDEX IF NOT EXISTS push_job_due ON push_job (next_at);
CREATE TABLE IF NOT EXISTS vapid (id INTEGER PRIMARY KEY CHECK (id = 1), public_key TEXT NOT NULL, private_jwk TEXT NOT NULL, subject TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS meta (id INTEGER PRIMARY KEY CHECK (id = 1), project_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS housekeeping (id INTEGER PRIMARY KEY CHECK (id = 1), last_prune INTEGER NOT NULL);
INSERT OR IGNORE INTO housekeeping (id, last_prune) VALUES (1, 0);
`;

/** Attempts started at once by one flush; more wait for the next. */
const BATCH = 25;
/** Delivered and failed messages, and their attempts, are kept this long for the attempts API. */
const RETENTION_MS = 7 * 24 * 3600_000;
/** Push retries back off from 1 s up to this, until the message's deadline. */
const PUSH_MAX_DELAY_MS = 60_000;
const PUSH_TIMEOUT_MS = 10_000;

type Row = Record<string, SqlStorageValue>;

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

export interface DeliveryAttempt {
  id: number;
  eventId: string;
  endpointId: string;
  attempt: number;
  at: number;
  /** HTTP status, or null when no response came. */
  status: number | null;
  error: string | null;
  durationMs: number;
  /** When the next attempt is due; null when this was the last one. */
  nextAttemptAt: number | null;
}

export interface MessageDelivery {
  eventId: string;
  eventType: string;
  endpointId: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  nextAttemptAt: number | null;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
}

/**
 * Project-wide state: webhook endpoints, the webhook outbox and its attempts log, Web Push jobs and the
 * project's VAPID keys. One per project. Everything it sends goes out from durable tables, retried by the
 * alarm; inboxes only ever insert (`ingest`), so a slow receiver never holds up a ring.
 */
export class ProjectHub extends DurableObject<HubEnv> {
  private readonly projectId: string;
  private configSource: string | undefined;

  constructor(ctx: DurableObjectState, env: HubEnv) {
    super(ctx, env);
    ctx.storage.sql.exec(SCHEMA);
    // An alarm can wake the object without its id's name (seen after a local restart), so the name is kept.
    const name = ctx.id.name;
    if (name) ctx.storage.sql.exec('INSERT OR REPLACE INTO meta (id, project_id) VALUES (1, ?)', name);
    this.projectId = name ?? String(ctx.storage.sql.exec<{ project_id: string }>('SELECT project_id FROM meta WHERE id = 1').toArray()[0]?.project_id ?? '');
  }

  private rows<T>(query: string, ...bindings: SqlStorageValue[]): T[] {
    return this.ctx.storage.sql.exec<Row>(query, ...bindings).toArray() as T[];
  }

  private one<T>(query: string, ...bindings: SqlStorageValue[]): T | undefined {
    return this.rows<T>(query, ...bindings)[0];
  }

  private run(query: string, ...bindings: SqlStorageValue[]): number {
    return this.ctx.storage.sql.exec(query, ...bindings).rowsWritten;
  }

  // ---- intake ------------------------------------------------------------------------------------------

  /** RPC from a UserInbox's outbox. Idempotent per order id, so the inbox may hand the same order over twice. */
  /** Takes one order from an inbox; answers whether any enabled endpoint listens, so quiet projects cost nothing. */
  async ingest(order: HubOrder): Promise<{ listening: boolean }> {
    await this.syncConfiguredEndpoints();
    const now = Date.now();
    const endpoints = this.rows<{ id: string; events: string | null }>('SELECT id, events FROM endpoint WHERE enabled = 1');
    if (endpoints.length === 0 && !order.push) return { listening: false };
    if (order.webhook && !this.one('SELECT 1 FROM event WHERE id = ?', order.id)) {
      const type = order.webhook.type;
      const targets = endpoints.filter((endpoint) => !endpoint.events || (JSON.parse(endpoint.events) as string[]).includes(type));
      // Nobody listens: no need to keep the event.
      if (targets.length > 0) {
        this.run('INSERT INTO event (id, type, body, created_at) VALUES (?, ?, ?, ?)', order.id, type, encodeWebhookBody(order.webhook), now);
        for (const target of targets) {
          this.run(
            "INSERT OR IGNORE INTO delivery (event_id, endpoint_id, status, next_at, created_at, updated_at) VALUES (?, ?, 'pending', ?, ?, ?)",
            order.id,
            target.id,
            now,
            now,
            now,
          );
        }
      }
    }
    if (order.push) this.queuePush(order.id, order.push, now);
    void this.flush();
    await this.scheduleAlarm();
    return { listening: endpoints.length > 0 };
  }

  private queuePush(orderId: string, push: NonNullable<HubOrder['push']>, now: number): void {
    const { invitation } = push;
    for (const subscription of push.subscriptions) {
      if (push.kind === 'close') {
        // The ring has not gone out yet: drop it, and nothing needs closing on that device.
        const unsent = this.run(
          "DELETE FROM push_job WHERE kind = 'ring' AND invitation_id = ? AND user_id = ? AND json_extract(subscription, '$.endpoint') = ?",
          push.invitationId,
          push.userId,
          subscription.endpoint,
        );
        if (unsent > 0) continue;
      }
      const deadline = push.kind === 'ring' ? invitation.expiresAt : Math.max(invitation.expiresAt, now) + 60_000;
      if (deadline <= now) continue;
      this.run(
        `INSERT OR IGNORE INTO push_job (order_id, user_id, invitation_id, kind, subscription, invitation, state, deadline, next_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        orderId,
        push.userId,
        push.invitationId,
        push.kind,
        JSON.stringify(subscription),
        JSON.stringify(invitation),
        push.state,
        deadline,
        now,
      );
    }
  }

  // ---- sending -----------------------------------------------------------------------------------------

  override async alarm(): Promise<void> {
    await this.syncConfiguredEndpoints();
    await this.flush();
    this.prune();
  }

  /**
   * Starts every due attempt. Each due row is leased (its next_at pushed past the attempt's timeout) in the
   * same synchronous step that selects it, so overlapping flushes never send a row twice, and a row whose
   * attempt was cut short by an eviction comes due again when the lease runs out.
   */
  private async flush(): Promise<void> {
    const now = Date.now();
    const timeout = attemptTimeout(this.env);
    const lease = now + timeout + 5_000;
    const deliveries = this.rows<{ id: number; event_id: string; endpoint_id: string; attempts: number; url: string; secret: string; body: string }>(
      `SELECT d.id, d.event_id, d.endpoint_id, d.attempts, e.url, e.secret, ev.body
         FROM delivery d JOIN endpoint e ON e.id = d.endpoint_id JOIN event ev ON ev.id = d.event_id
        WHERE d.status = 'pending' AND d.next_at <= ? AND e.enabled = 1 ORDER BY d.next_at, d.id LIMIT ?`,
      now,
      BATCH,
    );
    for (const row of deliveries) this.run('UPDATE delivery SET next_at = ? WHERE id = ?', lease, row.id);
    const pushes = this.rows<PushJobRow>('SELECT * FROM push_job WHERE next_at <= ? ORDER BY next_at, id LIMIT ?', now, BATCH);
    for (const row of pushes) this.run('UPDATE push_job SET next_at = ? WHERE id = ?', now + PUSH_TIMEOUT_MS + 5_000, row.id);
    if (deliveries.length === 0 && pushes.length === 0) {
      await this.scheduleAlarm();
      return;
    }
    await Promise.all([...deliveries.map((row) => this.deliver(row, timeout)), ...pushes.map((row) => this.push(row))]);
    // A full batch may have left more due work behind.
    if (deliveries.length === BATCH || pushes.length === BATCH) void this.flush();
    await this.scheduleAlarm();
  }

  private async deliver(row: { id: number; event_id: string; endpoint_id: string; attempts: number; url: string; secret: string; body: string }, timeout: number): Promise<void> {
    const outcome = await attemptDelivery({ url: row.url, secret: row.secret }, { id: row.event_id, body: row.body }, timeout);
    const now = Date.now();
    const attempt = row.attempts + 1;
    let status: 'pending' | 'delivered' | 'failed' = 'pending';
    let nextAt: number | null = null;
    if (outcome.ok) status = 'delivered';
    else if (outcome.status === 410) {
      // The receiver says this endpoint is gone for good: stop sending to it at all.
      status = 'failed';
      this.disableEndpoint(row.endpoint_id, 'gone');
    } else {
      const schedule = retrySchedule(this.env);
      const delaySeconds = schedule[attempt - 1];
      if (delaySeconds === undefined) status = 'failed';
      else nextAt = now + Math.max(delaySeconds * 1000, outcome.retryAfterMs ?? 0);
    }
    this.run(
      'UPDATE delivery SET status = ?, attempts = ?, next_at = ?, last_status = ?, last_error = ?, updated_at = ? WHERE id = ?',
      status,
      attempt,
      nextAt,
      outcome.status,
      outcome.error,
      now,
      row.id,
    );
    this.run(
      'INSERT INTO attempt (delivery_id, event_id, endpoint_id, attempt, at, status, error, duration_ms, next_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      row.id,
      row.event_id,
      row.endpoint_id,
      attempt,
      now - outcome.durationMs,
      outcome.status,
      outcome.error,
      outcome.durationMs,
      nextAt,
    );
  }

  private disableEndpoint(endpointId: string, reason: string): void {
    const now = Date.now();
    this.run('UPDATE endpoint SET enabled = 0, disabled_reason = ?, updated_at = ? WHERE id = ?', reason, now, endpointId);
    this.run(
      "UPDATE delivery SET status = 'failed', next_at = NULL, last_error = coalesce(last_error, 'endpoint disabled'), updated_at = ? WHERE endpoint_id = ? AND status = 'pending'",
      now,
      endpointId,
    );
  }

  private async push(row: PushJobRow): Promise<void> {
    const now = Date.now();
    if (row.deadline <= now) {
      this.run('DELETE FROM push_job WHERE id = ?', row.id);
      return;
    }
    const subscription = JSON.parse(row.subscription) as PushSubscriptionRecord;
    const invitation = JSON.parse(row.invitation) as InvitationSummary;
    const message = await this.pushMessage(row, subscription, invitation);
    const ttlSeconds = Math.ceil((row.deadline - now) / 1000);
    const outcome = await sendPush(subscription, message, {
      keys: await this.vapidKeys(),
      ttlSeconds,
      urgency: 'high',
      topic: pushTopic(row.invitation_id),
      timeoutMs: PUSH_TIMEOUT_MS,
    });
    if (outcome.ok) {
      this.run('DELETE FROM push_job WHERE id = ?', row.id);
      return;
    }
    if (outcome.gone) {
      this.run('DELETE FROM push_job WHERE id = ?', row.id);
      this.run("DELETE FROM push_job WHERE user_id = ? AND json_extract(subscription, '$.endpoint') = ?", row.user_id, subscription.endpoint);
      await this.userInbox(row.user_id)
        .backendRequest({ op: 'push.unsubscribe', endpoint: subscription.endpoint })
        .catch((error: unknown) => console.error('could not drop an expired push subscription', error));
      return;
    }
    const delay = Math.max(Math.min(1000 * 2 ** row.attempts, PUSH_MAX_DELAY_MS), outcome.retryAfterMs ?? 0);
    if (!outcome.retry || now + delay >= row.deadline) {
      console.error(`push to ${new URL(subscription.endpoint).origin} failed for good: ${outcome.error}`);
      this.run('DELETE FROM push_job WHERE id = ?', row.id);
      return;
    }
    this.run('UPDATE push_job SET attempts = attempts + 1, next_at = ? WHERE id = ?', now + delay, row.id);
  }

  private async pushMessage(row: PushJobRow, subscription: PushSubscriptionRecord, invitation: InvitationSummary): Promise<PushMessage> {
    if (row.kind === 'close') {
      return { v: 1, type: 'close', projectId: this.projectId, invitationId: row.invitation_id, state: row.state as InviteeState };
    }
    const project = projectsFrom(this.env).get(this.projectId);
    const answerToken = project
      ? await createAnswerToken({
          projectId: this.projectId,
          projectSecret: project.secret,
          userId: row.user_id,
          deviceId: subscription.deviceId,
          invitationId: row.invitation_id,
          expiresAt: invitation.expiresAt,
        })
      : '';
    return {
      v: 1,
      type: 'ring',
      projectId: this.projectId,
      invitationId: invitation.invitationId,
      from: invitation.fromUser,
      callType: invitation.callType,
      roomName: invitation.roomName,
      roomUrl: invitation.roomUrl,
      message: invitation.message,
      createdAt: invitation.createdAt,
      expiresAt: invitation.expiresAt,
      api: subscription.apiBase,
      answerToken,
    };
  }

  private userInbox(userId: string): { backendRequest(call: BackendCall): Promise<BackendResult> } {
    const namespace = this.env.UserInbox;
    return namespace.get(namespace.idFromName(`${this.projectId}:${userId}`)) as unknown as { backendRequest(call: BackendCall): Promise<BackendResult> };
  }

  private async scheduleAlarm(): Promise<void> {
    const next = this.one<{ at: number | null }>(
      `SELECT min(at) AS at FROM (
         SELECT min(d.next_at) AS at FROM delivery d JOIN endpoint e ON e.id = d.endpoint_id WHERE d.status = 'pending' AND e.enabled = 1
         UNION ALL SELECT min(next_at) FROM push_job)`,
    )?.at;
    if (next === null || next === undefined) return;
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > next || current < Date.now()) await this.ctx.storage.setAlarm(next);
  }

  private prune(): void {
    const now = Date.now();
    const { last_prune } = this.one<{ last_prune: number }>('SELECT last_prune FROM housekeeping WHERE id = 1')!;
    if (now - last_prune < 3600_000) return;
    const cutoff = now - RETENTION_MS;
    this.run("DELETE FROM delivery WHERE status != 'pending' AND updated_at < ?", cutoff);
    this.run('DELETE FROM event WHERE created_at < ? AND id NOT IN (SELECT event_id FROM delivery)', cutoff);
    this.run('DELETE FROM attempt WHERE at < ?', cutoff);
    this.run('UPDATE housekeeping SET last_prune = ? WHERE id = 1', now);
  }

  // ---- endpoints ---------------------------------------------------------------------------------------

  /** Mirrors the endpoints of the PROJECTS configuration into the table, keeping their disabled state. */
  private async syncConfiguredEndpoints(): Promise<void> {
    const source = this.env.PROJECTS ?? '';
    if (this.configSource === source) return;
    const now = Date.now();
    const ids: string[] = [];
    for (const endpoint of configuredEndpoints(this.env, this.projectId)) {
      const id = await configuredEndpointId(endpoint.url);
      ids.push(id);
      const events = endpoint.events?.filter((type) => (WEBHOOK_EVENT_TYPES as readonly string[]).includes(type));
      this.run(
        `INSERT INTO endpoint (id, url, secret, description, events, enabled, source, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, 1, 'config', ?, ?)
         ON CONFLICT (id) DO UPDATE SET secret = excluded.secret, description = excluded.description, events = excluded.events`,
        id,
        endpoint.url,
        endpoint.secret,
        endpoint.description ?? null,
        events?.length ? JSON.stringify(events) : null,
        now,
        now,
      );
    }
    const stale = this.rows<{ id: string }>("SELECT id FROM endpoint WHERE source = 'config'").filter((row) => !ids.includes(row.id));
    for (const row of stale) {
      this.disableEndpoint(row.id, 'removed from configuration');
      this.run('DELETE FROM endpoint WHERE id = ?', row.id);
    }
    this.configSource = source;
  }

  async listEndpoints(): Promise<WebhookEndpoint[]> {
    await this.syncConfiguredEndpoints();
    return this.rows<EndpointRow>('SELECT * FROM endpoint ORDER BY created_at, id').map(endpointFromRow);
  }

  async getEndpoint(id: string): Promise<WebhookEndpoint | null> {
    await this.syncConfiguredEndpoints();
    const row = this.one<EndpointRow>('SELECT * FROM endpoint WHERE id = ?', id);
    return row ? endpointFromRow(row) : null;
  }

  /** Creates an endpoint; the secret is returned here and by `endpointSecret` only. */
  async createEndpoint(input: EndpointInput): Promise<WebhookEndpoint & { secret: string }> {
    const now = Date.now();
    const id = `ep_${crypto.randomUUID().replace(/-/g, '').slice(0, 24)}`;
    const secret = input.secret ?? newWebhookSecret();
    this.run(
      "INSERT INTO endpoint (id, url, secret, description, events, enabled, source, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'api', ?, ?)",
      id,
      input.url,
      secret,
      input.description ?? null,
      input.events?.length ? JSON.stringify(input.events) : null,
      input.enabled === false ? 0 : 1,
      now,
      now,
    );
    if (input.enabled === false) this.run("UPDATE endpoint SET disabled_reason = 'manual' WHERE id = ?", id);
    return { ...endpointFromRow(this.one<EndpointRow>('SELECT * FROM endpoint WHERE id = ?', id)!), secret };
  }

  async updateEndpoint(id: string, patch: Partial<EndpointInput>): Promise<WebhookEndpoint | null> {
    await this.syncConfiguredEndpoints();
    const row = this.one<EndpointRow>('SELECT * FROM endpoint WHERE id = ?', id);
    if (!row) return null;
    const now = Date.now();
    if (row.source === 'api') {
      if (patch.url !== undefined) this.run('UPDATE endpoint SET url = ? WHERE id = ?', patch.url, id);
      if (patch.secret !== undefined) this.run('UPDATE endpoint SET secret = ? WHERE id = ?', patch.secret, id);
      if (patch.description !== undefined) this.run('UPDATE endpoint SET description = ? WHERE id = ?', patch.description, id);
      if (patch.events !== undefined) this.run('UPDATE endpoint SET events = ? WHERE id = ?', patch.events?.length ? JSON.stringify(patch.events) : null, id);
    }
    if (patch.enabled === true) this.run('UPDATE endpoint SET enabled = 1, disabled_reason = NULL WHERE id = ?', id);
    if (patch.enabled === false && row.enabled === 1) this.disableEndpoint(id, 'manual');
    this.run('UPDATE endpoint SET updated_at = ? WHERE id = ?', now, id);
    return endpointFromRow(this.one<EndpointRow>('SELECT * FROM endpoint WHERE id = ?', id)!);
  }

  async endpointSecret(id: string): Promise<string | null> {
    await this.syncConfiguredEndpoints();
    return this.one<{ secret: string }>('SELECT secret FROM endpoint WHERE id = ?', id)?.secret ?? null;
  }

  /** Deletes an API-made endpoint and its pending messages; configured endpoints answer "config". */
  async deleteEndpoint(id: string): Promise<'deleted' | 'not_found' | 'config'> {
    await this.syncConfiguredEndpoints();
    const row = this.one<EndpointRow>('SELECT source FROM endpoint WHERE id = ?', id);
    if (!row) return 'not_found';
    if (row.source === 'config') return 'config';
    this.run("DELETE FROM delivery WHERE endpoint_id = ? AND status = 'pending'", id);
    this.run('DELETE FROM endpoint WHERE id = ?', id);
    return 'deleted';
  }

  async listAttempts(query: { endpointId?: string; eventId?: string; limit: number; before?: number }): Promise<DeliveryAttempt[]> {
    return this.rows<AttemptRow>(
      `SELECT * FROM attempt WHERE (?1 IS NULL OR endpoint_id = ?1) AND (?2 IS NULL OR event_id = ?2) AND id < ?3 ORDER BY id DESC LIMIT ?4`,
      query.endpointId ?? null,
      query.eventId ?? null,
      query.before ?? Number.MAX_SAFE_INTEGER,
      query.limit,
    ).map((row) => ({
      id: row.id,
      eventId: row.event_id,
      endpointId: row.endpoint_id,
      attempt: row.attempt,
      at: row.at,
      status: row.status,
      error: row.error,
      durationMs: row.duration_ms,
      nextAttemptAt: row.next_at,
    }));
  }

  async listMessages(query: { endpointId?: string; eventId?: string; status?: string; limit: number }): Promise<MessageDelivery[]> {
    return this.rows<Row>(
      `SELECT d.*, ev.type FROM delivery d JOIN event ev ON ev.id = d.event_id
        WHERE (?1 IS NULL OR d.endpoint_id = ?1) AND (?2 IS NULL OR d.event_id = ?2) AND (?3 IS NULL OR d.status = ?3)
        ORDER BY d.id DESC LIMIT ?4`,
      query.endpointId ?? null,
      query.eventId ?? null,
      query.status ?? null,
      query.limit,
    ).map((row) => ({
      eventId: row.event_id as string,
      eventType: row.type as string,
      endpointId: row.endpoint_id as string,
      status: row.status as MessageDelivery['status'],
      attempts: row.attempts as number,
      nextAttemptAt: (row.next_at as number | null) ?? null,
      lastStatus: (row.last_status as number | null) ?? null,
      lastError: (row.last_error as string | null) ?? null,
      createdAt: row.created_at as number,
      updatedAt: row.updated_at as number,
    }));
  }

  // ---- VAPID -------------------------------------------------------------------------------------------

  /** The project's VAPID keys, made on first use. */
  async vapidKeys(): Promise<VapidKeys> {
    const row = this.one<{ public_key: string; private_jwk: string; subject: string }>('SELECT * FROM vapid WHERE id = 1');
    if (row) return { publicKey: row.public_key, privateJwk: JSON.parse(row.private_jwk) as JsonWebKey, subject: row.subject };
    return this.storeVapid(await generateVapidKeys());
  }

  async vapidPublic(): Promise<{ publicKey: string; subject: string; createdAt: number }> {
    const keys = await this.vapidKeys();
    const { created_at } = this.one<{ created_at: number }>('SELECT created_at FROM vapid WHERE id = 1')!;
    return { publicKey: keys.publicKey, subject: keys.subject, createdAt: created_at };
  }

  /** Replaces the keys; browsers subscribed with the old public key must subscribe again. */
  async setVapidKeys(keys: VapidKeys): Promise<{ publicKey: string; subject: string; createdAt: number }> {
    this.storeVapid(keys);
    return this.vapidPublic();
  }

  async setVapidSubject(subject: string): Promise<{ publicKey: string; subject: string; createdAt: number }> {
    await this.vapidKeys();
    this.run('UPDATE vapid SET subject = ? WHERE id = 1', subject);
    return this.vapidPublic();
  }

  private storeVapid(keys: VapidKeys): VapidKeys {
    this.run(
      'INSERT OR REPLACE INTO vapid (id, public_key, private_jwk, subject, created_at) VALUES (1, ?, ?, ?, ?)',
      keys.publicKey,
      JSON.stringify(keys.privateJwk),
      keys.subject,
      Date.now(),
    );
    return keys;
  }
}

interface PushJobRow {
  id: number;
  order_id: string;
  user_id: string;
  invitation_id: string;
  kind: 'ring' | 'close';
  subscription: string;
  invitation: string;
  state: string;
  deadline: number;
  attempts: number;
  next_at: number;
}

interface EndpointRow {
  id: string;
  url: string;
  secret: string;
  description: string | null;
  events: string | null;
  enabled: number;
  disabled_reason: string | null;
  source: 'api' | 'config';
  created_at: number;
  updated_at: number;
}

interface AttemptRow {
  id: number;
  delivery_id: number;
  event_id: string;
  endpoint_id: string;
  attempt: number;
  at: number;
  status: number | null;
  error: string | null;
  duration_ms: number;
  next_at: number | null;
}

function endpointFromRow(row: EndpointRow): WebhookEndpoint {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events: row.events ? (JSON.parse(row.events) as WebhookEventType[]) : null,
    enabled: row.enabled === 1,
    disabledReason: row.disabled_reason,
    source: row.source,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function projectHubStub(env: HubEnv, projectId: string): DurableObjectStub<ProjectHub> {
  return env.ProjectHub.get(env.ProjectHub.idFromName(projectId));
}
