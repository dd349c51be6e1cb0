/** Wire types shared by the server and BaxCloudClient. Timestamps are epoch milliseconds (server clock). */

import type { CallDirection, CallOutcome, CallType, CancelReason, DeclineReason, EndReason, InviteeState, OwnPresence, PresenceStatus } from './lists.js';

export type { CallOutcome, CallType, CancelReason, DeclineReason, ErrorCode, InviteeState, PresenceStatus } from './lists.js';

export interface UserInfo {
  userId: string;
  name: string | null;
  avatarUrl: string | null;
}

export interface InvitationBase {
  invitationId: string;
  /** The sender's user id. */
  from: string;
  fromUser: UserInfo;
  /** Every invitee's user id. */
  to: string[];
  callType: CallType;
  roomName: string;
  roomUrl: string | null;
  message: string | null;
  metadata: Record<string, unknown> | null;
  createdAt: number;
  expiresAt: number;
  /**
   * `false` on a quiet invitation (sent with `ring: false`): its invitee sees a notice instead of a ringing call, no
   * device rings by push, and it never counts as a missed call. Absent on an invitation that rings.
   */
  ring?: false;
}

/** An invitation as its invitee sees it. */
export type ReceivedInvitation = InvitationBase;

export interface InviteeStatus {
  userId: string;
  user: UserInfo;
  /** True once at least one of the invitee's devices got the invitation (it is ringing). */
  delivered: boolean;
  state: InviteeState;
  reason?: EndReason | null;
  message?: string | null;
}

/** An invitation as its sender sees it. */
export interface SentInvitation extends InvitationBase {
  invitees: InviteeStatus[];
}

export interface SendInvitationResult {
  invitationId: string;
  roomName: string;
  roomUrl: string | null;
  callType: CallType;
  createdAt: number;
  expiresAt: number;
  invitees: InviteeStatus[];
  /**
   * Set when the invitee was calling you at the same time (glare): instead of a second, crossing call you
   * joined theirs, described here (its id, room, and the invitee as accepted).
   */
  joined?: boolean;
  /** With `joined`: the user whose call you joined. */
  peer?: UserInfo;
  /** Set when an equal invitation was already pending and is returned instead of a new one. */
  existing?: boolean;
}

export interface AnswerResult {
  invitationId: string;
  state: InviteeState;
}

export interface CancelResult {
  invitationId: string;
  /** Invitees whose pending invitation this cancel ended. */
  canceled: string[];
}

export interface PresenceInfo {
  userId: string;
  status: PresenceStatus;
  /** When the user was last connected (now, when online). Null when never seen. */
  lastSeen: number | null;
}

export interface CallHistoryEntry {
  invitationId: string;
  direction: CallDirection;
  counterpart: UserInfo;
  callType: CallType;
  roomName: string;
  roomUrl: string | null;
  message: string | null;
  /**
   * `missed` when the call rang out unanswered, or when the caller canceled it after it rang (`reason` is then
   * `canceled` or `caller_disconnected`), as on phones.
   */
  outcome: CallOutcome;
  reason: EndReason | null;
  /**
   * Whether it counts as a missed call (it adds to the missed-call count): an incoming call that rang on a device of
   * this user (or by push) and ended unanswered. A quiet invitation never does. The server always sends it.
   */
  missed?: boolean;
  /** The decline message, when declined with one. */
  replyMessage: string | null;
  createdAt: number;
  /** When the outcome was decided; null while pending. */
  endedAt: number | null;
  /**
   * When the call itself began (a second participant joined its room); null when it never did. The server always
   * sends this and the two below; they are optional only so entries made by hand (stories, tests) may leave them out.
   */
  callStartedAt?: number | null;
  /** When the call ended; null while it lasts or when it never began. */
  callEndedAt?: number | null;
  /** How long the call lasted; null until it ended. */
  durationMs?: number | null;
}

export interface CallHistoryPage {
  entries: CallHistoryEntry[];
  /** Pass as `before` to read the next (older) page; null on the last page. */
  nextBefore: number | null;
  missedCalls: number;
}

export interface Snapshot {
  user: UserInfo;
  presence: OwnPresence;
  incoming: ReceivedInvitation[];
  outgoing: SentInvitation[];
  missedCalls: number;
  serverTime: number;
  /** Present when a list was cut to the newest ones the server sends: which list has more (call history lists them all). */
  more?: { incoming: boolean; outgoing: boolean };
}

export interface InvitationAnsweredEvent {
  invitationId: string;
  roomName: string;
  roomUrl: string | null;
  callType: CallType;
  /** The invitee who answered. */
  by: string;
  byUser: UserInfo;
}

export interface InvitationAcceptedEvent extends InvitationAnsweredEvent {
  /** Set when the call came about by joining two crossing invitations (glare) rather than an explicit accept. */
  joined?: boolean;
}

export interface InvitationDeclinedEvent extends InvitationAnsweredEvent {
  reason: DeclineReason;
  message: string | null;
}

export interface InvitationCanceledEvent {
  invitationId: string;
  roomName: string;
  callType: CallType;
  /** The sender. */
  by: string;
  /** The invitee whose invitation ended (a meeting invitation can be canceled for some invitees only). */
  userId: string;
  reason: CancelReason;
}

export interface InvitationExpiredEvent {
  invitationId: string;
  roomName: string;
  callType: CallType;
  /** On the sender's side, the invitee who did not answer. On the invitee's side, the invitee itself. */
  userId: string;
  direction: CallDirection;
}

export interface InvitationDeliveredEvent {
  invitationId: string;
  userId: string;
}

export interface InvitationAnsweredElsewhereEvent {
  invitationId: string;
  /** What another device of this user did. */
  outcome: Extract<InviteeState, 'accepted' | 'declined'>;
}
