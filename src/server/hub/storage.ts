import type { InviteeState } from '../../protocol/types.js';
import type { VapidKeys } from '../push/crypto.js';
import { addMissingColumn } from '../sql-migrate.js';
import type { PushSubscriptionRecord } from '../push/subscriptions.js';
import type { InvitationSummary, WebhookEndpoint, WebhookEventType } from '../webhooks.js';
import type { AttemptRecord, DeliveryAttempt, DeliveryStatus, DueDelivery, EndpointSettings, MessageDelivery, PushJob, PushJobInput } from './types.js';

/**
 * Everything a ProjectHub keeps, and all the SQL it runs: webhook endpoints, the webhook outbox (events, one
 * delivery per event and endpoint) with its attempts log, Web Push jobs, the VAPID keys and the project id.
 * Every method is synchronous, so calls made without an await between them run as one step no request interleaves.
 * One module on purpose, a little over the usual size: all of the hub's SQL and its schema are read in one place.
 */

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
  ordering_key TEXT,
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
  missed_calls INTEGER,
  UNIQUE (order_id, subscription)
);
CREATE INDEX IF NOT EXISTS push_job_due ON push_job (next_at);
CREATE TABLE IF NOT EXISTS vapid (id INTEGER PRIMARY KEY CHECK (id = 1), public_key TEXT NOT NULL, private_jwk TEXT NOT NULL, subject TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS meta (id INTEGER PRIMARY KEY CHECK (id = 1), project_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS housekeeping (id INTEGER PRIMARY KEY CHECK (id = 1), last_prune INTEGER NOT NULL);
INSERT OR IGNORE INTO housekeeping (id, last_prune) VALUES (1, 0);
CREATE TABLE IF NOT EXISTS config_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL);
INSERT OR IGNORE INTO config_version (id, version) VALUES (1, 0);
CREATE TABLE IF NOT EXISTS hub_shard (shard INTEGER PRIMARY KEY);
`;

/**
 * After the migrations: the unsent deliveries of an ordering key, oldest first, for the ordering rule, and by key
 * alone for an arriving event (HubStorage.eventStanding). Partial: deliveries whose first attempt ended leave them.
 */
const ORDERING_INDEX = `CREATE INDEX IF NOT EXISTS delivery_unsent ON delivery (endpoint_id, ordering_key, id) WHERE status = 'pending' AND attempts = 0;
CREATE INDEX IF NOT EXISTS delivery_unsent_key ON delivery (ordering_key) WHERE status = 'pending' AND attempts = 0;`;

/**
 * A pending delivery may go out when no delivery of the same endpoint and ordering key taken before it still waits
 * for its first attempt to end: one invitation's events reach an endpoint in the order the hub took them (a retry
 * may still come after later events).
 */
const MAY_GO = `NOT EXISTS (SELECT 1 FROM delivery p WHERE p.endpoint_id = d.endpoint_id AND p.ordering_key = d.ordering_key
                  AND p.status = 'pending' AND p.attempts = 0 AND p.id < d.id)`;

/** Attempt ids keep the hub's slot (0: the project's object, n + 1: shard n) in their low 7 bits. */
const SLOT_BITS = 128;
/** Above the slot, ids count sixteenths of a millisecond, so ids from every shard sort by time. */
const TICKS_PER_MS = 16;

type EndpointRow = {
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
};

type DueDeliveryRow = { id: number; event_id: string; endpoint_id: string; attempts: number; url: string; secret: string; body: string };

type AttemptRow = {
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
};

type MessageRow = {
  event_id: string;
  type: string;
  endpoint_id: string;
  status: DeliveryStatus;
  attempts: number;
  next_at: number | null;
  last_status: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
};

type PushJobRow = {
  id: number;
  order_id: string;
  user_id: string;
  invitation_id: string;
  kind: 'ring' | 'close';
  subscription: string;
  invitation: string;
  state: InviteeState;
  deadline: number;
  attempts: number;
  next_at: number;
  /** Set on a close that tells of a missed call: the user's missed-call count. */
  missed_calls: number | null;
};

type VapidRow = { public_key: string; private_jwk: string; subject: string; created_at: number };

type Row = Record<string, SqlStorageValue>;

const encodeEvents = (events: WebhookEventType[] | null | undefined): string | null => (events?.length ? JSON.stringify(events) : null);
const decodeEvents = (events: string | null): WebhookEventType[] | null => (events ? (JSON.parse(events) as WebhookEventType[]) : null);

function endpointFromRow(row: EndpointRow): WebhookEndpoint {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events: decodeEvents(row.events),
    enabled: row.enabled === 1,
    disabledReason: row.disabled_reason,
    source: row.source,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export class HubStorage {
  /** The config version as last read or written (only this object writes it). */
  private version: number | undefined;
  /** The tick of the newest attempt id (see SLOT_BITS), read once, then kept. */
  private lastTick: number | undefined;

  constructor(private readonly sql: SqlStorage) {
    sql.exec(SCHEMA);
    // Hubs from before missed-call notifications, and from before sharding.
    addMissingColumn(sql, 'push_job', 'missed_calls', 'INTEGER');
    addMissingColumn(sql, 'delivery', 'ordering_key', 'TEXT');
    sql.exec(ORDERING_INDEX);
  }

  private rows<T extends Row>(query: string, ...bindings: SqlStorageValue[]): T[] {
    return this.sql.exec<T>(query, ...bindings).toArray();
  }

  private one<T extends Row>(query: string, ...bindings: SqlStorageValue[]): T | undefined {
    return this.rows<T>(query, ...bindings)[0];
  }

  private run(query: string, ...bindings: SqlStorageValue[]): number {
    return this.sql.exec(query, ...bindings).rowsWritten;
  }

  // ---- the project ------------------------------------------------------------------------------------------

  /** Keeps the object's name: an alarm can wake the object without it (seen after a local restart). */
  rememberName(name: string): void {
    if (this.name() !== name) this.run('INSERT OR REPLACE INTO meta (id, project_id) VALUES (1, ?)', name);
  }

  /** The kept name; empty when none was kept yet. */
  name(): string {
    return this.one<{ project_id: string }>('SELECT project_id FROM meta WHERE id = 1')?.project_id ?? '';
  }

  // ---- shards (kept by the project's object) ----------------------------------------------------------------

  /** The version of the endpoints and keys shards copy; moves on with every change. Read once, then known. */
  configVersion(): number {
    return (this.version ??= this.one<{ version: number }>('SELECT version FROM config_version WHERE id = 1')?.version ?? 0);
  }

  /** On a shard: the version of the copy it holds. */
  setConfigVersion(version: number): void {
    this.run('UPDATE config_version SET version = ? WHERE id = 1', version);
    this.version = version;
  }

  bumpConfigVersion(): number {
    this.run('UPDATE config_version SET version = version + 1 WHERE id = 1');
    this.version = undefined;
    return this.configVersion();
  }

  /** Notes a shard that took events; true when it is new. */
  addShard(shard: number): boolean {
    return this.run('INSERT OR IGNORE INTO hub_shard (shard) VALUES (?)', shard) > 0;
  }

  shards(): number[] {
    return this.rows<{ shard: number }>('SELECT shard FROM hub_shard ORDER BY shard').map((row) => row.shard);
  }

  // ---- endpoints --------------------------------------------------------------------------------------------

  /** Enabled endpoints: where they are, their secret and the event types each wants (null: all). */
  enabledEndpoints(): Array<{ id: string; url: string; secret: string; events: WebhookEventType[] | null }> {
    return this.rows<{ id: string; url: string; secret: string; events: string | null }>('SELECT id, url, secret, events FROM endpoint WHERE enabled = 1').map(
      (row) => ({ id: row.id, url: row.url, secret: row.secret, events: decodeEvents(row.events) }),
    );
  }

  listEndpoints(): WebhookEndpoint[] {
    return this.rows<EndpointRow>('SELECT * FROM endpoint ORDER BY created_at, id').map(endpointFromRow);
  }

  endpoint(id: string): WebhookEndpoint | null {
    const row = this.one<EndpointRow>('SELECT * FROM endpoint WHERE id = ?', id);
    return row ? endpointFromRow(row) : null;
  }

  /** How many endpoints were made through the API. */
  apiEndpointCount(): number {
    return this.one<{ n: number }>("SELECT count(*) AS n FROM endpoint WHERE source = 'api'")?.n ?? 0;
  }

  endpointSecret(id: string): string | null {
    return this.one<{ secret: string }>('SELECT secret FROM endpoint WHERE id = ?', id)?.secret ?? null;
  }

  /** Adds an endpoint made through the API; a disabled one is recorded as turned off by hand. */
  insertEndpoint(id: string, settings: EndpointSettings, enabled: boolean, now: number): void {
    this.run(
      "INSERT INTO endpoint (id, url, secret, description, events, enabled, disabled_reason, source, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'api', ?, ?)",
      id,
      settings.url,
      settings.secret,
      settings.description,
      encodeEvents(settings.events),
      enabled ? 1 : 0,
      enabled ? null : 'manual',
      now,
      now,
    );
  }

  /** Adds or refreshes an endpoint from the configuration, leaving its url, enabled state and history alone. */
  upsertConfiguredEndpoint(id: string, settings: EndpointSettings, now: number): void {
    this.run(
      `INSERT INTO endpoint (id, url, secret, description, events, enabled, source, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, 1, 'config', ?, ?)
       ON CONFLICT (id) DO UPDATE SET secret = excluded.secret, description = excluded.description, events = excluded.events`,
      id,
      settings.url,
      settings.secret,
      settings.description,
      encodeEvents(settings.events),
      now,
      now,
    );
  }

  /** Every endpoint with its secret: what shards copy. */
  endpointsWithSecrets(): Array<WebhookEndpoint & { secret: string }> {
    return this.rows<EndpointRow>('SELECT * FROM endpoint ORDER BY created_at, id').map((row) => ({ ...endpointFromRow(row), secret: row.secret }));
  }

  /** Adds an endpoint as the project's object has it, in a shard's copy. */
  insertEndpointCopy(endpoint: WebhookEndpoint & { secret: string }): void {
    this.run(
      'INSERT INTO endpoint (id, url, secret, description, events, enabled, disabled_reason, source, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      endpoint.id,
      endpoint.url,
      endpoint.secret,
      endpoint.description,
      encodeEvents(endpoint.events),
      endpoint.enabled ? 1 : 0,
      endpoint.disabledReason,
      endpoint.source,
      endpoint.createdAt,
      endpoint.updatedAt,
    );
  }

  configuredEndpointIds(): string[] {
    return this.rows<{ id: string }>("SELECT id FROM endpoint WHERE source = 'config'").map((row) => row.id);
  }

  /** Changes the given settings of an endpoint; fields left undefined stay as they are. */
  updateEndpointSettings(id: string, patch: Partial<EndpointSettings>): void {
    if (patch.url !== undefined) this.run('UPDATE endpoint SET url = ? WHERE id = ?', patch.url, id);
    if (patch.secret !== undefined) this.run('UPDATE endpoint SET secret = ? WHERE id = ?', patch.secret, id);
    if (patch.description !== undefined) this.run('UPDATE endpoint SET description = ? WHERE id = ?', patch.description, id);
    if (patch.events !== undefined) this.run('UPDATE endpoint SET events = ? WHERE id = ?', encodeEvents(patch.events), id);
  }

  enableEndpoint(id: string): void {
    this.run('UPDATE endpoint SET enabled = 1, disabled_reason = NULL WHERE id = ?', id);
  }

  /** Stops sending to an endpoint: its pending deliveries fail. */
  disableEndpoint(id: string, reason: string, now: number): void {
    this.run('UPDATE endpoint SET enabled = 0, disabled_reason = ?, updated_at = ? WHERE id = ?', reason, now, id);
    this.run(
      "UPDATE delivery SET status = 'failed', next_at = NULL, last_error = coalesce(last_error, 'endpoint disabled'), updated_at = ? WHERE endpoint_id = ? AND status = 'pending'",
      now,
      id,
    );
  }

  touchEndpoint(id: string, now: number): void {
    this.run('UPDATE endpoint SET updated_at = ? WHERE id = ?', now, id);
  }

  /** Deletes an endpoint; with `dropPending`, its pending deliveries go too, else they stay as they are. */
  deleteEndpoint(id: string, dropPending: boolean): void {
    if (dropPending) this.run("DELETE FROM delivery WHERE endpoint_id = ? AND status = 'pending'", id);
    this.run('DELETE FROM endpoint WHERE id = ?', id);
  }

  // ---- the webhook outbox -----------------------------------------------------------------------------------

  /** Whether an arriving event was taken before, and whether an unsent delivery of its key is in the table. */
  eventStanding(id: string, orderingKey: string): { seen: boolean; waiting: boolean } {
    const row = this.one<{ seen: number | null; waiting: number | null }>(
      `SELECT (SELECT 1 FROM event WHERE id = ?1) AS seen,
              (SELECT 1 FROM delivery WHERE ordering_key = ?2 AND status = 'pending' AND attempts = 0 LIMIT 1) AS waiting`,
      id,
      orderingKey,
    );
    return { seen: row?.seen === 1, waiting: row?.waiting === 1 };
  }

  /**
   * Stores an event and its deliveries: with the first attempt's `record` (logged too), `failed` (never sent), or
   * pending, due at `nextAt`. Answers the deliveries' ids.
   */
  storeEvent(
    event: { id: string; type: WebhookEventType; body: string; orderingKey: string; taken: number },
    deliveries: Array<{ endpointId: string; nextAt: number; record?: AttemptRecord | null; failed?: string }>,
    now: number,
    slot: number,
  ): number[] {
    this.run('INSERT INTO event (id, type, body, created_at) VALUES (?, ?, ?, ?)', event.id, event.type, event.body, event.taken);
    return deliveries.map((delivery) => {
      const record = delivery.record ?? null;
      const status = record?.status ?? (delivery.failed ? 'failed' : 'pending');
      const id = this.one<{ id: number }>(
        `INSERT INTO delivery (event_id, endpoint_id, status, attempts, next_at, last_status, last_error, created_at, updated_at, ordering_key)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
        event.id,
        delivery.endpointId,
        status,
        record?.attempt ?? 0,
        record ? record.nextAt : delivery.failed ? null : delivery.nextAt,
        record?.httpStatus ?? null,
        record?.error ?? delivery.failed ?? null,
        event.taken,
        record || delivery.failed ? now : event.taken,
        event.orderingKey,
      )!.id;
      if (record) this.logAttempt(id, event.id, delivery.endpointId, record, slot);
      return id;
    });
  }

  /** Stores an event and a pending delivery of it to each endpoint, due now, in order behind others of its key. */
  queueEvent(event: { id: string; type: WebhookEventType; body: string; orderingKey: string }, endpointIds: string[], now: number): void {
    this.run('INSERT OR IGNORE INTO event (id, type, body, created_at) VALUES (?, ?, ?, ?)', event.id, event.type, event.body, now);
    for (const endpointId of endpointIds) {
      this.run(
        "INSERT OR IGNORE INTO delivery (event_id, endpoint_id, status, next_at, created_at, updated_at, ordering_key) VALUES (?, ?, 'pending', ?, ?, ?, ?)",
        event.id,
        endpointId,
        now,
        now,
        now,
        event.orderingKey,
      );
    }
  }

  /** Moves a pending delivery's next attempt (its lease) to `nextAt`. */
  leaseDelivery(id: number, nextAt: number): void {
    this.run("UPDATE delivery SET next_at = ? WHERE id = ? AND status = 'pending'", nextAt, id);
  }

  /** A pending delivery whose endpoint was turned off before its first attempt: failed, never sent. */
  failUnsent(id: number, reason: string, now: number): void {
    this.run(
      "UPDATE delivery SET status = 'failed', next_at = NULL, last_error = coalesce(last_error, ?), updated_at = ? WHERE id = ? AND status = 'pending'",
      reason,
      now,
      id,
    );
  }

  /** Takes up to `limit` due deliveries to enabled endpoints and leases them until `leaseUntil`. */
  leaseDueDeliveries(now: number, leaseUntil: number, limit: number): DueDelivery[] {
    const due = this.rows<DueDeliveryRow>(
      `SELECT d.id, d.event_id, d.endpoint_id, d.attempts, e.url, e.secret, ev.body
         FROM delivery d JOIN endpoint e ON e.id = d.endpoint_id JOIN event ev ON ev.id = d.event_id
        WHERE d.status = 'pending' AND d.next_at <= ? AND e.enabled = 1 AND ${MAY_GO} ORDER BY d.next_at, d.id LIMIT ?`,
      now,
      limit,
    );
    if (due.length > 0)
      this.run('UPDATE delivery SET next_at = ? WHERE id IN (SELECT value FROM json_each(?))', leaseUntil, JSON.stringify(due.map((row) => row.id)));
    return due.map((row) => ({
      id: row.id,
      eventId: row.event_id,
      endpointId: row.endpoint_id,
      attempts: row.attempts,
      url: row.url,
      secret: row.secret,
      body: row.body,
    }));
  }

  /** Logs one attempt and moves its delivery on. `slot` names this hub in the attempt's id (see SLOT_BITS). */
  recordAttempt(delivery: { id: number; eventId: string; endpointId: string }, record: AttemptRecord, now: number, slot: number): void {
    this.run(
      'UPDATE delivery SET status = ?, attempts = ?, next_at = ?, last_status = ?, last_error = ?, updated_at = ? WHERE id = ?',
      record.status,
      record.attempt,
      record.nextAt,
      record.httpStatus,
      record.error,
      now,
      delivery.id,
    );
    this.logAttempt(delivery.id, delivery.eventId, delivery.endpointId, record, slot);
  }

  private logAttempt(deliveryId: number, eventId: string, endpointId: string, record: AttemptRecord, slot: number): void {
    this.lastTick ??= Math.floor((this.one<{ id: number | null }>('SELECT max(id) AS id FROM attempt')?.id ?? 0) / SLOT_BITS);
    const tick = Math.max(this.lastTick + 1, Math.floor(record.startedAt * TICKS_PER_MS));
    this.lastTick = tick;
    this.run(
      'INSERT INTO attempt (id, delivery_id, event_id, endpoint_id, attempt, at, status, error, duration_ms, next_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      tick * SLOT_BITS + slot,
      deliveryId,
      eventId,
      endpointId,
      record.attempt,
      record.startedAt,
      record.httpStatus,
      record.error,
      record.durationMs,
      record.nextAt,
    );
  }

  /** The attempts log, newest first. */
  listAttempts(query: { endpointId?: string; eventId?: string; limit: number; before?: number }): DeliveryAttempt[] {
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

  /** Deliveries and where each stands, newest first. */
  listMessages(query: { endpointId?: string; eventId?: string; status?: string; limit: number }): MessageDelivery[] {
    return this.rows<MessageRow>(
      `SELECT d.*, ev.type FROM delivery d JOIN event ev ON ev.id = d.event_id
        WHERE (?1 IS NULL OR d.endpoint_id = ?1) AND (?2 IS NULL OR d.event_id = ?2) AND (?3 IS NULL OR d.status = ?3)
        ORDER BY d.id DESC LIMIT ?4`,
      query.endpointId ?? null,
      query.eventId ?? null,
      query.status ?? null,
      query.limit,
    ).map((row) => ({
      eventId: row.event_id,
      eventType: row.type,
      endpointId: row.endpoint_id,
      status: row.status,
      attempts: row.attempts,
      nextAttemptAt: row.next_at ?? null,
      lastStatus: row.last_status ?? null,
      lastError: row.last_error ?? null,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    }));
  }

  lastPruneAt(): number {
    return this.one<{ last_prune: number }>('SELECT last_prune FROM housekeeping WHERE id = 1')?.last_prune ?? 0;
  }

  /** Forgets finished deliveries, their events and attempts older than `cutoff`. */
  prune(cutoff: number, now: number): void {
    this.run("DELETE FROM delivery WHERE status != 'pending' AND updated_at < ?", cutoff);
    this.run('DELETE FROM event WHERE created_at < ? AND id NOT IN (SELECT event_id FROM delivery)', cutoff);
    this.run('DELETE FROM attempt WHERE at < ?', cutoff);
    this.run('UPDATE housekeeping SET last_prune = ? WHERE id = 1', now);
  }

  // ---- push jobs --------------------------------------------------------------------------------------------

  /** Drops a ring not yet sent to a subscription; true when there was one. */
  dropUnsentRing(invitationId: string, userId: string, endpoint: string): boolean {
    return (
      this.run(
        "DELETE FROM push_job WHERE kind = 'ring' AND invitation_id = ? AND user_id = ? AND json_extract(subscription, '$.endpoint') = ?",
        invitationId,
        userId,
        endpoint,
      ) > 0
    );
  }

  /** Queues a push, due now; once per order and subscription. */
  queuePush(job: PushJobInput, now: number): void {
    this.run(
      `INSERT OR IGNORE INTO push_job (order_id, user_id, invitation_id, kind, subscription, invitation, state, deadline, next_at, missed_calls)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      job.orderId,
      job.userId,
      job.invitationId,
      job.kind,
      JSON.stringify(job.subscription),
      JSON.stringify(job.invitation),
      job.state,
      job.deadline,
      now,
      job.missed?.missedCalls ?? null,
    );
  }

  /** Takes up to `limit` due pushes and leases them until `leaseUntil`, as `leaseDueDeliveries` does. */
  leaseDuePushes(now: number, leaseUntil: number, limit: number): PushJob[] {
    const due = this.rows<PushJobRow>('SELECT * FROM push_job WHERE next_at <= ? ORDER BY next_at, id LIMIT ?', now, limit);
    for (const row of due) this.run('UPDATE push_job SET next_at = ? WHERE id = ?', leaseUntil, row.id);
    return due.map((row) => ({
      id: row.id,
      orderId: row.order_id,
      userId: row.user_id,
      invitationId: row.invitation_id,
      kind: row.kind,
      subscription: JSON.parse(row.subscription) as PushSubscriptionRecord,
      invitation: JSON.parse(row.invitation) as InvitationSummary,
      state: row.state,
      ...(row.missed_calls === null ? {} : { missed: { missedCalls: row.missed_calls } }),
      deadline: row.deadline,
      attempts: row.attempts,
    }));
  }

  deletePush(id: number): void {
    this.run('DELETE FROM push_job WHERE id = ?', id);
  }

  /** Drops every queued push of a user to one subscription. */
  deletePushesTo(userId: string, endpoint: string): void {
    this.run("DELETE FROM push_job WHERE user_id = ? AND json_extract(subscription, '$.endpoint') = ?", userId, endpoint);
  }

  retryPush(id: number, nextAt: number): void {
    this.run('UPDATE push_job SET attempts = attempts + 1, next_at = ? WHERE id = ?', nextAt, id);
  }

  // ---- both outboxes ----------------------------------------------------------------------------------------

  /** When the next delivery or push is due; null when nothing waits. */
  nextDueAt(): number | null {
    return (
      this.one<{ at: number | null }>(
        `SELECT min(at) AS at FROM (
           SELECT min(d.next_at) AS at FROM delivery d JOIN endpoint e ON e.id = d.endpoint_id WHERE d.status = 'pending' AND e.enabled = 1 AND ${MAY_GO}
           UNION ALL SELECT min(next_at) FROM push_job)`,
      )?.at ?? null
    );
  }

  // ---- VAPID ------------------------------------------------------------------------------------------------

  vapid(): { keys: VapidKeys; createdAt: number } | null {
    const row = this.one<VapidRow>('SELECT public_key, private_jwk, subject, created_at FROM vapid WHERE id = 1');
    if (!row) return null;
    return { keys: { publicKey: row.public_key, privateJwk: JSON.parse(row.private_jwk) as JsonWebKey, subject: row.subject }, createdAt: row.created_at };
  }

  storeVapid(keys: VapidKeys, now: number): void {
    this.run(
      'INSERT OR REPLACE INTO vapid (id, public_key, private_jwk, subject, created_at) VALUES (1, ?, ?, ?, ?)',
      keys.publicKey,
      JSON.stringify(keys.privateJwk),
      keys.subject,
      now,
    );
  }

  setVapidSubject(subject: string): void {
    this.run('UPDATE vapid SET subject = ? WHERE id = 1', subject);
  }
}
