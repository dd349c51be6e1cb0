import type {
  CallHistoryEntry,
  CallOutcome,
  CallType,
  InviteeState,
  InviteeStatus,
  ReceivedInvitation,
  SentInvitation,
  UserInfo,
} from '../protocol/types.js';

/** The SQLite schema of one user's inbox. Invitations live here until they age out of history. */
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS profile (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  inbox_name TEXT,
  name TEXT, avatar_url TEXT,
  status TEXT NOT NULL DEFAULT 'online',
  last_seen INTEGER,
  missed_seen_at INTEGER NOT NULL DEFAULT 0,
  gone_deadline INTEGER
);
INSERT OR IGNORE INTO profile (id) VALUES (1);
CREATE TABLE IF NOT EXISTS incoming (
  invitation_id TEXT PRIMARY KEY,
  from_id TEXT NOT NULL, from_user TEXT NOT NULL, to_ids TEXT NOT NULL,
  call_type TEXT NOT NULL, room_name TEXT NOT NULL, room_url TEXT, message TEXT, metadata TEXT,
  created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,
  state TEXT NOT NULL, reason TEXT, reply_message TEXT,
  delivered INTEGER NOT NULL DEFAULT 0, answered_device TEXT, ended_at INTEGER
);
CREATE INDEX IF NOT EXISTS incoming_by_state ON incoming (state, expires_at);
CREATE INDEX IF NOT EXISTS incoming_by_time ON incoming (created_at);
CREATE TABLE IF NOT EXISTS outgoing (
  invitation_id TEXT PRIMARY KEY,
  to_ids TEXT NOT NULL, call_type TEXT NOT NULL, room_name TEXT NOT NULL, room_url TEXT, message TEXT, metadata TEXT,
  created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,
  sender_device TEXT,
  reconciled INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS outgoing_by_time ON outgoing (created_at);
CREATE INDEX IF NOT EXISTS outgoing_by_room ON outgoing (room_name, to_ids);
CREATE INDEX IF NOT EXISTS outgoing_to_reconcile ON outgoing (reconciled, expires_at);
CREATE TABLE IF NOT EXISTS outgoing_invitee (
  invitation_id TEXT NOT NULL, user_id TEXT NOT NULL, user TEXT NOT NULL,
  delivered INTEGER NOT NULL DEFAULT 0, state TEXT NOT NULL, reason TEXT, reply_message TEXT, ended_at INTEGER,
  glare_with TEXT,
  PRIMARY KEY (invitation_id, user_id)
);
CREATE INDEX IF NOT EXISTS outgoing_invitee_by_state ON outgoing_invitee (state, user_id);
CREATE INDEX IF NOT EXISTS outgoing_invitee_by_user ON outgoing_invitee (user_id);
CREATE TABLE IF NOT EXISTS requests (request_key TEXT PRIMARY KEY, result TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  target TEXT NOT NULL, kind TEXT NOT NULL, payload TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS watchers (user_id TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS watching (user_id TEXT PRIMARY KEY, since INTEGER NOT NULL);
`;

export interface IncomingRow {
  invitation_id: string;
  from_id: string;
  from_user: string;
  to_ids: string;
  call_type: string;
  room_name: string;
  room_url: string | null;
  message: string | null;
  metadata: string | null;
  created_at: number;
  expires_at: number;
  state: string;
  reason: string | null;
  reply_message: string | null;
  delivered: number;
  answered_device: string | null;
  ended_at: number | null;
}

export interface OutgoingRow {
  invitation_id: string;
  to_ids: string;
  call_type: string;
  room_name: string;
  room_url: string | null;
  message: string | null;
  metadata: string | null;
  created_at: number;
  expires_at: number;
  sender_device: string | null;
  reconciled: number;
}

export interface InviteeRow {
  invitation_id: string;
  user_id: string;
  user: string;
  delivered: number;
  state: string;
  reason: string | null;
  reply_message: string | null;
  ended_at: number | null;
  glare_with: string | null;
}

export function receivedFromRow(row: IncomingRow): ReceivedInvitation {
  return {
    invitationId: row.invitation_id,
    from: row.from_id,
    fromUser: JSON.parse(row.from_user) as UserInfo,
    to: JSON.parse(row.to_ids) as string[],
    callType: row.call_type as CallType,
    roomName: row.room_name,
    roomUrl: row.room_url,
    message: row.message,
    metadata: row.metadata ? (JSON.parse(row.metadata) as Record<string, unknown>) : null,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  };
}

/** One of our own invitations as its invitees receive it. */
export function receivedFromOutgoing(row: OutgoingRow, fromUser: UserInfo): ReceivedInvitation {
  const { invitees: _invitees, ...invitation } = sentFromRows(row, fromUser, []);
  return invitation;
}

export function inviteeFromRow(row: InviteeRow): InviteeStatus {
  return {
    userId: row.user_id,
    user: JSON.parse(row.user) as UserInfo,
    delivered: row.delivered === 1,
    state: row.state as InviteeState,
    reason: (row.reason as InviteeStatus['reason']) ?? null,
    message: row.reply_message,
  };
}

export function sentFromRows(row: OutgoingRow, fromUser: UserInfo, invitees: InviteeRow[]): SentInvitation {
  return {
    invitationId: row.invitation_id,
    from: fromUser.userId,
    fromUser,
    to: JSON.parse(row.to_ids) as string[],
    callType: row.call_type as CallType,
    roomName: row.room_name,
    roomUrl: row.room_url,
    message: row.message,
    metadata: row.metadata ? (JSON.parse(row.metadata) as Record<string, unknown>) : null,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    invitees: invitees.map(inviteeFromRow),
  };
}

export interface HistoryRow {
  direction: 'incoming' | 'outgoing';
  invitation_id: string;
  counterpart: string;
  call_type: string;
  room_name: string;
  room_url: string | null;
  message: string | null;
  state: string;
  reason: string | null;
  reply_message: string | null;
  created_at: number;
  ended_at: number | null;
  answered_device: string | null;
}

/**
 * Both directions of history in one newest-first list; outgoing meetings give one entry per invitee.
 * Each side is cut to the page size on its time index before merging, so a page costs O(limit), not O(history).
 * ?1 = before (exclusive), ?2 = page size.
 */
export const HISTORY_QUERY = `
SELECT * FROM (
  SELECT * FROM (
    SELECT 'incoming' AS direction, invitation_id, from_user AS counterpart, call_type, room_name, room_url, message,
           state, reason, reply_message, created_at, ended_at, answered_device
      FROM incoming WHERE created_at < ?1 ORDER BY created_at DESC LIMIT ?2)
  UNION ALL
  SELECT * FROM (
    SELECT 'outgoing' AS direction, o.invitation_id, i.user AS counterpart, o.call_type, o.room_name, o.room_url, o.message,
           i.state, i.reason, i.reply_message, o.created_at, i.ended_at, NULL AS answered_device
      FROM outgoing o JOIN outgoing_invitee i ON i.invitation_id = o.invitation_id
     WHERE o.created_at < ?1 ORDER BY o.created_at DESC LIMIT ?2)
) ORDER BY created_at DESC, invitation_id DESC, counterpart LIMIT ?2`;

/** Every entry of one instant (?1), for completing a page whose last entries share their timestamp. */
export const HISTORY_INSTANT_QUERY = `
SELECT 'incoming' AS direction, invitation_id, from_user AS counterpart, call_type, room_name, room_url, message,
       state, reason, reply_message, created_at, ended_at, answered_device
  FROM incoming WHERE created_at = ?1
UNION ALL
SELECT 'outgoing', o.invitation_id, i.user, o.call_type, o.room_name, o.room_url, o.message,
       i.state, i.reason, i.reply_message, o.created_at, i.ended_at, NULL
  FROM outgoing o JOIN outgoing_invitee i ON i.invitation_id = o.invitation_id
 WHERE o.created_at = ?1
ORDER BY 2 DESC, 3`;

const outcomeByState: Record<string, CallOutcome> = {
  pending: 'pending',
  accepted: 'accepted',
  declined: 'declined',
  canceled: 'canceled',
  expired: 'missed',
};

/** Maps a stored row to what the asking device sees: an accept made on another device reads "answered elsewhere". */
export function historyFromRow(row: HistoryRow, deviceId: string): CallHistoryEntry {
  let outcome = outcomeByState[row.state] ?? 'pending';
  if (outcome === 'accepted' && row.answered_device && row.answered_device !== deviceId && row.answered_device !== 'glare') {
    outcome = 'answered_elsewhere';
  }
  return {
    invitationId: row.invitation_id,
    direction: row.direction,
    counterpart: JSON.parse(row.counterpart) as UserInfo,
    callType: row.call_type as CallType,
    roomName: row.room_name,
    roomUrl: row.room_url,
    message: row.message,
    outcome,
    reason: (row.reason as CallHistoryEntry['reason']) ?? null,
    replyMessage: row.reply_message,
    createdAt: row.created_at,
    endedAt: row.ended_at,
  };
}
