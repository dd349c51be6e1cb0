import { toBase64 } from '../../protocol/base64.js';
import type { IceServer } from '../../protocol/room.js';
import { ROOM_DEFAULTS, type CallSettings } from '../config.js';

const encoder = new TextEncoder();

/**
 * TURN credentials in the TURN REST shared-secret scheme (coturn's `use-auth-secret`, and hosted TURN services
 * that take a shared secret): username `${expiryUnixSeconds}:${userId}`, credential base64(HMAC-SHA1(secret,
 * username)). The TURN server recomputes the HMAC and refuses the username once its time has passed, so nothing
 * long-lived reaches a page.
 */
export async function turnCredentials(
  turn: NonNullable<CallSettings['turn']>,
  userId: string,
  now: number,
): Promise<{ urls: string[]; username: string; credential: string }> {
  const expiry = Math.floor(now / 1000) + (turn.ttlSeconds ?? ROOM_DEFAULTS.turnTtlSeconds);
  const username = `${expiry}:${userId}`;
  const key = await crypto.subtle.importKey('raw', encoder.encode(turn.secret), { name: 'HMAC', hash: 'SHA-1' }, false, ['sign']);
  const credential = toBase64(await crypto.subtle.sign('HMAC', key, encoder.encode(username)));
  return { urls: [...turn.urls], username, credential };
}

/** The ICE servers one join gets: the project's fixed ones, then its TURN service with fresh credentials. */
export async function iceServersFor(settings: CallSettings, userId: string, now: number): Promise<IceServer[]> {
  const fixed: IceServer[] = settings.iceServers.map((server) => ({
    urls: server.urls,
    ...(server.username !== undefined ? { username: server.username } : {}),
    ...(server.credential !== undefined ? { credential: server.credential } : {}),
  }));
  return settings.turn ? [...fixed, await turnCredentials(settings.turn, userId, now)] : fixed;
}
