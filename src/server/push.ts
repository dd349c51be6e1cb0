import { SignJWT, importJWK, jwtVerify } from 'jose';
import type { PushMessage, RingMessage } from '../sw/messages.js';
import { retryAfterMs } from './webhooks.js';

/**
 * Web Push from the Worker: VAPID (RFC 8292) and aes128gcm message encryption (RFC 8291, RFC 8188) on Web Crypto.
 *
 * The encryption is written here rather than taken from a library: `web-push` needs Node's crypto and http
 * modules, which workerd lacks, and the Web Crypto ports we looked at refuse non-https endpoints, which
 * rules out a push service on loopback for local development and tests. It is a few dozen lines of HKDF
 * and AES-GCM, checked in test/push.test.ts against the independent `http_ece` implementation.
 */

const encoder = new TextEncoder();
/** UTF-8 bytes on their own ArrayBuffer, as Web Crypto's typings want. */
const utf8 = (text: string): Uint8Array<ArrayBuffer> => new Uint8Array(encoder.encode(text));

export function base64url(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let binary = '';
  for (const byte of view) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function fromBase64url(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(text.length / 4) * 4, '='));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

async function hkdf(salt: Uint8Array<ArrayBuffer>, ikm: Uint8Array<ArrayBuffer>, info: Uint8Array<ArrayBuffer>, length: number): Promise<Uint8Array<ArrayBuffer>> {
  const key = await crypto.subtle.importKey('raw', ikm, 'HKDF', false, ['deriveBits']);
  return new Uint8Array(await crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt, info }, key, length * 8));
}

/** The record size announced in the header; one record carries the whole message. */
const RECORD_SIZE = 4096;
/** Push services accept 4096 bytes of body; the header (86) and the tag and delimiter (17) leave this much. */
export const MAX_PUSH_PLAINTEXT = RECORD_SIZE - 86 - 17;

/** Encrypts one push message for a subscription's keys (`p256dh`, `auth`) as a single aes128gcm record. */
export async function encryptPushPayload(plaintext: Uint8Array, keys: { p256dh: string; auth: string }): Promise<Uint8Array<ArrayBuffer>> {
  if (plaintext.length > MAX_PUSH_PLAINTEXT) throw new RangeError(`push payloads are limited to ${MAX_PUSH_PLAINTEXT} bytes`);
  const uaPublic = fromBase64url(keys.p256dh);
  const authSecret = fromBase64url(keys.auth);
  const local = (await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits'])) as CryptoKeyPair;
  const asPublic = new Uint8Array((await crypto.subtle.exportKey('raw', local.publicKey)) as ArrayBuffer);
  const uaKey = await crypto.subtle.importKey('raw', uaPublic, { name: 'ECDH', namedCurve: 'P-256' }, false, []);
  const ecdhSecret = new Uint8Array(await crypto.subtle.deriveBits({ name: 'ECDH', public: uaKey } as SubtleCryptoDeriveKeyAlgorithm, local.privateKey, 256));
  // RFC 8291 §3.4: the input keying material binds the shared secret to both public keys and the auth secret.
  const ikm = await hkdf(authSecret, ecdhSecret, concat(encoder.encode('WebPush: info\0'), uaPublic, asPublic), 32);
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const cek = await hkdf(salt, ikm, utf8('Content-Encoding: aes128gcm\0'), 16);
  const nonce = await hkdf(salt, ikm, utf8('Content-Encoding: nonce\0'), 12);
  const key = await crypto.subtle.importKey('raw', cek, 'AES-GCM', false, ['encrypt']);
  // 0x02 marks the last (here: only) record, without padding.
  const ciphertext = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: nonce, tagLength: 128 }, key, concat(plaintext, new Uint8Array([2]))));
  const header = new Uint8Array(21);
  new DataView(header.buffer).setUint32(16, RECORD_SIZE);
  header.set(salt, 0);
  header[20] = asPublic.length;
  return concat(header, asPublic, ciphertext);
}

// ---- VAPID ------------------------------------------------------------------------------------------------

export interface VapidKeys {
  /** The uncompressed P-256 public key, base64url: the browser's `applicationServerKey`. */
  publicKey: string;
  /** The private key as a JWK (kty EC, crv P-256, with d). */
  privateJwk: JsonWebKey;
  /** A `mailto:` or `https:` contact the push service may use. */
  subject: string;
}

export const DEFAULT_VAPID_SUBJECT = 'mailto:push@baxcloud.invalid';

export async function generateVapidKeys(subject = DEFAULT_VAPID_SUBJECT): Promise<VapidKeys> {
  const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
  const privateJwk = (await crypto.subtle.exportKey('jwk', pair.privateKey)) as JsonWebKey;
  const publicKey = base64url((await crypto.subtle.exportKey('raw', pair.publicKey)) as ArrayBuffer);
  return { publicKey, privateJwk: { kty: 'EC', crv: 'P-256', x: privateJwk.x, y: privateJwk.y, d: privateJwk.d }, subject };
}

/** Builds VAPID keys from the base64url pair `web-push generate-vapid-keys` prints, checking they match. */
export async function importVapidKeys(publicKey: string, privateKey: string, subject: string): Promise<VapidKeys> {
  const raw = fromBase64url(publicKey);
  const d = fromBase64url(privateKey);
  if (raw.length !== 65 || raw[0] !== 4 || d.length !== 32) throw new TypeError('expected a 65-byte uncompressed P-256 public key and a 32-byte private key, base64url');
  const privateJwk: JsonWebKey = { kty: 'EC', crv: 'P-256', x: base64url(raw.slice(1, 33)), y: base64url(raw.slice(33, 65)), d: base64url(d) };
  // Signing and verifying once proves the two halves belong together.
  const signer = await crypto.subtle.importKey('jwk', privateJwk, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
  const verifier = await crypto.subtle.importKey('raw', raw, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
  const probe = encoder.encode('vapid');
  const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, signer, probe);
  if (!(await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, verifier, signature, probe))) throw new TypeError('the private key does not match the public key');
  return { publicKey, privateJwk, subject };
}

export function validVapidSubject(subject: string): boolean {
  return /^mailto:[^\s@]+@[^\s@]+$/.test(subject) || /^https:\/\/\S+$/.test(subject);
}

/** The `Authorization: vapid t=…, k=…` header (RFC 8292) for one push service origin. */
export async function vapidAuthorization(endpoint: string, keys: VapidKeys, now = Date.now()): Promise<string> {
  const key = await importJWK(keys.privateJwk, 'ES256');
  // Push services refuse tokens valid for more than 24 hours; 12 leaves room for clock skew.
  const jwt = await new SignJWT({})
    .setProtectedHeader({ typ: 'JWT', alg: 'ES256' })
    .setAudience(new URL(endpoint).origin)
    .setExpirationTime(Math.floor(now / 1000) + 12 * 3600)
    .setSubject(keys.subject)
    .sign(key);
  return `vapid t=${jwt}, k=${keys.publicKey}`;
}

// ---- subscriptions, stored in each user's inbox ------------------------------------------------------------

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

const PUSH_SCHEMA = `
CREATE TABLE IF NOT EXISTS push_subscription (
  endpoint TEXT PRIMARY KEY, p256dh TEXT NOT NULL, auth TEXT NOT NULL, device_id TEXT NOT NULL,
  api_base TEXT NOT NULL, created_at INTEGER NOT NULL, expiration_time INTEGER
);
CREATE TABLE IF NOT EXISTS push_rang (invitation_id TEXT PRIMARY KEY, at INTEGER NOT NULL);
`;

const ready = new WeakSet<SqlStorage>();
function ensure(sql: SqlStorage): SqlStorage {
  if (!ready.has(sql)) {
    sql.exec(PUSH_SCHEMA);
    ready.add(sql);
  }
  return sql;
}

type Row = Record<string, SqlStorageValue>;

export function listPushSubscriptions(sql: SqlStorage, now = Date.now()): PushSubscriptionRecord[] {
  return ensure(sql)
    .exec<Row>('SELECT * FROM push_subscription WHERE expiration_time IS NULL OR expiration_time > ? ORDER BY created_at', now)
    .toArray()
    .map((row) => ({
      endpoint: row.endpoint as string,
      keys: { p256dh: row.p256dh as string, auth: row.auth as string },
      deviceId: row.device_id as string,
      apiBase: row.api_base as string,
      createdAt: row.created_at as number,
      expirationTime: (row.expiration_time as number | null) ?? null,
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
  sql.exec('DELETE FROM push_subscription WHERE endpoint NOT IN (SELECT endpoint FROM push_subscription ORDER BY created_at DESC LIMIT ?)', MAX_PUSH_SUBSCRIPTIONS);
}

export function removePushSubscription(sql: SqlStorage, endpoint: string): boolean {
  return ensure(sql).exec('DELETE FROM push_subscription WHERE endpoint = ?', endpoint).rowsWritten > 0;
}

/** Remembers that an invitation was pushed, so its outcome closes the notification; true when it was. */
export function markPushed(sql: SqlStorage, invitationId: string): void {
  ensure(sql).exec('INSERT OR IGNORE INTO push_rang (invitation_id, at) VALUES (?, ?)', invitationId, Date.now());
  sql.exec('DELETE FROM push_rang WHERE at < ?', Date.now() - 24 * 3600_000);
}

export function takePushed(sql: SqlStorage, invitationId: string): boolean {
  return ensure(sql).exec('DELETE FROM push_rang WHERE invitation_id = ?', invitationId).rowsWritten > 0;
}

// ---- what the service worker receives ---------------------------------------------------------------------

export type { CloseMessage, PushMessage, RingMessage } from '../sw/messages.js';

/** Keeps a ring inside the push size limit by shortening the free-text fields. */
export function encodePushMessage(message: PushMessage): Uint8Array {
  let bytes = encoder.encode(JSON.stringify(message));
  if (bytes.length <= MAX_PUSH_PLAINTEXT || message.type !== 'ring') return bytes;
  const shorter: RingMessage = { ...message, message: message.message?.slice(0, 200) ?? null, from: { ...message.from, avatarUrl: null } };
  bytes = encoder.encode(JSON.stringify(shorter));
  if (bytes.length <= MAX_PUSH_PLAINTEXT) return bytes;
  return encoder.encode(JSON.stringify({ ...shorter, message: null, roomUrl: null }));
}

// ---- answer tokens ----------------------------------------------------------------------------------------

/**
 * Answer tokens are signed with a key derived from the project secret, never the secret itself, so one can
 * never pass as a user token (which would let a push payload open the user's inbox).
 */
async function answerKey(projectSecret: string): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey('raw', encoder.encode(projectSecret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode('baxcloud-call/answer-token/v1')));
}

export async function createAnswerToken(options: {
  projectId: string;
  projectSecret: string;
  userId: string;
  deviceId: string;
  invitationId: string;
  expiresAt: number;
}): Promise<string> {
  return new SignJWT({ inv: options.invitationId, dev: options.deviceId })
    .setProtectedHeader({ alg: 'HS256', typ: 'bax-answer+jwt' })
    .setSubject(options.userId)
    .setAudience(options.projectId)
    // A little past expiry, so a late tap still gets the clear "already expired" answer rather than "unauthorized".
    .setExpirationTime(Math.floor(options.expiresAt / 1000) + 120)
    .sign(await answerKey(options.projectSecret));
}

export async function verifyAnswerToken(
  token: string,
  projectId: string,
  projectSecret: string,
): Promise<{ userId: string; deviceId: string; invitationId: string } | null> {
  try {
    const { payload } = await jwtVerify(token, await answerKey(projectSecret), { algorithms: ['HS256'], audience: projectId, typ: 'bax-answer+jwt', requiredClaims: ['sub', 'inv', 'exp'] });
    if (typeof payload.inv !== 'string' || typeof payload.sub !== 'string') return null;
    return { userId: payload.sub, deviceId: typeof payload.dev === 'string' ? payload.dev : 'push', invitationId: payload.inv };
  } catch {
    return null;
  }
}

// ---- sending ----------------------------------------------------------------------------------------------

export interface PushOutcome {
  status: number | null;
  ok: boolean;
  /** The subscription no longer exists (404, 410): drop it. */
  gone: boolean;
  /** Worth trying again (network error, 429, 5xx). */
  retry: boolean;
  retryAfterMs: number | null;
  error: string | null;
}

/** Encrypts and posts one message to a push service; never throws. */
export async function sendPush(
  subscription: Pick<PushSubscriptionRecord, 'endpoint' | 'keys'>,
  message: PushMessage,
  options: { keys: VapidKeys; ttlSeconds: number; urgency: 'high' | 'normal'; topic: string; timeoutMs?: number },
): Promise<PushOutcome> {
  try {
    const body = await encryptPushPayload(encodePushMessage(message), subscription.keys);
    const response = await fetch(subscription.endpoint, {
      method: 'POST',
      headers: {
        authorization: await vapidAuthorization(subscription.endpoint, options.keys),
        'content-encoding': 'aes128gcm',
        'content-type': 'application/octet-stream',
        ttl: String(Math.max(0, Math.floor(options.ttlSeconds))),
        urgency: options.urgency,
        topic: options.topic,
      },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    await response.body?.cancel().catch(() => undefined);
    const status = response.status;
    const ok = status >= 200 && status < 300;
    return {
      status,
      ok,
      gone: status === 404 || status === 410,
      retry: status === 429 || status >= 500,
      retryAfterMs: ok ? null : retryAfterMs(response.headers.get('retry-after')),
      error: ok ? null : `HTTP ${status}`,
    };
  } catch (error) {
    return { status: null, ok: false, gone: false, retry: true, retryAfterMs: null, error: String((error as Error)?.message ?? error).slice(0, 200) };
  }
}

/** Push topics are at most 32 base64url characters; an invitation id (22) fits, so a close replaces a queued ring. */
export function pushTopic(invitationId: string): string {
  return invitationId.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 32) || 'invitation';
}
