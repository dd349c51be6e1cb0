import type { MemoryCallClientOptions } from './memory-client.js';
import { BaxCloudError } from '../../client/errors.js';
import type { ServerEvent } from '../../client/reducer.js';
import type { CancelOptions, DeclineOptions, HistoryQuery, SendCallInvitationOptions } from '../../client/types.js';
import type {
  AnswerResult,
  CallHistoryEntry,
  CallHistoryPage,
  CancelReason,
  CancelResult,
  DeclineReason,
  InviteeState,
  InviteeStatus,
  PresenceInfo,
  PresenceStatus,
  ReceivedInvitation,
  SendInvitationResult,
  SentInvitation,
  Snapshot,
  UserInfo,
} from '../../protocol/types.js';
import { decide, glareWinner } from '../../server/invitation-rules.js';

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

/** What the simulated server starts from: the memory client's options, with the user filled in. */
export type MemoryInboxOptions = Pick<
  MemoryCallClientOptions,
  'presence' | 'presenceOf' | 'people' | 'incoming' | 'outgoing' | 'history' | 'missedCalls' | 'clockOffset' | 'answer'
> & { user: UserInfo };

/** The one device the inbox talks to: frames reach it, and invitations ring on it, only while it is connected. */
export interface InboxDevice {
  connected(): boolean;
  send(frame: ServerEvent): void;
}

interface IncomingRecord {
  invitation: ReceivedInvitation;
  state: InviteeState;
  reason: DeclineReason | CancelReason | null;
  message: string | null;
  endedAt: number | null;
  /** Answered on another device of this user. */
  elsewhere: boolean;
  /** A missed call: it rang here (this device is connected) and ran out or its caller gave up. */
  missed: boolean;
}

interface OutgoingInvitee extends InviteeStatus {
  endedAt: number | null;
}

interface OutgoingRecord extends SentInvitation {
  invitees: OutgoingInvitee[];
}

type Outcome = { state: InviteeState; reason?: DeclineReason | CancelReason | null; message?: string | null };

const historyOutcome: Record<InviteeState, CallHistoryEntry['outcome']> = {
  pending: 'pending',
  accepted: 'accepted',
  declined: 'declined',
  canceled: 'canceled',
  expired: 'missed',
};

/** Ids unique across every memory client on the page, as the server's are. */
let nextId = 1;

/**
 * The server side of a `MemoryCallClient`: this user's inbox as `UserInbox` (src/server/user-inbox.ts) keeps
 * it, with the same outcome rules, and the other users it simulates. Requests answer as the server's do (the
 * same results and error codes), and the device gets the frames the server would send it, in the same order.
 */
export class MemoryInbox {
  private readonly me: UserInfo;
  private status: 'online' | 'busy';
  private missedCalls: number;
  private readonly people = new Map<string, UserInfo>();
  private readonly presence = new Map<string, PresenceStatus>();
  private readonly watching = new Set<string>();
  private readonly incoming = new Map<string, IncomingRecord>();
  private readonly outgoing = new Map<string, OutgoingRecord>();

  constructor(
    private readonly options: MemoryInboxOptions,
    private readonly device: InboxDevice,
  ) {
    this.me = options.user;
    this.status = options.presence ?? 'online';
    for (const person of options.people ?? []) this.people.set(person.userId, person);
    this.people.set(this.me.userId, this.me);
    for (const [userId, status] of Object.entries(options.presenceOf ?? {})) this.presence.set(userId, status);
    for (const invitation of options.incoming ?? []) {
      this.incoming.set(invitation.invitationId, { invitation, state: 'pending', reason: null, message: null, endedAt: null, elsewhere: false, missed: false });
    }
    for (const invitation of options.outgoing ?? []) {
      this.outgoing.set(invitation.invitationId, { ...invitation, invitees: invitation.invitees.map((invitee) => ({ ...invitee, endedAt: null })) });
    }
    const missed = (options.history ?? []).filter((entry) => entry.direction === 'incoming' && entry.outcome === 'missed');
    this.missedCalls = options.missedCalls ?? missed.length;
  }

  /** The server's clock. */
  now(): number {
    return Date.now() + (this.options.clockOffset ?? 0);
  }

  /** What the server sends a device that (re)connects. */
  snapshot(): Extract<ServerEvent, { type: 'snapshot' }> {
    const byAge = (a: { createdAt: number }, b: { createdAt: number }) => a.createdAt - b.createdAt;
    const snapshot: Snapshot = {
      user: this.me,
      presence: this.status,
      incoming: [...this.incoming.values()]
        .filter((record) => record.state === 'pending')
        .map((record) => record.invitation)
        .sort(byAge),
      outgoing: [...this.outgoing.values()]
        .filter((record) => record.invitees.some(isPending))
        .map(sentInvitation)
        .sort(byAge),
      missedCalls: this.missedCalls,
      serverTime: this.now(),
    };
    return { type: 'snapshot', ...snapshot };
  }

  // ---- requests ----------------------------------------------------------------------------------------

  invite(options: SendCallInvitationOptions): SendInvitationResult {
    const to = [...new Set(Array.isArray(options.to) ? options.to : [options.to])].sort();
    if (to.includes(this.me.userId)) throw new BaxCloudError('invalid_request', 'to: a user cannot invite themselves');
    const now = this.now();
    const same = [...this.outgoing.values()]
      .filter((sent) => sent.roomName === options.roomName && sent.to.join() === to.join() && sent.expiresAt > now && sent.invitees.some(isPending))
      .at(-1);
    if (same) return { ...sendResult(same), existing: true };
    const crossing = to.length === 1 ? this.pendingFrom(to[0]!, now) : undefined;
    if (crossing) {
      // The callee is already calling us: join that call instead of ringing them back (glare).
      this.settleIncoming(crossing, { state: 'accepted' });
      const peer = crossing.invitation.fromUser;
      const { invitationId, roomName, roomUrl, callType, createdAt, expiresAt } = crossing.invitation;
      const invitees = [{ userId: peer.userId, user: peer, delivered: true, state: 'accepted' as const, reason: null, message: null }];
      return { invitationId, roomName, roomUrl, callType, createdAt, expiresAt, invitees, joined: true, peer };
    }
    const record: OutgoingRecord = {
      invitationId: `inv-${nextId++}`,
      from: this.me.userId,
      fromUser: this.me,
      to,
      callType: options.callType,
      roomName: options.roomName,
      roomUrl: options.roomUrl ?? null,
      message: options.message ?? null,
      metadata: options.metadata ?? null,
      createdAt: now,
      expiresAt: now + (options.timeoutSeconds ?? 45) * 1000,
      invitees: to.map((userId) => ({ userId, user: this.person(userId), delivered: false, state: 'pending', reason: null, message: null, endedAt: null })),
    };
    this.outgoing.set(record.invitationId, record);
    for (const invitee of record.invitees) this.deliver(record, invitee);
    return sendResult(record);
  }

  answer(invitationId: string, action: 'accept' | 'decline', options: DeclineOptions = {}): AnswerResult {
    const record = this.incoming.get(invitationId);
    if (!record) {
      if (this.outgoing.has(invitationId)) throw new BaxCloudError('forbidden', 'only an invitee may accept or decline an invitation');
      throw new BaxCloudError('not_found', 'no such invitation');
    }
    const decision = decide({ state: record.state, expiresAt: record.invitation.expiresAt }, action, this.now());
    if (!decision.ok) {
      if (record.state === 'pending' && decision.state === 'expired') this.settleIncoming(record, { state: 'expired' });
      throw new BaxCloudError('not_pending', `the invitation is already ${decision.state}`);
    }
    const reply = action === 'decline' ? { reason: options.reason ?? 'declined', message: options.message ?? null } : {};
    this.settleIncoming(record, { state: decision.state, ...reply });
    return { invitationId, state: decision.state };
  }

  cancel(invitationId: string, options: CancelOptions): CancelResult {
    const record = this.outgoing.get(invitationId);
    if (!record) {
      if (this.incoming.has(invitationId)) throw new BaxCloudError('forbidden', 'only the sender may cancel an invitation; invitees decline');
      throw new BaxCloudError('not_found', 'no such invitation');
    }
    const pending = record.invitees.filter((invitee) => isPending(invitee) && (!options.userIds || options.userIds.includes(invitee.userId)));
    if (pending.length === 0) throw new BaxCloudError('not_pending', 'no invitee of this invitation is still pending');
    const canceled: string[] = [];
    for (const invitee of pending) {
      // Each invitee's inbox decides: a cancel at or after the expiry instant meets the expiry instead.
      const decision = decide({ state: invitee.state, expiresAt: record.expiresAt }, 'cancel', this.now());
      this.settleOutgoing(record, invitee, decision.ok ? { state: 'canceled', reason: 'canceled' } : { state: decision.state });
      if (decision.ok) canceled.push(invitee.userId);
    }
    if (canceled.length === 0) throw new BaxCloudError('not_pending', 'every invitee already answered');
    return { invitationId, canceled };
  }

  presenceOf(userIds: string[]): PresenceInfo[] {
    return [...new Set(userIds)].map((userId) => this.presenceInfo(userId));
  }

  setPresence(status: 'online' | 'busy'): PresenceInfo {
    this.status = status;
    const info = this.presenceInfo(this.me.userId);
    this.device.send({ type: 'presence.changed', ...info });
    return info;
  }

  subscribePresence(userIds: string[]): PresenceInfo[] {
    const others = [...new Set(userIds)].filter((userId) => userId !== this.me.userId);
    for (const userId of others) this.watching.add(userId);
    return others.map((userId) => this.presenceInfo(userId));
  }

  history(query: HistoryQuery): CallHistoryPage {
    const limit = query.limit ?? 20;
    const older = this.historyEntries()
      .sort((a, b) => b.createdAt - a.createdAt)
      .filter((entry) => query.before === undefined || entry.createdAt < query.before);
    let entries = older.slice(0, limit);
    const last = entries.at(-1);
    if (older.length <= limit || !last) return { entries, nextBefore: null, missedCalls: this.missedCalls };
    // Entries of one instant stay on one page, so paging by timestamp never skips any.
    entries = entries.concat(older.slice(limit).filter((entry) => entry.createdAt === last.createdAt));
    return { entries, nextBefore: last.createdAt, missedCalls: this.missedCalls };
  }

  markMissedCallsSeen(): { missedCalls: number } {
    this.missedCalls = 0;
    this.device.send({ type: 'missed_calls.changed', missedCalls: 0 });
    return { missedCalls: 0 };
  }

  // ---- what other users and devices do -----------------------------------------------------------------

  /** Another user invites this one; returns the invitation. */
  invitedBy(from: Partial<UserInfo> & { userId: string }, fields: Partial<Omit<ReceivedInvitation, 'from' | 'fromUser'>>): ReceivedInvitation {
    const now = this.now();
    const id = nextId++;
    const fromUser: UserInfo = { name: null, avatarUrl: null, ...this.people.get(from.userId), ...from };
    const invitation: ReceivedInvitation = {
      invitationId: `inv-${id}`,
      to: [this.me.userId],
      callType: 'video_call',
      roomName: `room-${id}`,
      roomUrl: null,
      message: null,
      metadata: null,
      createdAt: now,
      expiresAt: now + 45_000,
      ...fields,
      from: fromUser.userId,
      fromUser,
    };
    this.receive(invitation);
    return invitation;
  }

  /** Another user's invitation reaches this inbox, as the server's `deliverInvitation` takes it in. */
  private receive(invitation: ReceivedInvitation): void {
    if (this.incoming.has(invitation.invitationId)) return;
    const ours = invitation.to.length === 1 ? this.pendingTo(invitation.from) : undefined;
    if (ours) {
      // Crossing 1:1 invitations (glare): the older one becomes the call, the younger is canceled.
      const theirsWins = glareWinner(invitation, ours) === invitation;
      this.record(invitation, theirsWins ? { state: 'accepted' } : { state: 'canceled', reason: 'glare' });
      this.settleOutgoing(ours, ours.invitees[0]!, theirsWins ? { state: 'canceled', reason: 'glare' } : { state: 'accepted' }, !theirsWins);
      return;
    }
    if (this.status === 'busy' && this.device.connected()) return this.record(invitation, { state: 'declined', reason: 'busy' });
    this.record(invitation, { state: 'pending' });
    if (this.device.connected()) this.device.send({ type: 'invitation.received', invitation });
  }

  /** The sender cancels (`state: 'canceled'`), the invitation rings out (`'expired'`), or another device answers. */
  resolveIncoming(invitationId: string, outcome: Outcome, elsewhere = false): void {
    const record = this.incoming.get(invitationId);
    if (!record || record.state !== 'pending') return;
    const action = outcome.state === 'accepted' ? 'accept' : outcome.state === 'declined' ? 'decline' : outcome.state === 'canceled' ? 'cancel' : 'expire';
    const decision = decide({ state: record.state, expiresAt: record.invitation.expiresAt }, action, this.now());
    this.settleIncoming(record, decision.ok ? outcome : { state: decision.state }, elsewhere);
  }

  delivered(invitationId: string, userId: string): void {
    const invitee = this.outgoing.get(invitationId)?.invitees.find((candidate) => candidate.userId === userId);
    if (!invitee || invitee.delivered || !isPending(invitee)) return;
    invitee.delivered = true;
    this.device.send({ type: 'invitation.delivered', invitationId, userId });
  }

  /** An invitee answers an invitation this user sent, or lets it ring out. */
  answered(invitationId: string, userId: string, answer: SimulatedAnswer & Required<Pick<SimulatedAnswer, 'outcome'>>): void {
    const record = this.outgoing.get(invitationId);
    const invitee = record?.invitees.find((candidate) => candidate.userId === userId);
    if (!record || !invitee || !isPending(invitee)) return;
    const action = answer.outcome === 'accepted' ? 'accept' : answer.outcome === 'declined' ? 'decline' : 'expire';
    const decision = decide({ state: invitee.state, expiresAt: record.expiresAt }, action, this.now());
    const reply = decision.state === 'declined' ? { reason: answer.reason ?? 'declined', message: answer.message ?? null } : {};
    this.settleOutgoing(record, invitee, { state: decision.state, ...reply });
  }

  setPresenceOf(userId: string, status: PresenceStatus): void {
    if (userId === this.me.userId) {
      // This user's presence changed on another device.
      if (status !== 'offline') this.status = status;
      this.device.send({ type: 'presence.changed', ...this.presenceInfo(userId) });
      return;
    }
    this.presence.set(userId, status);
    if (this.watching.has(userId)) this.device.send({ type: 'presence.changed', ...this.presenceInfo(userId) });
  }

  // ---- records -----------------------------------------------------------------------------------------

  private deliver(record: OutgoingRecord, invitee: OutgoingInvitee): void {
    const status = this.presence.get(invitee.userId) ?? 'offline';
    // A busy invitee's inbox declines at once, without ringing.
    if (status === 'busy') return this.settleOutgoing(record, invitee, { state: 'declined', reason: 'busy' });
    const answer = this.options.answer?.(sentInvitation(record), invitee.userId) ?? {};
    invitee.delivered = answer.delivered ?? status !== 'offline';
    if (invitee.delivered) this.device.send({ type: 'invitation.delivered', invitationId: record.invitationId, userId: invitee.userId });
    const outcome = answer.outcome;
    if (outcome) setTimeout(() => this.answered(record.invitationId, invitee.userId, { ...answer, outcome }), answer.afterMs ?? 0);
  }

  private record(invitation: ReceivedInvitation, outcome: Outcome): void {
    const settled = outcome.state !== 'pending';
    this.incoming.set(invitation.invitationId, {
      invitation,
      state: outcome.state,
      reason: outcome.reason ?? null,
      message: null,
      endedAt: settled ? this.now() : null,
      elsewhere: false,
      missed: false,
    });
  }

  /** Records an incoming invitation's outcome and tells this device what it did not do itself. */
  private settleIncoming(record: IncomingRecord, outcome: Outcome, elsewhere = false): void {
    // As the server counts them (countsAsMissed in src/server/inbox/incoming.ts): an invitation that rang here, not a
    // quiet one, ran out or was given up by its caller (a glare joined the two calls instead).
    const missed = record.invitation.ring !== false && (outcome.state === 'expired' || (outcome.state === 'canceled' && outcome.reason !== 'glare'));
    Object.assign(record, { state: outcome.state, reason: outcome.reason ?? null, message: outcome.message ?? null, endedAt: this.now(), elsewhere, missed });
    if (missed) this.missedCalls += 1;
    const { invitationId, roomName, callType, from } = record.invitation;
    if (elsewhere && (outcome.state === 'accepted' || outcome.state === 'declined')) {
      this.device.send({ type: 'invitation.answered_elsewhere', invitationId, outcome: outcome.state });
    } else if (outcome.state === 'canceled') {
      this.device.send({
        type: 'invitation.canceled',
        invitationId,
        roomName,
        callType,
        by: from,
        userId: this.me.userId,
        reason: outcome.reason as CancelReason,
      });
    } else if (outcome.state === 'expired') {
      this.device.send({ type: 'invitation.expired', invitationId, roomName, callType, userId: this.me.userId, direction: 'incoming' });
    }
    if (missed) this.device.send({ type: 'missed_calls.changed', missedCalls: this.missedCalls });
  }

  /** Records an invitee's outcome of an invitation this user sent, and tells this device. */
  private settleOutgoing(record: OutgoingRecord, invitee: OutgoingInvitee, outcome: Outcome, joined = false): void {
    Object.assign(invitee, { state: outcome.state, reason: outcome.reason ?? null, message: outcome.message ?? null, endedAt: this.now() });
    const { invitationId, roomName, roomUrl, callType } = record;
    const answered = { invitationId, roomName, roomUrl, callType, by: invitee.userId, byUser: invitee.user };
    if (outcome.state === 'accepted') this.device.send({ type: 'invitation.accepted', ...answered, ...(joined ? { joined } : {}) });
    else if (outcome.state === 'declined') {
      this.device.send({ type: 'invitation.declined', ...answered, reason: outcome.reason as DeclineReason, message: outcome.message ?? null });
    } else if (outcome.state === 'canceled') {
      this.device.send({
        type: 'invitation.canceled',
        invitationId,
        roomName,
        callType,
        by: this.me.userId,
        userId: invitee.userId,
        reason: outcome.reason as CancelReason,
      });
    } else if (outcome.state === 'expired') {
      this.device.send({ type: 'invitation.expired', invitationId, roomName, callType, userId: invitee.userId, direction: 'outgoing' });
    }
  }

  /** The pending 1:1 invitation `userId` sent this user, if any. */
  private pendingFrom(userId: string, now: number): IncomingRecord | undefined {
    return [...this.incoming.values()].find(
      (record) => record.invitation.from === userId && record.invitation.to.length === 1 && isPending(record) && record.invitation.expiresAt > now,
    );
  }

  /** The newest pending 1:1 invitation this user sent `userId`, if any. */
  private pendingTo(userId: string): OutgoingRecord | undefined {
    const now = this.now();
    return [...this.outgoing.values()]
      .filter((sent) => sent.to.length === 1 && sent.to[0] === userId && sent.expiresAt > now && sent.invitees.some(isPending))
      .at(-1);
  }

  private historyEntries(): CallHistoryEntry[] {
    const incoming = [...this.incoming.values()].map(({ invitation, state, reason, message, endedAt, elsewhere, missed }): CallHistoryEntry => ({
      ...historyBase(invitation),
      direction: 'incoming',
      counterpart: invitation.fromUser,
      outcome: missed ? 'missed' : state === 'accepted' && elsewhere ? 'answered_elsewhere' : historyOutcome[state],
      missed,
      reason,
      replyMessage: message,
      endedAt,
    }));
    const outgoing = [...this.outgoing.values()].flatMap((record) =>
      record.invitees.map((invitee): CallHistoryEntry => ({
        ...historyBase(record),
        direction: 'outgoing',
        counterpart: invitee.user,
        outcome: historyOutcome[invitee.state],
        missed: false,
        reason: invitee.reason ?? null,
        replyMessage: invitee.message ?? null,
        endedAt: invitee.endedAt,
      })),
    );
    return [...(this.options.history ?? []), ...incoming, ...outgoing];
  }

  private person(userId: string): UserInfo {
    return this.people.get(userId) ?? { userId, name: null, avatarUrl: null };
  }

  private presenceInfo(userId: string): PresenceInfo {
    const status = userId === this.me.userId ? this.status : (this.presence.get(userId) ?? 'offline');
    return { userId, status, lastSeen: status === 'offline' ? null : this.now() };
  }
}

function isPending(subject: { state: InviteeState }): boolean {
  return subject.state === 'pending';
}

function sentInvitation(record: OutgoingRecord): SentInvitation {
  return { ...record, invitees: record.invitees.map(({ endedAt: _endedAt, ...invitee }) => invitee) };
}

function sendResult(record: OutgoingRecord): SendInvitationResult {
  const { invitationId, roomName, roomUrl, callType, createdAt, expiresAt } = record;
  return { invitationId, roomName, roomUrl, callType, createdAt, expiresAt, invitees: sentInvitation(record).invitees };
}

/** The fields every history entry has; the memory client holds no calls, so the call's times stay null, as the server's do for a call that never began. */
function historyBase(
  invitation: ReceivedInvitation,
): Pick<CallHistoryEntry, 'invitationId' | 'callType' | 'roomName' | 'roomUrl' | 'message' | 'createdAt' | 'callStartedAt' | 'callEndedAt' | 'durationMs'> {
  const { invitationId, callType, roomName, roomUrl, message, createdAt } = invitation;
  return { invitationId, callType, roomName, roomUrl, message, createdAt, callStartedAt: null, callEndedAt: null, durationMs: null };
}
