import { fromBase64, toBase64 } from '../protocol/base64.js';
import type { WebhookEventType } from '../protocol/lists.js';
import type { ParticipantRole, RoomEndReason } from '../protocol/room.js';
import type { CallType, InvitationBase, InviteeState, UserInfo } from '../protocol/types.js';
import type { Env } from './config.js';
import { targetPolicy, targetUrlProblem } from './target-url.js';

/**
 * Signed webhooks after the Standard Webhooks spec (standardwebhooks.com): every message carries
 * `webhook-id`, `webhook-timestamp` and `webhook-signature` (`v1,` + base64 HMAC-SHA256 over
 * `id.timestamp.body`, keyed by the base64 part of a `whsec_` secret). Delivery is at least once from the
 * ProjectHub's durable outbox; a message keeps its `webhook-id` across retries so receivers can drop repeats.
 */

export { WEBHOOK_EVENT_TYPES, type WebhookEventType } from '../protocol/lists.js';

/** One invitee as `invitation.created` reports it: whether a device of theirs was connected and rang. */
export interface CreatedInvitee {
  userId: string;
  /** A device of this user had the app open when the invitation was sent. Push to the others. */
  online: boolean;
  /** The invitation rings on at least one of the invitee's devices. */
  delivered: boolean;
  state: InviteeState;
  reason: string | null;
}

/** An invitation in webhook bodies: the fields every invitee receives. */
export type InvitationSummary = InvitationBase;

export interface InvitationCreatedData {
  projectId: string;
  invitation: InvitationSummary;
  invitees: CreatedInvitee[];
}

/** Every event after creation concerns one invitee, decided by that invitee's inbox. */
export interface InviteeEventData extends Omit<InvitationBase, 'message' | 'metadata'> {
  projectId: string;
  /** The invitee this event is about. */
  userId: string;
  user: UserInfo;
  state: InviteeState;
  reason: string | null;
  /** The decline message, when declined with one. */
  message: string | null;
  /** When it happened (ms). */
  at: number;
  /**
   * On `invitation.canceled` and `invitation.expired`: whether the invitee missed the call, i.e. it rang (reached a
   * connected device or went out by push) and ended unanswered. False for a cancel before it rang anywhere and for a
   * quiet invitation (`ring: false`).
   */
  missed?: boolean;
}

/** A call in a room: `call.started` when its second participant joined, `call.ended` when it ended. */
export interface CallEventData {
  projectId: string;
  roomName: string;
  liveType: CallType;
  /** The same for the start and the end of one call. */
  callId: string;
  startedAt: number;
  /** Null in `call.started`. */
  endedAt: number | null;
  durationMs: number | null;
  /** Why it ended (`hangup`, `last_participant`); null in `call.started`. */
  reason: RoomEndReason | null;
  /** Everyone who took part so far, one entry per user, in the strongest role they had. */
  participants: Array<{ userId: string; role: ParticipantRole }>;
}

type CallEventType = 'call.started' | 'call.ended';

export type WebhookPayload =
  | { type: 'invitation.created'; timestamp: string; data: InvitationCreatedData }
  | { type: Exclude<WebhookEventType, 'invitation.created' | CallEventType>; timestamp: string; data: InviteeEventData }
  | { type: CallEventType; timestamp: string; data: CallEventData };

/** Receivers must accept bodies up to this size; the limits on messages and metadata keep events far below it. */
export const MAX_WEBHOOK_BODY_BYTES = 20 * 1024;

/**
 * The body of a message. The protocol's limits keep events near 12 KB at most; should one still exceed the
 * limit, the free text and metadata are shortened rather than sending a body receivers may refuse.
 */
export function encodeWebhookBody(payload: WebhookPayload): string {
  const body = JSON.stringify(payload);
  // A UTF-16 code unit takes at most 3 bytes in UTF-8: most bodies need no encoding to know they fit.
  if (body.length * 3 <= MAX_WEBHOOK_BODY_BYTES || new TextEncoder().encode(body).byteLength <= MAX_WEBHOOK_BODY_BYTES) return body;
  if (payload.type === 'invitation.created') {
    const invitation = { ...payload.data.invitation, metadata: null, message: payload.data.invitation.message?.slice(0, 200) ?? null };
    return JSON.stringify({ ...payload, data: { ...payload.data, invitation } });
  }
  // A call event has no free text; its participants are bounded by the mesh limit.
  if (!('message' in payload.data)) return body;
  return JSON.stringify({ ...payload, data: { ...payload.data, message: payload.data.message?.slice(0, 200) ?? null } });
}

/**
 * Seconds to wait before each retry after a failed attempt: the Standard Webhooks / Svix schedule, about
 * 27.5 hours in all. An attempt fails on a network error, a timeout or any status outside 2xx.
 */
export const DEFAULT_RETRY_SCHEDULE_SECONDS = [5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600];
/** A receiver has this long to answer one attempt. */
export const DEFAULT_ATTEMPT_TIMEOUT_MS = 15_000;
/** Retry-After values above this are capped, so a receiver cannot park a message beyond the schedule. */
export const MAX_RETRY_AFTER_SECONDS = 12 * 3600;

export interface WebhookEnv extends Env {
  /** Comma-separated seconds between retries; overrides the default schedule (local tests use short ones). */
  WEBHOOK_RETRY_SCHEDULE?: string;
  WEBHOOK_TIMEOUT_MS?: string;
}

export function retrySchedule(env: WebhookEnv): number[] {
  const custom = env.WEBHOOK_RETRY_SCHEDULE?.split(',').map((value) => Number(value.trim()));
  if (custom && custom.length > 0 && custom.every((value) => Number.isFinite(value) && value >= 0)) return custom;
  return DEFAULT_RETRY_SCHEDULE_SECONDS;
}

export function attemptTimeout(env: WebhookEnv): number {
  const value = Number(env.WEBHOOK_TIMEOUT_MS);
  return Number.isFinite(value) && value > 0 ? value : DEFAULT_ATTEMPT_TIMEOUT_MS;
}

/**
 * Reads `Retry-After` (delta-seconds or an HTTP date) as milliseconds from now; null when absent or unreadable.
 */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (!header) return null;
  const trimmed = header.trim();
  let ms: number;
  if (/^\d+$/.test(trimmed)) ms = Number(trimmed) * 1000;
  else {
    const date = Date.parse(trimmed);
    if (Number.isNaN(date)) return null;
    ms = date - now;
  }
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_SECONDS * 1000);
}

// ---- secrets and signatures -------------------------------------------------------------------------------

const encoder = new TextEncoder();

/** A new `whsec_` secret: 32 random bytes, base64, as Standard Webhooks libraries expect. */
export function newWebhookSecret(): string {
  return `whsec_${toBase64(crypto.getRandomValues(new Uint8Array(32)))}`;
}

const SECRET_PATTERN = /^whsec_[A-Za-z0-9+/]{32,}={0,2}$/;

export function validWebhookSecret(secret: string): boolean {
  if (!SECRET_PATTERN.test(secret)) return false;
  try {
    const bytes = fromBase64(secret.slice('whsec_'.length));
    return bytes.length >= 24 && bytes.length <= 64;
  } catch {
    return false;
  }
}

/** Imported signing keys by secret: a hub signs every event with the same few. Bounded; the oldest goes first. */
const signingKeys = new Map<string, Promise<CryptoKey>>();
const SIGNING_KEYS_KEPT = 64;

function signingKey(secret: string): Promise<CryptoKey> {
  let key = signingKeys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey('raw', fromBase64(secret.slice('whsec_'.length)), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    key.catch(() => signingKeys.delete(secret));
    if (signingKeys.size >= SIGNING_KEYS_KEPT) signingKeys.delete(signingKeys.keys().next().value!);
    signingKeys.set(secret, key);
  }
  return key;
}

/** `v1,<base64 HMAC-SHA256(id.timestamp.body)>`, the Standard Webhooks signature. Web Crypto, so it runs in workerd. */
export async function signWebhook(secret: string, id: string, timestampSeconds: number, body: string): Promise<string> {
  const key = await signingKey(secret);
  const mac = await crypto.subtle.sign('HMAC', key, encoder.encode(`${id}.${timestampSeconds}.${body}`));
  return `v1,${toBase64(mac)}`;
}

// ---- endpoints --------------------------------------------------------------------------------------------

export interface WebhookEndpoint {
  id: string;
  url: string;
  description: string | null;
  /** Event types sent to this endpoint; null means every type. */
  events: WebhookEventType[] | null;
  enabled: boolean;
  /** Why the endpoint stopped receiving: "gone" after an HTTP 410, "manual" when turned off through the API. */
  disabledReason: string | null;
  /** "config" endpoints come from the PROJECTS configuration and cannot be deleted through the API. */
  source: 'api' | 'config';
  createdAt: number;
  updatedAt: number;
}

/** Endpoints a project may add through the API; configured ones are the operator's and do not count. */
export const MAX_API_ENDPOINTS = 20;

/** Endpoints listed in the PROJECTS configuration: `webhooks: [{ url, secret, events? }]` on a project entry. */
export interface ConfiguredEndpoint {
  url: string;
  secret: string;
  events?: WebhookEventType[];
  description?: string;
}

export function configuredEndpoints(env: Env, projectId: string): ConfiguredEndpoint[] {
  if (!env.PROJECTS) return [];
  try {
    const list = JSON.parse(env.PROJECTS) as Array<{ projectId?: string; webhooks?: ConfiguredEndpoint[] }>;
    const entry = list.find((project) => project.projectId === projectId);
    return (entry?.webhooks ?? []).filter((endpoint) => {
      if (typeof endpoint?.url !== 'string' || typeof endpoint.secret !== 'string' || !validWebhookSecret(endpoint.secret)) return false;
      const problem = targetUrlProblem(endpoint.url, targetPolicy(env));
      if (problem) console.warn(`PROJECTS: project ${projectId}: webhook ${endpoint.url} is left out: ${problem}`);
      return problem === null;
    });
  } catch {
    return [];
  }
}

/** A stable id for a configured endpoint, so its attempts and disabled state survive restarts. */
export async function configuredEndpointId(url: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', encoder.encode(url));
  return `ep_cfg_${[...new Uint8Array(digest).slice(0, 8)].map((byte) => byte.toString(16).padStart(2, '0')).join('')}`;
}

// ---- delivery ---------------------------------------------------------------------------------------------

export interface AttemptOutcome {
  /** HTTP status, or null when no response came (network error, timeout). */
  status: number | null;
  ok: boolean;
  /** The receiver asked to be left alone this long. */
  retryAfterMs: number | null;
  error: string | null;
  durationMs: number;
}

/** Sends one signed message and reports what happened; never throws. */
export async function attemptDelivery(
  endpoint: { url: string; secret: string },
  message: { id: string; body: string },
  timeoutMs: number,
): Promise<AttemptOutcome> {
  const started = Date.now();
  const timestamp = Math.floor(started / 1000);
  try {
    const signature = await signWebhook(endpoint.secret, message.id, timestamp, message.body);
    const response = await fetch(endpoint.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'BaxCloud-Webhooks/1',
        'webhook-id': message.id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signature,
      },
      body: message.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    // The body is irrelevant; drain it so the connection can be reused.
    await response.body?.cancel().catch(() => undefined);
    const ok = response.status >= 200 && response.status < 300;
    return {
      status: response.status,
      ok,
      retryAfterMs: ok ? null : retryAfterMs(response.headers.get('retry-after')),
      error: ok ? null : `HTTP ${response.status}`,
      durationMs: Date.now() - started,
    };
  } catch (error) {
    return { status: null, ok: false, retryAfterMs: null, error: fetchFailure(error), durationMs: Date.now() - started };
  }
}

/**
 * What a failed request is logged as: its class only. The runtime's own message tells a closed port from an
 * open one that speaks something other than HTTP, which would turn the attempts log into a port scanner.
 */
function fetchFailure(error: unknown): 'timeout' | 'connection failed' {
  const name = (error as Error | undefined)?.name;
  return name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'connection failed';
}
