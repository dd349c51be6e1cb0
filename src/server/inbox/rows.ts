// The rows of one user's inbox (src/server/inbox/store.ts), and how they read as wire types.
import type {
  CallHistoryEntry,
  CallOutcome,
  CallType,
  InviteeState,
  InviteeStatus,
  ReceivedInvitation,
  SendInvitationResult,
  SentInvitation,
  UserInfo,
} from '../../protocol/types.js';

export interface ProfileRow {
  name: string | null;
  avatar_url: string | null;
  status: string;
  last_seen: number | null;
  missed_seen_at: number;
  /** When a grace period of the user's last departure ends (src/server/inbox/grace.ts). */
  gone_deadline: number | null;
}

/** The columns an invitation has in both directions' tables. */
export interface InvitationColumns {
  invitation_id: string;
  to_ids: string;
  call_type: string;
  room_name: string;
  room_url: string | null;
  message: string | null;
  metadata: string | null;
  created_at: number;
  expires_at: number;
  /** 0 for a quiet invitation (sent with `ring: false`). */
  ring: number;
}

/** An invitation's columns shared by both directions, as they are stored. */
export function invitationColumns(invitation: ReceivedInvitation): InvitationColumns {
  const { invitationId, to, callType, roomName, roomUrl, message, metadata, createdAt, expiresAt } = invitation;
  return {
    invitation_id: invitationId,
    to_ids: JSON.stringify(to),
    call_type: callType,
    room_name: roomName,
    room_url: roomUrl,
    message,
    metadata: metadata ? JSON.stringify(metadata) : null,
    created_at: createdAt,
    expires_at: expiresAt,
    ring: invitation.ring === false ? 0 : 1,
  };
}

export interface IncomingRow extends InvitationColumns {
  from_id: string;
  from_user: string;
  state: string;
  reason: string | null;
  reply_message: string | null;
  delivered: number;
  answered_device: string | null;
  ended_at: number | null;
  /** 1 when its end counts as a missed call (src/server/inbox/incoming.ts, `countsAsMissed`). */
  missed: number;
}

export interface OutgoingRow extends InvitationColumns {
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
  /** 1 when it counts as a missed call (always 0 on outgoing entries). */
  missed: number;
}

export interface OutboxRow {
  id: number;
  target: string;
  kind: string;
  payload: string;
  attempts: number;
  created_at: number;
}

/** An outbox message given up on after retrying for the longest allowed time. */
export interface DeadLetterRow extends OutboxRow {
  failed_at: number;
  error: string | null;
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
    ...quiet(row),
  };
}

/** `ring: false` on a quiet invitation; nothing on one that rings, so their wire form stays as it was. */
function quiet(row: { ring: number }): { ring?: false } {
  return row.ring === 0 ? { ring: false } : {};
}

/** One of our own invitations as its invitees receive it. */
export function receivedFromOutgoing(row: OutgoingRow, fromUser: UserInfo): ReceivedInvitation {
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
    ...quiet(row),
  };
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
  return { ...receivedFromOutgoing(row, fromUser), invitees: invitees.map(inviteeFromRow) };
}

/** The sender's answer to a send: the invitation and each invitee's state. */
export function sendResultFromRows(outgoing: OutgoingRow, invitees: InviteeRow[]): SendInvitationResult {
  return {
    invitationId: outgoing.invitation_id,
    roomName: outgoing.room_name,
    roomUrl: outgoing.room_url,
    callType: outgoing.call_type as SendInvitationResult['callType'],
    createdAt: outgoing.created_at,
    expiresAt: outgoing.expires_at,
    invitees: invitees.map(inviteeFromRow),
  };
}

/** The answer to a send that became (part of) a call already under way: the crossing invitation, accepted. */
export function joinedResultFromRow(row: IncomingRow): SendInvitationResult {
  const peer = JSON.parse(row.from_user) as UserInfo;
  return {
    invitationId: row.invitation_id,
    roomName: row.room_name,
    roomUrl: row.room_url,
    callType: row.call_type as SendInvitationResult['callType'],
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    invitees: [{ userId: row.from_id, user: peer, delivered: true, state: 'accepted', reason: null, message: null }],
    joined: true,
    peer,
  };
}

const outcomeByState: Record<string, CallOutcome> = {
  pending: 'pending',
  accepted: 'accepted',
  declined: 'declined',
  canceled: 'canceled',
  expired: 'missed',
};

/** One of our invitations naming a room, as admission to its call reads it (src/server/inbox/room.ts). */
export interface SentForRoomRow {
  invitation_id: string;
  created_at: number;
  call_type: string;
  to_ids: string;
  /** JSON array of the invitees who accepted. */
  accepted: string;
}

/** An invitation we accepted naming a room, as admission to its call reads it. */
export interface AcceptedForRoomRow {
  invitation_id: string;
  created_at: number;
  call_type: string;
  from_id: string;
}

/** A device of this user in a room's call. */
export interface RoomDeviceRow {
  room_name: string;
  device_id: string;
  participant_id: string;
  connection_id: string;
  /** The call it joined; the room's next call is another. */
  call_id: string;
}

/** The call an accepted invitation led to (src/server/inbox/room.ts), as the invitation's history entry shows it. */
export interface RoomCallRow {
  invitation_id: string;
  started_at: number | null;
  ended_at: number | null;
  duration_ms: number | null;
}

/**
 * Maps a stored row to what the asking device sees: an accept made on another device reads "answered elsewhere".
 * `call` is the call the invitation led to, if one began.
 */
export function historyFromRow(row: HistoryRow, deviceId: string, call?: RoomCallRow): CallHistoryEntry {
  let outcome = outcomeByState[row.state] ?? 'pending';
  // A call the caller gave up on after it rang reads as missed, as on phones; `reason` still says it was canceled.
  if (row.missed === 1) outcome = 'missed';
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
    missed: row.missed === 1,
    createdAt: row.created_at,
    endedAt: row.ended_at,
    // Only an accepted invitation led to the call; a meeting's declined invitee was not in it.
    callStartedAt: row.state === 'accepted' ? (call?.started_at ?? null) : null,
    callEndedAt: row.state === 'accepted' ? (call?.ended_at ?? null) : null,
    durationMs: row.state === 'accepted' ? (call?.duration_ms ?? null) : null,
  };
}
