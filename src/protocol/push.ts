import type { CallType, InviteeState, UserInfo } from './types.js';

/** What the server pushes to a browser (encrypted, RFC 8291) and the service worker reads. */

/** An incoming call for a user with no open connection: the service worker shows it with Accept / Decline. */
export interface RingMessage {
  v: 1;
  type: 'ring';
  projectId: string;
  invitationId: string;
  from: UserInfo;
  callType: CallType;
  roomName: string;
  roomUrl: string | null;
  message: string | null;
  createdAt: number;
  expiresAt: number;
  /** Where to answer: `${api}/v1/projects/{projectId}/invitations/{invitationId}/accept` (or /decline). */
  api: string;
  /** A token that may answer this one invitation for this user and device, and nothing else. */
  answerToken: string;
}

/** The invitation ended (or was answered on another device): close its notification. */
export interface CloseMessage {
  v: 1;
  type: 'close';
  projectId: string;
  invitationId: string;
  state: InviteeState;
  /**
   * True when the invitation ended unanswered after it rang (expired, or canceled by the caller after it rang): the
   * service worker replaces the ring with a missed-call notification. Absent from servers older than this field.
   */
  missed?: boolean;
  /** The caller, for the missed-call notification. */
  from?: UserInfo;
  callType?: CallType;
  /** With `missed`: the user's missed-call count, for the app badge. */
  missedCalls?: number;
}

export type PushMessage = RingMessage | CloseMessage;
