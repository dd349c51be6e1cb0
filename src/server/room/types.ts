import type { CallType, ErrorCode, UserInfo } from '../../protocol/types.js';
import type { IceCandidate, LiveType, ParticipantRole, RoomInfo, RoomParticipant, RoomServerFrame, SessionDescription } from '../../protocol/room.js';

/**
 * What a UserInbox and a CallRoom say to each other over RPC. The inbox speaks for its user's devices (it has
 * checked who they are); the room decides membership and relays.
 */

/**
 * One reason a user may join a room, as their inbox found it. The room picks the strongest that holds.
 * - `grant`: a token's room grant, in its role.
 * - `sent`: an invitation this user sent naming the room (host).
 * - `accepted`: an invitation this user accepted naming the room (participant; co-host of a live stream).
 */
export interface Admission {
  source: 'grant' | 'sent' | 'accepted';
  /** The granted role, for `grant`. */
  role?: ParticipantRole;
  /** When the grant was minted or the invitation sent: a call that ended after that is not reopened by it. */
  grantedAt: number;
  /** The invitation's call type, which a room that is not in a call takes on. */
  callType?: CallType;
  /**
   * The other parties of the invitation: the call must include one of them, unless the room is not in a call.
   * Absent for what the app backend vouches for (a grant, an invitation the backend sent as the system user).
   */
  vouchers?: string[];
  /** A sent invitation nobody accepted yet: it lets its sender wait in a room that is not in a call, nothing more. */
  ringing?: boolean;
}

export interface JoinRequest {
  user: UserInfo;
  deviceId: string;
  /** The connection the device joined over; a close of an older one does not mark the participant reconnecting. */
  connectionId: string;
  liveType?: LiveType;
  admissions: Admission[];
}

/** A join's answer: what the device gets, and the call it joined (kept by the inbox, not sent). */
export interface JoinOutcome {
  room: RoomInfo;
  self: string;
  callId: string;
}

export type RoomOutcome<T> = { ok: true; result: T } | { ok: false; code: ErrorCode; message: string };

export interface SignalRequest {
  from: string;
  to: string;
  description?: SessionDescription;
  candidate?: IceCandidate;
}

export interface MediaRequest {
  participantId: string;
  camera: boolean;
  microphone: boolean;
  screen: boolean;
}

/** The methods a UserInbox calls on a CallRoom (src/server/room/call-room.ts). */
export interface CallRoomRpc {
  join(request: JoinRequest): Promise<RoomOutcome<JoinOutcome>>;
  leave(participantId: string): Promise<{ left: boolean }>;
  signal(request: SignalRequest): Promise<RoomOutcome<{ relayed: boolean }>>;
  media(request: MediaRequest): Promise<RoomOutcome<RoomParticipant>>;
  /** The connection a participant joined over closed; answers whether the room still has the participant. */
  disconnected(participantId: string, connectionId: string): Promise<boolean>;
  /** The user's admissions changed (an invitation naming the room was accepted): a stronger role applies at once. */
  readmit(participantId: string, admissions: Admission[]): Promise<void>;
}

/** A frame for some of one user's devices, and the call it is about. */
export interface RoomDelivery {
  deviceIds: string[];
  frame: RoomServerFrame;
  callId: string;
}

/** A call's times, as the history entries of the invitations that led to it show them. */
export interface CallRecord {
  roomName: string;
  callId: string;
  startedAt: number;
  endedAt: number | null;
  durationMs: number | null;
}

/**
 * What a room tells a user's inbox durably (through the room's outbox): a participant of theirs was removed from
 * a call (`left`), or a call they took part in began or ended (`call`).
 */
export type RoomNotice = { type: 'left'; roomName: string; participantId: string; callId: string } | ({ type: 'call' } & CallRecord);

/** The methods a CallRoom calls on a UserInbox (src/server/user-inbox.ts). */
export interface RoomInboxRpc {
  /** Sends the frame to these devices' connections; answers the devices it reached. */
  roomFrame(delivery: RoomDelivery): Promise<string[]>;
  roomNotice(notice: RoomNotice): Promise<void>;
}
