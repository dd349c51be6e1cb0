import { SignJWT, jwtVerify, errors } from 'jose';
import { SYSTEM_USER_ID, USER_ID_PATTERN } from '../protocol/limits.js';
import { MAX_ROOM_GRANTS, participantRoleSchema, roomGrantsSchema, roomNameSchema, type RoomGrants } from '../protocol/room.js';
import { isAvatarUrl, singleLine } from '../protocol/sanitize.js';
import type { UserInfo } from '../protocol/types.js';

export interface CreateUserTokenOptions {
  projectId: string;
  /** The project secret. */
  secret: string;
  userId: string;
  name?: string;
  avatarUrl?: string;
  /** Lifetime; default 1 hour, at most 24 hours. */
  ttlSeconds?: number;
  /**
   * Room grants: the user may join these rooms' calls in this role (`host`, `participant` or `viewer`) without an
   * invitation, while the call that runs when the token is minted (or the next one) lives. At most 8 rooms.
   */
  rooms?: RoomGrants;
}

export const DEFAULT_TOKEN_TTL_SECONDS = 3600;
export const MAX_TOKEN_TTL_SECONDS = 86_400;

const encoder = new TextEncoder();

/** Most project secrets whose verifying key is kept (a deployment has a handful of projects). */
const VERIFY_KEYS_MAX = 64;
const verifyKeys = new Map<string, Promise<CryptoKey>>();

/**
 * The HMAC key that verifies a project's user tokens, imported once per secret: given the secret's bytes, jose
 * imports a key on every verification (in Node, a verification with a kept key takes about half as long).
 */
function verifyKey(secret: string): Promise<CryptoKey> {
  let key = verifyKeys.get(secret);
  if (!key) {
    if (verifyKeys.size >= VERIFY_KEYS_MAX) verifyKeys.clear();
    key = crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
    verifyKeys.set(secret, key);
  }
  return key;
}

/** Mints the short-lived HS256 token a user connects with. Run it on the app's backend, never in a browser. */
export async function createUserToken(options: CreateUserTokenOptions): Promise<{ token: string; expiresAt: number }> {
  if (!USER_ID_PATTERN.test(options.userId)) throw new TypeError('userId must be 1-128 of A-Z a-z 0-9 _ . @ + -');
  if (options.userId === SYSTEM_USER_ID) throw new TypeError(`"${SYSTEM_USER_ID}" is reserved for invitations the app backend sends`);
  if (options.avatarUrl && !isAvatarUrl(options.avatarUrl)) throw new TypeError('avatarUrl must be an http(s) URL or a data:image/ picture');
  const ttl = Math.min(Math.max(Math.floor(options.ttlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS), 1), MAX_TOKEN_TTL_SECONDS);
  const issuedAt = Math.floor(Date.now() / 1000);
  const expiresAt = (issuedAt + ttl) * 1000;
  const claims: Record<string, unknown> = {};
  if (options.name) claims.name = options.name;
  if (options.avatarUrl) claims.avatarUrl = options.avatarUrl;
  if (options.rooms && Object.keys(options.rooms).length > 0) {
    const rooms = roomGrantsSchema.safeParse(options.rooms);
    if (!rooms.success) throw new TypeError(`rooms: at most ${MAX_ROOM_GRANTS} room names of 1-128 characters, each 'host', 'participant' or 'viewer'`);
    claims.rooms = rooms.data;
  }
  const token = await new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(options.userId)
    .setAudience(options.projectId)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + ttl)
    .sign(encoder.encode(options.secret));
  return { token, expiresAt };
}

export class TokenError extends Error {
  constructor(
    readonly status: 401 | 403,
    readonly code: 'unauthorized' | 'forbidden',
    message: string,
  ) {
    super(message);
  }
}

/** Verifies a user token for a project; the identity it returns is the only one the server trusts. */
export async function verifyUserToken(
  token: string | null,
  projectId: string,
  secret: string,
): Promise<UserInfo & { expiresAt: number; issuedAt: number; rooms: RoomGrants | null }> {
  if (!token) throw new TokenError(401, 'unauthorized', 'a user token is required');
  try {
    const { payload } = await jwtVerify(token, await verifyKey(secret), {
      algorithms: ['HS256'],
      audience: projectId,
      requiredClaims: ['sub', 'exp'],
    });
    if (!payload.sub || !USER_ID_PATTERN.test(payload.sub)) throw new TokenError(401, 'unauthorized', 'the token names no valid user');
    if (payload.sub === SYSTEM_USER_ID) throw new TokenError(403, 'forbidden', `no one signs in as "${SYSTEM_USER_ID}"`);
    return {
      userId: payload.sub,
      // Tokens minted elsewhere get the same cleaning as names and links sent through the API.
      name: typeof payload.name === 'string' ? singleLine(payload.name).slice(0, 128) : null,
      avatarUrl: typeof payload.avatarUrl === 'string' && isAvatarUrl(payload.avatarUrl) ? payload.avatarUrl.slice(0, 2048) : null,
      expiresAt: (payload.exp ?? 0) * 1000,
      issuedAt: (payload.iat ?? 0) * 1000,
      rooms: roomGrantsFrom(payload.rooms),
    };
  } catch (error) {
    if (error instanceof TokenError) throw error;
    if (error instanceof errors.JWTExpired) throw new TokenError(401, 'unauthorized', 'the token has expired');
    if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'aud') {
      throw new TokenError(403, 'forbidden', 'the token belongs to another project');
    }
    throw new TokenError(401, 'unauthorized', 'the token is not valid');
  }
}

/** Verifies a token for the inbox of `userId`: a valid token of another user is forbidden there. */
export async function verifyUserTokenFor(
  token: string | null,
  projectId: string,
  userId: string,
  secret: string,
): Promise<Awaited<ReturnType<typeof verifyUserToken>>> {
  const user = await verifyUserToken(token, projectId, secret);
  if (user.userId !== userId) throw new TokenError(403, 'forbidden', "the token is for another user's inbox");
  return user;
}

/**
 * The valid grants of a `rooms` claim, at most MAX_ROOM_GRANTS of them: a token minted elsewhere may carry any
 * JSON there, and what cannot be read grants nothing.
 */
function roomGrantsFrom(claim: unknown): RoomGrants | null {
  if (!claim || typeof claim !== 'object' || Array.isArray(claim)) return null;
  const grants = new Map<string, RoomGrants[string]>();
  for (const [name, role] of Object.entries(claim)) {
    const roomName = roomNameSchema.safeParse(name);
    const granted = participantRoleSchema.safeParse(role);
    if (roomName.success && granted.success) grants.set(roomName.data, granted.data);
    if (grants.size === MAX_ROOM_GRANTS) break;
  }
  // fromEntries defines own properties, so even a room named "__proto__" stays a plain entry.
  return grants.size > 0 ? Object.fromEntries(grants) : null;
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

/** Mints the token a ring's push message carries: it may answer that one invitation, as that user and device. */
export async function createAnswerToken(options: {
  projectId: string;
  projectSecret: string;
  userId: string;
  deviceId: string;
  invitationId: string;
  expiresAt: number;
}): Promise<string> {
  return (
    new SignJWT({ inv: options.invitationId, dev: options.deviceId })
      .setProtectedHeader({ alg: 'HS256', typ: 'bax-answer+jwt' })
      .setSubject(options.userId)
      .setAudience(options.projectId)
      // A little past expiry, so a late tap still gets the clear "already expired" answer rather than "unauthorized".
      .setExpirationTime(Math.floor(options.expiresAt / 1000) + 120)
      .sign(await answerKey(options.projectSecret))
  );
}

export async function verifyAnswerToken(
  token: string,
  projectId: string,
  projectSecret: string,
): Promise<{ userId: string; deviceId: string; invitationId: string } | null> {
  try {
    const { payload } = await jwtVerify(token, await answerKey(projectSecret), {
      algorithms: ['HS256'],
      audience: projectId,
      typ: 'bax-answer+jwt',
      requiredClaims: ['sub', 'inv', 'exp'],
    });
    if (typeof payload.inv !== 'string' || typeof payload.sub !== 'string') return null;
    return { userId: payload.sub, deviceId: typeof payload.dev === 'string' ? payload.dev : 'push', invitationId: payload.inv };
  } catch {
    return null;
  }
}
