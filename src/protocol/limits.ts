/** Most users one presence query or subscription may name; also on its own so the browser client need not carry `LIMITS`. */
export const MAX_PRESENCE_USERS = 200;

/** Limits enforced by the server and mirrored by the client's validation. */
export const LIMITS = {
  /** Largest inbound WebSocket frame, in bytes; room.signal frames carry SDP, which runs to several KB. */
  maxFrameBytes: 32 * 1024,
  /** Longest SDP offer or answer, in characters. */
  maxSdpLength: 24 * 1024,
  /** Most invitees in one invitation (a meeting). */
  maxInvitees: 20,
  /** Longest invitation or decline message, in characters. */
  maxMessageLength: 500,
  /** Largest `metadata` object, in bytes of JSON. */
  maxMetadataBytes: 2 * 1024,
  minTimeoutSeconds: 5,
  maxTimeoutSeconds: 300,
  defaultTimeoutSeconds: 45,
  /** How long the sender may be fully disconnected before its pending invitations are canceled. */
  callerGraceMs: 15_000,
  /** Default invitations a user may send per minute. */
  defaultInvitesPerMinute: 30,
  maxRoomNameLength: 128,
  maxUrlLength: 2048,
  maxUserIdLength: 128,
  maxNameLength: 128,
  maxHistoryPage: 100,
  defaultHistoryPage: 20,
  /** Most users one presence query or subscription may name. */
  maxPresenceUsers: MAX_PRESENCE_USERS,
  /** How long a request id is remembered for retries. */
  requestIdTtlMs: 10 * 60_000,
} as const;

/**
 * What one user may make the server hold or do, by default; each is a Worker variable (src/server/inbox/limits.ts)
 * so a deployment, or a test, can change it.
 */
export const ABUSE_LIMITS = {
  /** Frames a connection may send per second, after a burst of `frameBurst`; the rest get `rate_limited`. */
  framesPerSecond: 20,
  frameBurst: 60,
  /** Open connections per user; one more closes the oldest with close code 4008. */
  maxConnections: 10,
  /** Users one user follows the presence of; newer subscriptions push out the oldest. */
  maxPresenceSubscriptions: MAX_PRESENCE_USERS,
  /** Users one inbox pushes its presence to; more get `limit_exceeded`. */
  maxPresenceWatchers: 1000,
  /** Invitations a user may have waiting for an answer at once; more get `limit_exceeded`. */
  maxPendingInvitations: 50,
  /** Pending invitations per direction the connect snapshot carries; `more` tells a list was cut. */
  snapshotMaxInvitations: 50,
  /** Settled invitations (history) older than this are deleted. */
  historyMaxAgeMs: 90 * 24 * 3600_000,
  /** History entries kept per user; older settled ones are deleted. */
  historyMaxEntries: 1000,
  /** How long the outbox retries a message before keeping it as a dead letter. */
  outboxMaxAgeMs: 24 * 3600_000,
  /** Dead letters kept per user, newest first (they also age out with the history). */
  deadLettersKept: 100,
} as const;

/** WebSocket close codes the server uses besides the standard ones. */
export const CLOSE_CODES = {
  /** The user opened more connections than allowed: this, their oldest, was closed. Do not reconnect on your own. */
  tooManyDevices: 4008,
} as const;

/** The reserved sender of invitations an app backend sends as itself; no user may sign in as it. */
export const SYSTEM_USER_ID = 'system';

/** User ids and project ids become part of the Durable Object name and URL path. */
export const USER_ID_PATTERN = /^[A-Za-z0-9_.@+-]{1,128}$/;
export const PROJECT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;
