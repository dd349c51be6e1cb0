import type { RequestBody } from '../../client/connection.js';
import { BaxCloudError } from '../../client/errors.js';
import { initialState } from '../../client/reducer.js';
import { ClientStore } from '../../client/store.js';
import { StoreClient } from '../../client/store-client.js';
import type {
  CallClient,
  CallParticipant,
  CancelOptions,
  ConnectionStatus,
  ConnectOptions,
  DeclineOptions,
  DeviceOptions,
  HistoryQuery,
  LocalMedia,
  ParticipantConnection,
  RoomState,
  SendCallInvitationOptions,
} from '../../client/types.js';
import { clientFrameSchema, describeIssues, type ClientFrame } from '../../protocol/frames.js';
import type { LeaveReason, RoomEndReason } from '../../protocol/room.js';
import type {
  AnswerResult,
  CallHistoryEntry,
  CallHistoryPage,
  CancelReason,
  CancelResult,
  ErrorCode,
  PresenceInfo,
  PresenceStatus,
  ReceivedInvitation,
  SendInvitationResult,
  SentInvitation,
  UserInfo,
} from '../../protocol/types.js';
import { MemoryInbox, type SimulatedAnswer } from './memory-inbox.js';
import { MemoryRoom, type MemoryRoomOptions, type SimulatedParticipant } from './memory-room.js';

export type { SimulatedAnswer } from './memory-inbox.js';
export type { MemoryRoomOptions, SimulatedParticipant } from './memory-room.js';

export interface MemoryCallClientOptions {
  user?: Partial<UserInfo> & { userId: string };
  connection?: ConnectionStatus;
  presence?: 'online' | 'busy';
  /** Presence of other users, by user id; unknown users are offline. */
  presenceOf?: Record<string, PresenceStatus>;
  /** Names and avatars of other users, used when building invitations and events. */
  people?: UserInfo[];
  incoming?: ReceivedInvitation[];
  outgoing?: SentInvitation[];
  /** History entries, in any order; pages are served newest first. */
  history?: CallHistoryEntry[];
  missedCalls?: number;
  clockOffset?: number;
  /** Decides how each invitee answers invitations this client sends. */
  answer?: (invitation: SentInvitation, userId: string) => SimulatedAnswer;
  /** `never` keeps history requests loading forever; an error code makes them fail. */
  historyResult?: 'ok' | 'never' | ErrorCode;
  /** Makes every request of these methods fail with the given code (e.g. `{ enableCamera: 'media_denied' }`). */
  failures?: Partial<Record<keyof CallClient, ErrorCode>>;
  /** The calls `connect()` joins: who is there already, this user's role, whether joining ever completes. */
  room?: MemoryRoomOptions;
  /** The call this tab was in before a (simulated) reload, which `resumableRoom()` returns until another call ends. */
  resumableRoom?: ConnectOptions;
}

/** One call made to the client, recorded for tests. */
export interface RecordedCall {
  method: string;
  args: unknown[];
}

/** As BaxCloudClient's default: how long a request waits for a connection before it fails with `timeout`. */
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * A `CallClient` that keeps everything in memory: stories and tests drive it with the `simulate*` methods
 * instead of a server. Apps may use it in their own tests. Its simulated server (memory-inbox.ts) answers and
 * pushes the frames the real server would, and they go through the same reducer as BaxCloudClient's.
 */
export class MemoryCallClient extends StoreClient implements CallClient {
  /** Every request the elements made, oldest first. */
  readonly calls: RecordedCall[] = [];
  private readonly options: MemoryCallClientOptions;
  private readonly inbox: MemoryInbox;
  private readonly room: MemoryRoom;
  /** The call joined last, kept until it ends, as BaxCloudClient keeps it in sessionStorage. */
  private remembered: ConnectOptions | null;
  /** Requests made while not connected, waiting for the connection to open. */
  private waiting: Array<{ go: () => void; fail: (error: BaxCloudError) => void }> = [];

  constructor(options: MemoryCallClientOptions = {}) {
    const user: UserInfo = { userId: options.user?.userId ?? 'me', name: options.user?.name ?? null, avatarUrl: options.user?.avatarUrl ?? null };
    super(new ClientStore(initialState(user)));
    this.options = options;
    this.remembered = options.resumableRoom ?? null;
    this.inbox = new MemoryInbox(
      { ...options, user },
      {
        connected: () => this.store.getState().connection === 'open',
        send: (frame) => {
          if (this.store.getState().connection === 'open') this.store.dispatch(frame);
        },
      },
    );
    this.room = new MemoryRoom(
      {
        user,
        person: (userId) => options.people?.find((person) => person.userId === userId),
        now: () => this.inbox.now(),
        report: (input) => {
          this.store.dispatch(input);
          if (input.room === null) this.remembered = null;
        },
      },
      options.room,
    );
    // As if connected before the first render, having read the presence of the users it was given.
    this.store.dispatch(
      this.inbox.snapshot(),
      { type: 'clock', clockOffset: options.clockOffset ?? 0 },
      { type: 'presence.read', presence: this.inbox.presenceOf(Object.keys(options.presenceOf ?? {})) },
    );
    if (options.connection && options.connection !== 'open') this.store.dispatch({ type: 'connection', connection: options.connection });
  }

  async sendCallInvitation(options: SendCallInvitationOptions): Promise<SendInvitationResult> {
    const result = await this.request('sendCallInvitation', [options], 'invite', options, () => this.inbox.invite(options));
    this.store.dispatch({ type: 'invite.answered', request: options, result });
    return result;
  }

  async acceptCallInvitation(invitationId: string): Promise<AnswerResult> {
    try {
      return await this.request('acceptCallInvitation', [invitationId], 'accept', { invitationId }, () => this.inbox.answer(invitationId, 'accept'));
    } finally {
      this.store.dispatch({ type: 'answer.sent', invitationId });
    }
  }

  async declineCallInvitation(invitationId: string, options: DeclineOptions = {}): Promise<AnswerResult> {
    try {
      return await this.request('declineCallInvitation', [invitationId, options], 'decline', { invitationId, ...options }, () =>
        this.inbox.answer(invitationId, 'decline', options),
      );
    } finally {
      this.store.dispatch({ type: 'answer.sent', invitationId });
    }
  }

  cancelCallInvitation(invitationId: string, options: CancelOptions = {}): Promise<CancelResult> {
    return this.request('cancelCallInvitation', [invitationId, options], 'cancel', { invitationId, ...options }, () =>
      this.inbox.cancel(invitationId, options),
    );
  }

  async getPresence(userIds: string[]): Promise<PresenceInfo[]> {
    const presence = await this.request('getPresence', [userIds], 'presence.get', { userIds }, () => this.inbox.presenceOf(userIds));
    this.store.dispatch({ type: 'presence.read', presence });
    return presence;
  }

  async setPresence(status: 'online' | 'busy'): Promise<PresenceInfo> {
    const info = await this.request('setPresence', [status], 'presence.set', { status }, () => this.inbox.setPresence(status));
    this.store.dispatch({ type: 'presence.set', status });
    return info;
  }

  async subscribePresence(userIds: string[]): Promise<PresenceInfo[]> {
    const presence = await this.request('subscribePresence', [userIds], 'presence.subscribe', { userIds }, () => this.inbox.subscribePresence(userIds));
    this.store.dispatch({ type: 'presence.read', presence });
    return presence;
  }

  getCallHistory(query: HistoryQuery = {}): Promise<CallHistoryPage> {
    return this.request('getCallHistory', [query], 'history.list', query, () => {
      const result = this.options.historyResult ?? 'ok';
      if (result === 'never') return new Promise<never>(() => {});
      if (result !== 'ok') throw new BaxCloudError(result, 'The call history could not be loaded.');
      return this.inbox.history(query);
    });
  }

  async markMissedCallsSeen(): Promise<{ missedCalls: number }> {
    const result = await this.request('markMissedCallsSeen', [], 'history.markSeen', {}, () => this.inbox.markMissedCallsSeen());
    this.store.dispatch({ type: 'missed_calls.changed', missedCalls: result.missedCalls });
    return result;
  }

  /** The call this tab is in, or was in before the reload `resumableRoom` simulates, until it ends. */
  resumableRoom(): ConnectOptions | null {
    return this.remembered && { ...this.remembered };
  }

  connect(options: ConnectOptions): Promise<RoomState> {
    const { roomName, liveType, participant } = options;
    const body = { roomName, ...(liveType ? { liveType } : {}), ...(participant ? { participant } : {}) };
    return this.request('connect', [options], 'room.join', body, async () => {
      const room = await this.room.join(options);
      if (this.room.current?.roomName === room.roomName) this.remembered = { roomName: room.roomName, liveType: room.liveType };
      return room;
    });
  }

  enableCamera(options: DeviceOptions = {}): Promise<void> {
    return this.changeMedia('enableCamera', [options], { camera: true });
  }

  disableCamera(): Promise<void> {
    return this.changeMedia('disableCamera', [], { camera: false });
  }

  enableMicrophone(options: DeviceOptions = {}): Promise<void> {
    return this.changeMedia('enableMicrophone', [options], { microphone: true });
  }

  disableMicrophone(): Promise<void> {
    return this.changeMedia('disableMicrophone', [], { microphone: false });
  }

  startScreenShare(): Promise<void> {
    return this.changeMedia('startScreenShare', [], { screen: true });
  }

  stopScreenShare(): Promise<void> {
    return this.changeMedia('stopScreenShare', [], { screen: false });
  }

  async leaveRoom(): Promise<void> {
    const room = this.room.current;
    if (!room) {
      this.calls.push({ method: 'leaveRoom', args: [] });
      return;
    }
    await this.request('leaveRoom', [], 'room.leave', { roomName: room.roomName }, () => this.room.leave());
  }

  disconnect(): void {
    this.calls.push({ method: 'disconnect', args: [] });
    this.simulateConnection('closed');
  }

  /** An invitation to this user arrives; returns it. It rings only while connected, or once the connection opens. */
  simulateIncoming(from: Partial<UserInfo> & { userId: string }, fields: Partial<Omit<ReceivedInvitation, 'from' | 'fromUser'>> = {}): ReceivedInvitation {
    return this.inbox.invitedBy(from, fields);
  }

  /** The caller withdraws an invitation to this user. */
  simulateIncomingCanceled(invitationId: string, reason: CancelReason = 'canceled'): void {
    this.inbox.resolveIncoming(invitationId, { state: 'canceled', reason });
  }

  /** An invitation to this user rings out unanswered. */
  simulateIncomingExpired(invitationId: string): void {
    this.inbox.resolveIncoming(invitationId, { state: 'expired' });
  }

  /** Another device of this user answered an invitation. */
  simulateAnsweredElsewhere(invitationId: string, outcome: 'accepted' | 'declined' = 'accepted'): void {
    this.inbox.resolveIncoming(invitationId, { state: outcome, reason: outcome === 'declined' ? 'declined' : null }, true);
  }

  /** An invitee's device starts ringing. */
  simulateDelivered(invitationId: string, userId: string): void {
    this.inbox.delivered(invitationId, userId);
  }

  /** An invitee accepts, declines or lets an invitation this user sent ring out. */
  simulateAnswer(invitationId: string, userId: string, answer: Required<Pick<SimulatedAnswer, 'outcome'>> & SimulatedAnswer): void {
    this.inbox.answered(invitationId, userId, answer);
  }

  /**
   * The connection changes. Opening it sends a snapshot, as the server does on every connect, and the requests
   * made meanwhile go out; `unauthorized` and `closed` fail them.
   */
  simulateConnection(connection: ConnectionStatus): void {
    const waiting = this.waiting;
    if (connection === 'open') {
      this.waiting = [];
      const watched = Object.keys(this.store.getState().presenceOf);
      // Presence pushed while away was missed: BaxCloudClient reads the users it shows again.
      this.store.dispatch(this.inbox.snapshot(), { type: 'presence.read', presence: this.inbox.presenceOf(watched) });
      for (const request of waiting) request.go();
      this.room.connectionChanged(connection);
      return;
    }
    this.store.dispatch({ type: 'connection', connection });
    this.room.connectionChanged(connection);
    if (connection === 'closed') this.failWaiting(new BaxCloudError('disconnected', 'the client was disconnected'));
    if (connection === 'unauthorized') this.failWaiting(new BaxCloudError('unauthorized', 'the server refused the connection'));
  }

  /** Someone joins the call this client is in; returns their participant id. */
  simulateParticipantJoined(participant: SimulatedParticipant): string {
    return this.room.joined(participant);
  }

  /** Someone leaves the call; a 1:1 call ends with it, and so does a group call with one participant left. */
  simulateParticipantLeft(userId: string, reason: LeaveReason = 'left'): void {
    this.room.left(userId, reason);
  }

  /** Another participant mutes or unmutes, turns their camera off or on, or shares their screen. */
  simulateParticipantMedia(userId: string, media: Partial<Pick<CallParticipant, 'camera' | 'microphone' | 'screen'>>): void {
    this.room.updated(userId, media);
  }

  /** The media link to another participant drops (`reconnecting`), fails or comes back (`connected`). */
  simulateParticipantConnection(userId: string, connection: ParticipantConnection): void {
    this.room.updated(userId, { connection });
  }

  /** The network quality measured towards another participant. */
  simulateNetworkQuality(userId: string, quality: CallParticipant['quality']): void {
    this.room.updated(userId, { quality });
  }

  /** A participant, or this user (their own user id), starts or stops speaking. */
  simulateSpeaking(userId: string, speaking = true): void {
    if (userId === this.getState().user.userId) this.room.speaking(speaking);
    else this.room.updated(userId, { speaking });
  }

  /** The call ends for everyone, e.g. the other side of a 1:1 call hung up. */
  simulateRoomEnded(reason: RoomEndReason = 'hangup'): void {
    this.room.end(reason);
  }

  /** A user's presence changes; the client hears of it when it subscribed to them, or when it is this user's. */
  simulatePresence(userId: string, status: PresenceStatus): void {
    this.inbox.setPresenceOf(userId, status);
  }

  /**
   * Records the call, then answers it as the server would: the frame is validated like on the wire, and it waits
   * for a connection like BaxCloudClient's requests do.
   */
  private async request<T extends ClientFrame['type'], R>(
    method: keyof CallClient,
    args: unknown[],
    type: T,
    body: RequestBody<T>,
    answer: () => R | Promise<R>,
  ): Promise<R> {
    this.calls.push({ method, args });
    const failure = this.options.failures?.[method];
    if (failure) throw new BaxCloudError(failure, `${method} failed (${failure}).`);
    if (this.store.getState().connection !== 'open') await this.connected(type);
    const parsed = clientFrameSchema.safeParse(JSON.parse(JSON.stringify({ ...body, type, requestId: `memory-${this.calls.length}` })));
    if (!parsed.success) throw new BaxCloudError('invalid_request', describeIssues(parsed.error));
    return answer();
  }

  /** Sends this device's media state with one of it changed, as `room.media` does; only inside a call. */
  private async changeMedia(method: keyof CallClient, args: unknown[], changes: Partial<Pick<LocalMedia, 'camera' | 'microphone' | 'screen'>>): Promise<void> {
    const room = this.room.current;
    if (!room) {
      this.calls.push({ method, args });
      throw new BaxCloudError('not_found', 'not in a call: connect() first');
    }
    const body = { roomName: room.roomName, ...this.room.localMedia(), ...changes };
    await this.request(method, args, 'room.media', body, () => this.room.setLocal(changes));
  }

  private connected(type: string): Promise<void> {
    if (this.store.getState().connection === 'closed') return Promise.reject(new BaxCloudError('disconnected', 'the client was disconnected'));
    return new Promise((resolve, reject) => {
      const request = {
        go: () => {
          clearTimeout(timer);
          resolve();
        },
        fail: (error: BaxCloudError) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        this.waiting = this.waiting.filter((other) => other !== request);
        reject(new BaxCloudError('timeout', `no answer to ${type} within ${REQUEST_TIMEOUT_MS} ms`));
      }, REQUEST_TIMEOUT_MS);
      this.waiting.push(request);
    });
  }

  private failWaiting(error: BaxCloudError): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const request of waiting) request.fail(error);
  }
}

/** Builds a history entry with sensible defaults, for stories and tests. */
export function historyEntry(fields: Partial<CallHistoryEntry> & { counterpart: UserInfo; createdAt: number }): CallHistoryEntry {
  return {
    invitationId: `hist-${fields.createdAt}-${fields.counterpart.userId}`,
    direction: 'incoming',
    callType: 'video_call',
    roomName: `room-${fields.createdAt}`,
    roomUrl: null,
    message: null,
    outcome: 'accepted',
    reason: null,
    replyMessage: null,
    endedAt: fields.createdAt + 5_000,
    ...fields,
  };
}
