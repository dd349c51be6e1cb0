import type { PushMessage, RingMessage } from '../../protocol/push.js';
import { retryAfterMs } from '../webhooks.js';
import { MAX_PUSH_PLAINTEXT, encryptPushPayload, vapidAuthorization, type VapidKeys } from './crypto.js';
import type { PushSubscriptionRecord } from './subscriptions.js';

const encoder = new TextEncoder();

/** Keeps a ring inside the push size limit by shortening the free-text fields. */
export function encodePushMessage(message: PushMessage): Uint8Array {
  let bytes = encoder.encode(JSON.stringify(message));
  if (bytes.length <= MAX_PUSH_PLAINTEXT || message.type !== 'ring') return bytes;
  const shorter: RingMessage = { ...message, message: message.message?.slice(0, 200) ?? null, from: { ...message.from, avatarUrl: null } };
  bytes = encoder.encode(JSON.stringify(shorter));
  if (bytes.length <= MAX_PUSH_PLAINTEXT) return bytes;
  return encoder.encode(JSON.stringify({ ...shorter, message: null, roomUrl: null }));
}

/** Push topics are at most 32 base64url characters; an invitation id (22) fits, so a close replaces a queued ring. */
export function pushTopic(invitationId: string): string {
  return invitationId.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 32) || 'invitation';
}

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
