import { BaxCloudError } from '../../client/errors.js';
import type {
  CallClient,
  CancelOptions,
  ClientState,
  ConnectionStatus,
  DeclineOptions,
  HistoryQuery,
  SendCallInvitationOptions,
  Unsubscribe,
} from '../../client/types.js';
import type {
  AnswerResult,
  CallHistoryEntry,
  CallHistoryPage,
  CancelReason,
  CancelResult,
  DeclineReason,
  ErrorCode,
  InvitationAcceptedEvent,
  InvitationAnsweredElsewhereEvent,
  InvitationCanceledEvent,
  InvitationDeclinedEvent,
  InvitationDeliveredEvent,
  InvitationExpiredEvent,
  PresenceInfo,
  PresenceStatus,
  ReceivedInvitation,
  SendInvitationResult,
  SentInvitation,
  UserInfo,
} from '../../protocol/types.js';

/** How a simulated invitee answers an invitation sent through a `MemoryCallClient`. */
export interface SimulatedAnswer {
  /** Whether the invitee's device rings (default: when the invitee is not offline). */
  delivered?: boolean;
  /** What the invitee does; leave out to keep it ringing. */
  outcome?: 'accepted' | 'declined' | 'expired';
  reason?: DeclineReason;
  message?: string;
  /** Delay before the outcome, in ms (default 0: on the next task). */
  afterMs?: number;
}

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
  /** Makes every request of these methods fail with the given code. */
  failures?: Partial<Record<keyof CallClient, ErrorCode>>;
}

/** Ids unique across every memory client on the page, as the server's are. */
let nextId = 1;

/** One call made to the client, recorded for tests. */
export interface RecordedCall {
  method: string;
  args: unknown[];
}

type Listeners = {
  received: (invitation: ReceivedInvitation) => void;
  accepted: (event: InvitationAcceptedEvent) => void;
  declined: (event: InvitationDeclinedEvent) => void;
  canceled: (event: InvitationCanceledEvent) => void;
  expired: (event: InvitationExpiredEvent) => void;
  answeredElsewhere: (event: InvitationAnsweredElsewhereEvent) => void;
  delivered: (event: InvitationDeliveredEvent) => void;
  presence: (presence: PresenceInfo) => void;
  missed: (missedCalls: number) => void;
};

/**
 * A `CallClient` that keeps everything in memory: stories and tests drive it with the `simulate*` methods
 * instead of a server. Apps may use it in their own tests.
 */
export class MemoryCallClient implements CallClient {
  /** Every request the elements made, oldest first. */
  readonly calls: RecordedCall[] = [];
  private state: ClientState;
  private readonly storeListeners = new Set<(state: ClientState) => void>();
  private readonly listeners: { [K in keyof Listeners]: Set<Listeners[K]> } = {
    received: new Set(),
    accepted: new Set(),
    declined: new Set(),
    canceled: new Set(),
    expired: new Set(),
    answeredElsewhere: new Set(),
    delivered: new Set(),
    presence: new Set(),
    missed: new Set(),
  };
  private readonly people = new Map<string, UserInfo>();
  private history: CallHistoryEntry[];
  private readonly options: MemoryCallClientOptions;

  constructor(options: MemoryCallClientOptions = {}) {
    this.options = options;
    const user: UserInfo = {
      userId: options.user?.userId ?? 'me',
      name: options.user?.name ?? null,
      avatarUrl: options.user?.avatarUrl ?? null,
    };
    for (const person of options.people ?? []) this.people.set(person.userId, person);
    this.people.set(user.userId, user);
    const presenceOf: Record<string, PresenceInfo> = {};
    for (const [userId, status] of Object.entries(options.presenceOf ?? {})) {
      presenceOf[userId] = { userId, status, lastSeen: status === 'offline' ? null : Date.now() };
    }
    this.history = [...(options.history ?? [])];
    this.state = {
      connection: options.connection ?? 'open',
      user,
      presence: options.presence ?? 'online',
      incoming: [...(options.incoming ?? [])],
      outgoing: [...(options.outgoing ?? [])],
      presenceOf,
      missedCalls: options.missedCalls ?? this.history.filter((entry) => isMissed(entry)).length,
      clockOffset: options.clockOffset ?? 0,
    };
  }

  getState(): ClientState {
    return this.state;
  }

  subscribe(listener: (state: ClientState) => void): Unsubscribe {
    this.storeListeners.add(listener);
    return () => this.storeListeners.delete(listener);
  }

  async sendCallInvitation(options: SendCallInvitationOptions): Promise<SendInvitationResult> {
    this.record('sendCallInvitation', options);
    const to = Array.isArray(options.to) ? options.to : [options.to];
    const now = Date.now() + this.state.clockOffset;
    const invitation: SentInvitation = {
      invitationId: `inv-${nextId++}`,
      from: this.state.user.userId,
      fromUser: this.state.user,
      to,
      callType: options.callType,
      roomName: options.roomName,
      roomUrl: options.roomUrl ?? null,
      message: options.message ?? null,
      metadata: options.metadata ?? null,
      createdAt: now,
      expiresAt: now + (options.timeoutSeconds ?? 45) * 1000,
      invitees: to.map((userId) => ({
        userId,
        user: this.person(userId),
        delivered: false,
        state: 'pending' as const,
      })),
    };
    for (const invitee of invitation.invitees) {
      const answer = this.answerFor(invitation, invitee.userId);
      invitee.delivered = answer.delivered ?? this.presenceStatus(invitee.userId) !== 'offline';
    }
    this.update({ outgoing: [...this.state.outgoing, invitation] });
    for (const invitee of invitation.invitees) this.scheduleAnswer(invitation, invitee.userId);
    return {
      invitationId: invitation.invitationId,
      roomName: invitation.roomName,
      roomUrl: invitation.roomUrl,
      callType: invitation.callType,
      createdAt: invitation.createdAt,
      expiresAt: invitation.expiresAt,
      invitees: invitation.invitees.map(({ userId, user, delivered, state }) => ({ userId, user, delivered, state })),
    };
  }

  async acceptCallInvitation(invitationId: string): Promise<AnswerResult> {
    this.record('acceptCallInvitation', invitationId);
    const invitation = this.takeIncoming(invitationId);
    this.addHistory(invitation, 'incoming', 'accepted');
    return { invitationId, state: 'accepted' };
  }

  async declineCallInvitation(invitationId: string, options: DeclineOptions = {}): Promise<AnswerResult> {
    this.record('declineCallInvitation', invitationId, options);
    const invitation = this.takeIncoming(invitationId);
    this.addHistory(invitation, 'incoming', 'declined', options.reason ?? 'declined');
    return { invitationId, state: 'declined' };
  }

  async cancelCallInvitation(invitationId: string, options: CancelOptions = {}): Promise<CancelResult> {
    this.record('cancelCallInvitation', invitationId, options);
    const invitation = this.state.outgoing.find((sent) => sent.invitationId === invitationId);
    if (!invitation) throw new BaxCloudError('not_pending', 'This invitation is no longer pending.');
    const canceled = invitation.invitees
      .filter((invitee) => invitee.state === 'pending' && (!options.userIds || options.userIds.includes(invitee.userId)))
      .map((invitee) => invitee.userId);
    this.patchInvitees(invitationId, canceled, { state: 'canceled', reason: 'canceled' });
    return { invitationId, canceled };
  }

  onInvitationReceived(listener: Listeners['received']): Unsubscribe {
    return this.listen('received', listener);
  }
  onInvitationAccepted(listener: Listeners['accepted']): Unsubscribe {
    return this.listen('accepted', listener);
  }
  onInvitationDeclined(listener: Listeners['declined']): Unsubscribe {
    return this.listen('declined', listener);
  }
  onInvitationCanceled(listener: Listeners['canceled']): Unsubscribe {
    return this.listen('canceled', listener);
  }
  onInvitationExpired(listener: Listeners['expired']): Unsubscribe {
    return this.listen('expired', listener);
  }
  onInvitationAnsweredElsewhere(listener: Listeners['answeredElsewhere']): Unsubscribe {
    return this.listen('answeredElsewhere', listener);
  }
  onInvitationDelivered(listener: Listeners['delivered']): Unsubscribe {
    return this.listen('delivered', listener);
  }

  async getPresence(userIds: string[]): Promise<PresenceInfo[]> {
    this.record('getPresence', userIds);
    return userIds.map((userId) => this.presenceInfo(userId));
  }

  async setPresence(status: 'online' | 'busy'): Promise<PresenceInfo> {
    this.record('setPresence', status);
    this.update({ presence: status });
    return { userId: this.state.user.userId, status, lastSeen: Date.now() };
  }

  async subscribePresence(userIds: string[]): Promise<PresenceInfo[]> {
    this.record('subscribePresence', userIds);
    const infos = userIds.map((userId) => this.presenceInfo(userId));
    const presenceOf = { ...this.state.presenceOf };
    for (const info of infos) presenceOf[info.userId] = info;
    this.update({ presenceOf });
    return infos;
  }

  onPresenceChanged(listener: Listeners['presence']): Unsubscribe {
    return this.listen('presence', listener);
  }

  async getCallHistory(query: HistoryQuery = {}): Promise<CallHistoryPage> {
    this.record('getCallHistory', query);
    const result = this.options.historyResult ?? 'ok';
    if (result === 'never') return new Promise<never>(() => {});
    if (result !== 'ok') throw new BaxCloudError(result, 'The call history could not be loaded.');
    const limit = query.limit ?? 20;
    const older = [...this.history]
      .sort((a, b) => b.createdAt - a.createdAt)
      .filter((entry) => query.before === undefined || entry.createdAt < query.before);
    const entries = older.slice(0, limit);
    const last = entries[entries.length - 1];
    return {
      entries,
      nextBefore: older.length > limit && last ? last.createdAt : null,
      missedCalls: this.state.missedCalls,
    };
  }

  async markMissedCallsSeen(): Promise<{ missedCalls: number }> {
    this.record('markMissedCallsSeen');
    this.setMissedCalls(0);
    return { missedCalls: 0 };
  }

  onMissedCallsChanged(listener: Listeners['missed']): Unsubscribe {
    return this.listen('missed', listener);
  }

  disconnect(): void {
    this.record('disconnect');
    this.update({ connection: 'closed' });
  }

  /** An invitation to this user arrives; returns it. */
  simulateIncoming(
    from: Partial<UserInfo> & { userId: string },
    fields: Partial<Omit<ReceivedInvitation, 'from' | 'fromUser'>> = {},
  ): ReceivedInvitation {
    const now = Date.now() + this.state.clockOffset;
    const fromUser: UserInfo = { name: null, avatarUrl: null, ...this.people.get(from.userId), ...from };
    const invitation: ReceivedInvitation = {
      invitationId: `inv-${nextId++}`,
      to: [this.state.user.userId],
      callType: 'video_call',
      roomName: `room-${nextId}`,
      roomUrl: null,
      message: null,
      metadata: null,
      createdAt: now,
      expiresAt: now + 45_000,
      ...fields,
      from: fromUser.userId,
      fromUser,
    };
    this.update({ incoming: [...this.state.incoming, invitation] });
    this.emit('received', invitation);
    return invitation;
  }

  /** The caller withdraws an invitation to this user. */
  simulateIncomingCanceled(invitationId: string, reason: CancelReason = 'canceled'): void {
    const invitation = this.takeIncoming(invitationId);
    this.addHistory(invitation, 'incoming', 'canceled', reason);
    this.emit('canceled', {
      invitationId,
      roomName: invitation.roomName,
      callType: invitation.callType,
      by: invitation.from,
      userId: this.state.user.userId,
      reason,
    });
  }

  /** An invitation to this user rings out unanswered. */
  simulateIncomingExpired(invitationId: string): void {
    const invitation = this.takeIncoming(invitationId);
    this.addHistory(invitation, 'incoming', 'missed');
    this.setMissedCalls(this.state.missedCalls + 1);
    this.emit('expired', {
      invitationId,
      roomName: invitation.roomName,
      callType: invitation.callType,
      userId: this.state.user.userId,
      direction: 'incoming',
    });
  }

  /** Another device of this user answered an invitation. */
  simulateAnsweredElsewhere(invitationId: string, outcome: 'accepted' | 'declined' = 'accepted'): void {
    const invitation = this.takeIncoming(invitationId);
    this.addHistory(invitation, 'incoming', 'answered_elsewhere');
    this.emit('answeredElsewhere', { invitationId, outcome });
  }

  /** An invitee's device starts ringing. */
  simulateDelivered(invitationId: string, userId: string): void {
    this.patchInvitees(invitationId, [userId], { delivered: true });
    this.emit('delivered', { invitationId, userId });
  }

  /** An invitee accepts, declines or lets an invitation this user sent ring out. */
  simulateAnswer(invitationId: string, userId: string, answer: Required<Pick<SimulatedAnswer, 'outcome'>> & SimulatedAnswer): void {
    const invitation = this.state.outgoing.find((sent) => sent.invitationId === invitationId);
    const invitee = invitation?.invitees.find((candidate) => candidate.userId === userId);
    if (!invitation || !invitee || invitee.state !== 'pending') return;
    const answered = { invitationId, roomName: invitation.roomName, roomUrl: invitation.roomUrl, callType: invitation.callType, by: userId, byUser: invitee.user };
    if (answer.outcome === 'accepted') {
      this.patchInvitees(invitationId, [userId], { state: 'accepted' });
      this.emit('accepted', answered);
    } else if (answer.outcome === 'declined') {
      const reason = answer.reason ?? 'declined';
      const message = answer.message ?? null;
      this.patchInvitees(invitationId, [userId], { state: 'declined', reason, message });
      this.emit('declined', { ...answered, reason, message });
    } else {
      this.patchInvitees(invitationId, [userId], { state: 'expired' });
      this.emit('expired', { invitationId, roomName: invitation.roomName, callType: invitation.callType, userId, direction: 'outgoing' });
    }
  }

  simulateConnection(connection: ConnectionStatus): void {
    this.update({ connection });
  }

  simulatePresence(userId: string, status: PresenceStatus): void {
    const info: PresenceInfo = { userId, status, lastSeen: status === 'offline' ? null : Date.now() };
    this.update({ presenceOf: { ...this.state.presenceOf, [userId]: info } });
    this.emit('presence', info);
  }

  private answerFor(invitation: SentInvitation, userId: string): SimulatedAnswer {
    return this.options.answer?.(invitation, userId) ?? {};
  }

  private scheduleAnswer(invitation: SentInvitation, userId: string): void {
    const answer = this.answerFor(invitation, userId);
    const outcome = answer.outcome;
    if (!outcome) return;
    setTimeout(() => this.simulateAnswer(invitation.invitationId, userId, { ...answer, outcome }), answer.afterMs ?? 0);
  }

  private patchInvitees(invitationId: string, userIds: string[], patch: Partial<SentInvitation['invitees'][number]>): void {
    const outgoing = this.state.outgoing
      .map((sent) =>
        sent.invitationId !== invitationId
          ? sent
          : { ...sent, invitees: sent.invitees.map((invitee) => (userIds.includes(invitee.userId) ? { ...invitee, ...patch } : invitee)) },
      )
      // Like the server, keep only invitations someone may still answer.
      .filter((sent) => sent.invitees.some((invitee) => invitee.state === 'pending'));
    this.update({ outgoing });
  }

  private takeIncoming(invitationId: string): ReceivedInvitation {
    const invitation = this.state.incoming.find((received) => received.invitationId === invitationId);
    if (!invitation) throw new BaxCloudError('not_pending', 'This invitation is no longer pending.');
    this.update({ incoming: this.state.incoming.filter((received) => received !== invitation) });
    return invitation;
  }

  private addHistory(
    invitation: ReceivedInvitation,
    direction: CallHistoryEntry['direction'],
    outcome: CallHistoryEntry['outcome'],
    reason: CallHistoryEntry['reason'] = null,
  ): void {
    const now = Date.now() + this.state.clockOffset;
    this.history.push({
      invitationId: invitation.invitationId,
      direction,
      counterpart: invitation.fromUser,
      callType: invitation.callType,
      roomName: invitation.roomName,
      roomUrl: invitation.roomUrl,
      message: invitation.message,
      outcome,
      reason,
      replyMessage: null,
      createdAt: invitation.createdAt,
      endedAt: now,
    });
  }

  private setMissedCalls(missedCalls: number): void {
    this.update({ missedCalls });
    this.emit('missed', missedCalls);
  }

  private person(userId: string): UserInfo {
    return this.people.get(userId) ?? { userId, name: null, avatarUrl: null };
  }

  private presenceStatus(userId: string): PresenceStatus {
    return this.state.presenceOf[userId]?.status ?? this.options.presenceOf?.[userId] ?? 'offline';
  }

  private presenceInfo(userId: string): PresenceInfo {
    return this.state.presenceOf[userId] ?? { userId, status: this.presenceStatus(userId), lastSeen: null };
  }

  private record(method: keyof CallClient, ...args: unknown[]): void {
    this.calls.push({ method, args });
    const failure = this.options.failures?.[method];
    if (failure) throw new BaxCloudError(failure, `${method} failed (${failure}).`);
  }

  private update(patch: Partial<ClientState>): void {
    this.state = { ...this.state, ...patch };
    for (const listener of [...this.storeListeners]) listener(this.state);
  }

  private listen<K extends keyof Listeners>(kind: K, listener: Listeners[K]): Unsubscribe {
    this.listeners[kind].add(listener);
    return () => this.listeners[kind].delete(listener);
  }

  private emit<K extends keyof Listeners>(kind: K, value: Parameters<Listeners[K]>[0]): void {
    for (const listener of [...this.listeners[kind]]) (listener as (value: unknown) => void)(value);
  }
}

function isMissed(entry: CallHistoryEntry): boolean {
  return entry.direction === 'incoming' && entry.outcome === 'missed';
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
