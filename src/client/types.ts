import type { OwnPresence } from '../protocol/lists.js';
import type {
  AnswerResult,
  CallHistoryPage,
  CallType,
  CancelResult,
  DeclineReason,
  InvitationAcceptedEvent,
  InvitationAnsweredElsewhereEvent,
  InvitationCanceledEvent,
  InvitationDeclinedEvent,
  InvitationDeliveredEvent,
  InvitationExpiredEvent,
  PresenceInfo,
  ReceivedInvitation,
  SendInvitationResult,
  SentInvitation,
  UserInfo,
} from '../protocol/types.js';

import type { ConnectOptions, DeviceOptions, ParticipantEvent, ParticipantLeftEvent, RoomEndedEvent, RoomState } from './room-types.js';

export type * from './room-types.js';

export type ConnectionStatus = 'connecting' | 'open' | 'reconnecting' | 'unauthorized' | 'closed';

/** Everything the UI needs, kept current by the client. Treat as immutable: each change makes a new object. */
export interface ClientState {
  connection: ConnectionStatus;
  /** The signed-in user, as the server knows them (from the token). */
  user: UserInfo;
  /** This user's own presence. */
  presence: OwnPresence;
  /** Pending invitations to this user, oldest first. */
  incoming: ReceivedInvitation[];
  /** Invitations this user sent that still have at least one pending invitee, oldest first. */
  outgoing: SentInvitation[];
  /** The outgoing invitation that settled last (nobody left pending), with each invitee's final state, reason and message. */
  lastOutgoing: SentInvitation | null;
  /** Presence of users this client asked about or subscribed to, by user id. */
  presenceOf: Readonly<Record<string, PresenceInfo>>;
  missedCalls: number;
  /** Server clock minus local clock, in ms: show countdowns with `expiresAt - (Date.now() + clockOffset)`. */
  clockOffset: number;
  /** The call this device is in (after `connect`), or null. */
  room: RoomState | null;
}

export interface SendCallInvitationOptions {
  /** One user id, or up to 20 to invite them to a meeting. */
  to: string | string[];
  roomName: string;
  callType: CallType;
  message?: string;
  roomUrl?: string;
  /** 5-300 seconds; default 45. */
  timeoutSeconds?: number;
  metadata?: Record<string, unknown>;
  /**
   * `false` invites without ringing: the invitee sees a quiet notice ("Alice started a meeting — Join") instead of a
   * ringing call, no device rings by push, and it never counts as a missed call. Default: it rings.
   */
  ring?: boolean;
}

export interface DeclineOptions {
  reason?: DeclineReason;
  message?: string;
}

export interface CancelOptions {
  /** Cancel only these invitees; default: every pending invitee. */
  userIds?: string[];
}

export interface HistoryQuery {
  limit?: number;
  /** Only entries created before this timestamp (ms), from a previous page's `nextBefore`. */
  before?: number;
}

export type Unsubscribe = () => void;

/**
 * The surface the elements use. `BaxCloudClient` implements it over the network;
 * stories and unit tests may implement it in memory.
 */
export interface CallClient {
  getState(): ClientState;
  subscribe(listener: (state: ClientState) => void): Unsubscribe;

  sendCallInvitation(options: SendCallInvitationOptions): Promise<SendInvitationResult>;
  acceptCallInvitation(invitationId: string): Promise<AnswerResult>;
  declineCallInvitation(invitationId: string, options?: DeclineOptions): Promise<AnswerResult>;
  cancelCallInvitation(invitationId: string, options?: CancelOptions): Promise<CancelResult>;

  onInvitationReceived(listener: (invitation: ReceivedInvitation) => void): Unsubscribe;
  onInvitationAccepted(listener: (event: InvitationAcceptedEvent) => void): Unsubscribe;
  onInvitationDeclined(listener: (event: InvitationDeclinedEvent) => void): Unsubscribe;
  onInvitationCanceled(listener: (event: InvitationCanceledEvent) => void): Unsubscribe;
  onInvitationExpired(listener: (event: InvitationExpiredEvent) => void): Unsubscribe;
  onInvitationAnsweredElsewhere(listener: (event: InvitationAnsweredElsewhereEvent) => void): Unsubscribe;
  onInvitationDelivered(listener: (event: InvitationDeliveredEvent) => void): Unsubscribe;

  getPresence(userIds: string[]): Promise<PresenceInfo[]>;
  setPresence(status: OwnPresence): Promise<PresenceInfo>;
  subscribePresence(userIds: string[]): Promise<PresenceInfo[]>;
  onPresenceChanged(listener: (presence: PresenceInfo) => void): Unsubscribe;

  getCallHistory(query?: HistoryQuery): Promise<CallHistoryPage>;
  markMissedCallsSeen(): Promise<{ missedCalls: number }>;
  onMissedCallsChanged(listener: (missedCalls: number) => void): Unsubscribe;

  /** Joins the call in `roomName` (browsers only: elsewhere rejects with `unsupported`); resolves to the room state once admitted. */
  connect(options: ConnectOptions): Promise<RoomState>;
  enableCamera(options?: DeviceOptions): Promise<void>;
  disableCamera(): Promise<void>;
  enableMicrophone(options?: DeviceOptions): Promise<void>;
  disableMicrophone(): Promise<void>;
  startScreenShare(): Promise<void>;
  stopScreenShare(): Promise<void>;
  /** Leaves the call (hangs up); a 1:1 call ends for both. */
  leaveRoom(): Promise<void>;
  onParticipantJoined(listener: (event: ParticipantEvent) => void): Unsubscribe;
  onParticipantLeft(listener: (event: ParticipantLeftEvent) => void): Unsubscribe;
  onParticipantUpdated(listener: (event: ParticipantEvent) => void): Unsubscribe;
  onRoomEnded(listener: (event: RoomEndedEvent) => void): Unsubscribe;
  /** The room this tab was in when the page unloaded without leaving it (kept in sessionStorage): connect to it again to rejoin. */
  resumableRoom(): ConnectOptions | null;

  disconnect(): void;
}
