/**
 * A user's push subscriptions and the invitations pushed to them, kept in that user's inbox storage. This
 * module owns the inbox's `push_subscription` and `push_rang` tables and creates them on first use.
 */

export interface PushSubscriptionRecord {
  endpoint: string;
  keys: { p256dh: string; auth: string };
  /** The device that registered it: answers from its notification count as answered on that device. */
  deviceId: string;
  /** Where the service worker reaches the REST API to answer (the origin the subscription was registered through). */
  apiBase: string;
  createdAt: number;
  /** From the browser's PushSubscription, when it announced one. */
  expirationTime: number | null;
}

/** Most subscriptions one user keeps; the oldest go first. */
export const MAX_PUSH_SUBSCRIPTIONS = 20;

/** How long an invitation is remembered as pushed; invitations live far shorter. */
const PUSHED_RETENTION_MS = 24 * 3600_000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS push_subscription (
  endpoint TEXT PRIMARY KEY, p256dh TEXT NOT NULL, auth TEXT NOT NULL, device_id TEXT NOT NULL,
  api_base TEXT NOT NULL, created_at INTEGER NOT NULL, expiration_time INTEGER
);
CREATE TABLE IF NOT EXISTS push_rang (invitation_id TEXT PRIMARY KEY, at INTEGER NOT NULL);
`;

const ready = new WeakSet<SqlStorage>();
function ensure(sql: SqlStorage): SqlStorage {
  if (!ready.has(sql)) {
    sql.exec(SCHEMA);
    ready.add(sql);
  }
  return sql;
}

type SubscriptionRow = {
  endpoint: string;
  p256dh: string;
  auth: string;
  device_id: string;
  api_base: string;
  created_at: number;
  expiration_time: number | null;
};

export function listPushSubscriptions(sql: SqlStorage, now = Date.now()): PushSubscriptionRecord[] {
  return ensure(sql)
    .exec<SubscriptionRow>('SELECT * FROM push_subscription WHERE expiration_time IS NULL OR expiration_time > ? ORDER BY created_at', now)
    .toArray()
    .map((row) => ({
      endpoint: row.endpoint,
      keys: { p256dh: row.p256dh, auth: row.auth },
      deviceId: row.device_id,
      apiBase: row.api_base,
      createdAt: row.created_at,
      expirationTime: row.expiration_time ?? null,
    }));
}

export function savePushSubscription(sql: SqlStorage, record: PushSubscriptionRecord): void {
  ensure(sql).exec(
    'INSERT OR REPLACE INTO push_subscription (endpoint, p256dh, auth, device_id, api_base, created_at, expiration_time) VALUES (?, ?, ?, ?, ?, ?, ?)',
    record.endpoint,
    record.keys.p256dh,
    record.keys.auth,
    record.deviceId,
    record.apiBase,
    record.createdAt,
    record.expirationTime,
  );
  sql.exec(
    'DELETE FROM push_subscription WHERE endpoint NOT IN (SELECT endpoint FROM push_subscription ORDER BY created_at DESC LIMIT ?)',
    MAX_PUSH_SUBSCRIPTIONS,
  );
}

/** True when the subscription was there. */
export function removePushSubscription(sql: SqlStorage, endpoint: string): boolean {
  return ensure(sql).exec('DELETE FROM push_subscription WHERE endpoint = ?', endpoint).rowsWritten > 0;
}

/** Remembers that an invitation was pushed, so its outcome closes the notification. */
export function markPushed(sql: SqlStorage, invitationId: string): void {
  ensure(sql).exec('INSERT OR IGNORE INTO push_rang (invitation_id, at) VALUES (?, ?)', invitationId, Date.now());
  sql.exec('DELETE FROM push_rang WHERE at < ?', Date.now() - PUSHED_RETENTION_MS);
}

/** Whether an invitation was pushed. */
export function wasPushed(sql: SqlStorage, invitationId: string): boolean {
  return ensure(sql).exec('SELECT 1 FROM push_rang WHERE invitation_id = ?', invitationId).toArray().length > 0;
}

/** Whether any invitation is remembered as pushed. */
export function anyPushed(sql: SqlStorage): boolean {
  return ensure(sql).exec('SELECT 1 FROM push_rang LIMIT 1').toArray().length > 0;
}

/** Forgets that an invitation was pushed; true when it was. */
export function takePushed(sql: SqlStorage, invitationId: string): boolean {
  return ensure(sql).exec('DELETE FROM push_rang WHERE invitation_id = ?', invitationId).rowsWritten > 0;
}
