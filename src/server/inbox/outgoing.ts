import { randomId } from '../../protocol/base64.js';
import type { ClientFrame } from '../../protocol/frames.js';
import { LIMITS, SYSTEM_USER_ID } from '../../protocol/limits.js';
import type { CancelReason, CancelResult, DeclineReason, ReceivedInvitation, SendInvitationResult, UserInfo } from '../../protocol/types.js';
import { projectsFrom } from '../config.js';
import type { InviteeUpdate } from '../rpc.js';
import { deliverInvitation, resolveIncoming } from './incoming.js';
import type { Inbox, Requester } from './inbox.js';
import { checkPendingInvitations } from './pending-cap.js';
import { RequestError } from './request-error.js';
import { joinedResultFromRow, sendResultFromRows, sentFromRows, type InviteeRow, type OutgoingRow } from './rows.js';

/**
 * The longest a send's record waits for another write to share its commit. Far below the object's eviction after
 * 10 s without events: an evicted object would lose it (and finish it from the intent when woken, delivering again).
 */
const RECORD_WRITE_DELAY_MS = 1000;

/** A send whose deliveries are under way and whose record is not written yet. */
export interface SendInFlight {
  invitation: ReceivedInvitation;
  senderDevice: string;
  /** Set when the glare rule accepted the invitee's crossing invitation instead of this one. */
  glareWith: string | null;
  /** Invitees' answers that arrived before the record was written. */
  early: InviteeUpdate[];
}

/** The new invitation an `invite` frame makes: from `sender`, to the invitees `to` (deduplicated), at `now`. */
export function invitationFromFrame(frame: Extract<ClientFrame, { type: 'invite' }>, sender: UserInfo, to: string[], now: number): ReceivedInvitation {
  return {
    invitationId: randomId(),
    from: sender.userId,
    fromUser: sender,
    to,
    callType: frame.callType,
    roomName: frame.roomName,
    roomUrl: frame.roomUrl ?? null,
    message: frame.message ?? null,
    metadata: frame.metadata ?? null,
    createdAt: now,
    expiresAt: now + (frame.timeoutSeconds ?? LIMITS.defaultTimeoutSeconds) * 1000,
    ...(frame.ring === false ? { ring: false as const } : {}),
  };
}

/** The sender's side: invitations this user sends, and what their invitees' inboxes report back. */
export class OutgoingInvitations {
  /** Sends in flight, by invitation id. */
  private readonly inFlight = new Map<string, SendInFlight>();
  /** Writes the records of sends still unsaved (see send). */
  private recordTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly inbox: Inbox) {}

  /** Our 1:1 send in flight to `userId` that no crossing invitation was accepted for yet (src/server/inbox/glare.ts). */
  crossingSendTo(userId: string): SendInFlight | undefined {
    return [...this.inFlight.values()].find(
      (candidate) => candidate.invitation.to.length === 1 && candidate.invitation.to[0] === userId && candidate.glareWith === null,
    );
  }

  async send(frame: Extract<ClientFrame, { type: 'invite' }>, requester: Requester): Promise<SendInvitationResult> {
    const { store, userId, outbox } = this.inbox;
    const to = [...new Set(Array.isArray(frame.to) ? frame.to : [frame.to])].sort();
    if (to.includes(userId)) throw new RequestError('invalid_request', 'to: a user cannot invite themselves');
    const now = Date.now();

    const checks = store.sendChecks(userId, to, frame.roomName, now, now - 60_000, userId !== SYSTEM_USER_ID);
    if (checks.duplicate) return { ...sendResultFromRows(store.outgoing(checks.duplicate)!, store.invitees(checks.duplicate)), existing: true };
    if (checks.crossing) {
      // The callee is already calling us: join that call instead of ringing them back (glare).
      const crossing = store.incoming(checks.crossing)!;
      resolveIncoming(this.inbox, crossing, 'accepted', { deviceId: requester.deviceId, exceptConnection: requester.connectionId });
      return joinedResultFromRow(crossing);
    }
    this.checkRate(checks.sent);
    checkPendingInvitations(this.inbox, checks.pending + this.inFlight.size);

    const invitation = invitationFromFrame(frame, this.inbox.me(), to, now);
    // A message sent after a write waits until that write is durable, so the ring waits for exactly one small write:
    // the intent, without which a crash could leave invitees ringing for a send we have no trace of. It costs one
    // commit before the ring (locally an fsync: single-pair time-to-ring went from below to about the bench's
    // "+ 1 write in each object" baseline). Our own record is written after the deliveries, and the sender is answered
    // only after that. Until then the send is kept in memory, so the glare rule and early answers from invitees see it.
    store.recordSendIntent(frame.requestId, invitation, requester.deviceId, now - LIMITS.requestIdTtlMs);
    const flight: SendInFlight = { invitation, senderDevice: requester.deviceId, glareWith: null, early: [] };
    this.inFlight.set(invitation.invitationId, flight);
    let updates: Array<InviteeUpdate | undefined>;
    try {
      updates = await Promise.all(to.map((invitee) => this.tryDeliver(invitee, invitation)));
    } finally {
      this.inFlight.delete(invitation.invitationId);
    }
    // Each invitee's row is written with what their delivery reported (how they show, whether it rang), and the
    // rows are kept as written: reading them back and updating them cost four statements on every send.
    // The record is written with the next write of any kind (nearly always the first answer), and within
    // RECORD_WRITE_DELAY_MS at the latest, rather than in a commit of its own before the sender is answered: the
    // invitation is durable already (its intent, and each invitee's own record), and what the deliveries reported is
    // each invitee's to tell again. Should the object stop before the record is written, it is finished from the
    // intent when the object starts, as a send cut short is.
    const written = store.insertOutgoing(
      invitation,
      flight.senderDevice,
      flight.glareWith,
      updates.map((update) => update && { user: update.user, delivered: update.delivered === true }),
      'with the next write',
    );
    this.recordTimer ??= setTimeout(() => {
      this.recordTimer = undefined;
      try {
        store.writeUnsavedOutgoing();
      } catch (error) {
        console.error('writing the record of a send failed; the object finishes it from its intent when it next starts', error);
      }
    }, RECORD_WRITE_DELAY_MS);
    let changed = flight.early.length > 0;
    for (const [index, update] of updates.entries()) {
      // Not reached: the outbox retries the delivery until it lands or the invitation expires.
      if (!update) outbox.enqueue(to[index]!, 'deliver', invitation, Date.now() + 1000);
      else if (this.applyInviteeUpdate(update, { row: written.invitees[index]!, written: true, outgoing: written.outgoing })) changed = true;
    }
    for (const update of flight.early) this.applyInviteeUpdate(update);
    if (updates.includes(undefined)) await this.inbox.alarms.schedule();

    const joined = updates[0]?.winner ? await this.joinCrossingCall(updates[0].winner) : undefined;
    if (joined) return this.fromRecord(joined);
    const { outgoing } = written;
    const invitees = changed ? store.invitees(invitation.invitationId) : written.invitees;
    const sent = sentFromRows(outgoing, invitation.fromUser, invitees);
    this.inbox.devices.broadcast({ type: 'invitation.sent', invitation: sent }, requester.connectionId);
    outbox.handOver({ type: 'invitation.created', invitation: sent });
    return this.fromRecord(sendResultFromRows(outgoing, invitees));
  }

  /** Results of sends that wrote their intent: resultOfSend gives them again from the record, for a retry. */
  private readonly recorded = new WeakSet<SendInvitationResult>();

  private fromRecord(result: SendInvitationResult): SendInvitationResult {
    this.recorded.add(result);
    return result;
  }

  /** Whether `result` is one resultOfSend gives again for a retry of its request, so it need not be saved. */
  answeredFromRecord(result: unknown): boolean {
    return typeof result === 'object' && result !== null && this.recorded.has(result as SendInvitationResult);
  }

  /**
   * What a send answered, for a retry of its request (`invitationId`: the invitation its intent made). An intent has
   * its record except while its send is in flight, and a retry of a send in flight shares that attempt
   * (UserInbox.handleRequest); a send an earlier instance of this object did not finish was finished when this one
   * started. The invitees show as they are now: a retry after an answer sees that answer.
   */
  resultOfSend(invitationId: string): SendInvitationResult {
    const { store } = this.inbox;
    const invitees = store.invitees(invitationId);
    const glare = invitees.length === 1 && invitees[0]!.reason === 'glare' ? invitees[0]!.glare_with : null;
    const joined = glare ? store.incoming(glare) : undefined;
    // The send lost a glare and became the crossing call, as its first answer said.
    if (joined?.state === 'accepted') return joinedResultFromRow(joined);
    return sendResultFromRows(store.outgoing(invitationId)!, invitees);
  }

  /**
   * Finishes the sends an earlier instance of this object began but did not record (the server stopped mid-send):
   * writes each record from its intent and delivers again to every invitee through the outbox. Invitees dedupe
   * deliveries by invitation id, so whoever rang already does not ring again, and their answers fill in the record.
   * Runs when the object starts, before any other event, so every later event finds the record.
   */
  finishInterruptedSends(): void {
    const { store, outbox } = this.inbox;
    const unfinished = store.unfinishedSends();
    for (const intent of unfinished) {
      const invitation = JSON.parse(intent.invitation) as ReceivedInvitation;
      const written = store.insertOutgoing(invitation, intent.sender_device, null);
      for (const invitee of invitation.to) outbox.enqueue(invitee, 'deliver', invitation);
      outbox.handOver({ type: 'invitation.created', invitation: sentFromRows(written.outgoing, invitation.fromUser, written.invitees) });
    }
    if (unfinished.length > 0) void outbox.flush();
  }

  /** The app backend (sending as the system user) is trusted and not rate limited; users are. `sent`: in the last minute. */
  private checkRate(sent: number): void {
    if (this.inbox.userId === SYSTEM_USER_ID) return;
    const limit = projectsFrom(this.inbox.env).get(this.inbox.projectId)?.invitesPerMinute ?? LIMITS.defaultInvitesPerMinute;
    const recent = sent + this.inFlight.size;
    if (recent >= limit) throw new RequestError('rate_limited', `at most ${limit} invitations a minute`);
  }

  private async tryDeliver(userId: string, invitation: ReceivedInvitation): Promise<InviteeUpdate | undefined> {
    try {
      return await this.inbox.peer(userId).deliverInvitation(invitation);
    } catch (error) {
      console.error('delivery failed; retrying from the outbox', error);
      return undefined;
    }
  }

  /**
   * Our invitation lost a glare to the invitee's crossing one: this send becomes that call. The crossing
   * invitation may not have reached us yet, so we take it in now (the same rule accepts it) and tell its sender.
   */
  private async joinCrossingCall(winner: ReceivedInvitation): Promise<SendInvitationResult | undefined> {
    const { store, outbox } = this.inbox;
    if (!store.incoming(winner.invitationId)) {
      const update = await deliverInvitation(this.inbox, winner);
      outbox.enqueue(winner.from, 'update', update);
      void outbox.flush();
    }
    const row = store.incoming(winner.invitationId);
    return row?.state === 'accepted' ? joinedResultFromRow(row) : undefined;
  }

  async cancel(invitationId: string, userIds: string[] | undefined): Promise<CancelResult> {
    const { store } = this.inbox;
    if (!store.outgoing(invitationId)) {
      if (store.incoming(invitationId)) throw new RequestError('forbidden', 'only the sender may cancel an invitation; invitees decline');
      throw new RequestError('not_found', 'no such invitation');
    }
    let pending = store.pendingInvitees(invitationId);
    if (userIds) pending = pending.filter((row) => userIds.includes(row.user_id));
    if (pending.length === 0) throw new RequestError('not_pending', 'no invitee of this invitation is still pending');
    const outcomes = await Promise.all(pending.map((row) => this.cancelAt(row.user_id, invitationId, 'canceled')));
    const canceled = outcomes.filter((outcome) => outcome.canceled).map((outcome) => outcome.userId);
    if (canceled.length === 0) throw new RequestError('not_pending', 'every invitee already answered');
    return { invitationId, canceled };
  }

  private async cancelAt(userId: string, invitationId: string, reason: CancelReason): Promise<{ userId: string; canceled: boolean }> {
    const outcome = await this.inbox.peer(userId).cancelInvitation({ invitationId, from: this.inbox.userId, reason });
    this.inbox.store.dropDelivery(userId, invitationId);
    this.applyInviteeUpdate(outcome);
    return { userId, canceled: outcome.canceled };
  }

  /**
   * RPC, on the sender's inbox: an invitee's delivery or outcome. Terminal states never change again. `known`: the
   * invitee's row (and the invitation's) as the send just wrote them, `written` with this update's profile and
   * delivery already in it. Returns whether it settled the invitee.
   */
  applyInviteeUpdate(update: InviteeUpdate, known?: { row: InviteeRow; written: boolean; outgoing: OutgoingRow }): boolean {
    const { store } = this.inbox;
    const row = known?.row ?? store.invitee(update.invitationId, update.userId);
    if (!row) {
      // An invitee answered before our own record of the send was written: apply it right after.
      this.inFlight.get(update.invitationId)?.early.push(update);
      return false;
    }
    // Written only when something changed: the invitee's profile comes with every update, nearly always the same.
    const userText = update.user ? JSON.stringify(update.user) : null;
    const newUser = userText !== null && userText !== row.user ? userText : null;
    const newlyDelivered = update.delivered === true && (row.delivered === 0 || known?.written === true);
    if (!known?.written && (newUser !== null || newlyDelivered)) store.updateInvitee(row.invitation_id, row.user_id, newUser, newlyDelivered);
    if (newlyDelivered && row.state === 'pending') {
      this.inbox.devices.broadcast({ type: 'invitation.delivered', invitationId: row.invitation_id, userId: row.user_id });
    }
    if (!update.state || update.state === 'pending' || row.state !== 'pending') return false;
    const user = update.user ?? (JSON.parse(row.user) as UserInfo);
    const outcome = { state: update.state, reason: update.reason ?? null, message: update.message ?? null, glareWith: update.glareWith ?? null };
    store.settleInvitee(row.invitation_id, row.user_id, outcome, Date.now());
    this.announce(known?.outgoing ?? store.sentInvitation(update.invitationId)!, row, user, update);
    return true;
  }

  /** Tells this user's devices an invitee's outcome. */
  private announce(outgoing: Omit<OutgoingRow, 'reconciled'>, row: InviteeRow, user: UserInfo, update: InviteeUpdate): void {
    const base = { invitationId: row.invitation_id, roomName: outgoing.room_name, callType: outgoing.call_type as ReceivedInvitation['callType'] };
    const { devices } = this.inbox;
    switch (update.state) {
      case 'accepted':
        devices.broadcast({
          type: 'invitation.accepted',
          ...base,
          roomUrl: outgoing.room_url,
          by: row.user_id,
          byUser: user,
          ...(update.glareWith ? { joined: true } : {}),
        });
        break;
      case 'declined':
        devices.broadcast({
          type: 'invitation.declined',
          ...base,
          roomUrl: outgoing.room_url,
          by: row.user_id,
          byUser: user,
          reason: (update.reason ?? 'declined') as DeclineReason,
          message: update.message ?? null,
        });
        break;
      case 'canceled':
        devices.broadcast({
          type: 'invitation.canceled',
          ...base,
          by: this.inbox.userId,
          userId: row.user_id,
          reason: (update.reason ?? 'canceled') as CancelReason,
        });
        break;
      case 'expired':
        devices.broadcast({ type: 'invitation.expired', ...base, userId: row.user_id, direction: 'outgoing' });
        break;
    }
  }
}
