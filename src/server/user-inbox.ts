import { Server, type Connection, type ConnectionContext, type WSMessage } from 'partyserver';
import {
  clientFrameSchema,
  describeIssues,
  parseJsonStrict,
  type ClientFrame,
  type ServerFrame,
} from '../protocol/frames.js';
import { LIMITS, SYSTEM_USER_ID } from '../protocol/limits.js';
import type {
  AnswerResult,
  CallHistoryPage,
  CancelReason,
  CancelResult,
  DeclineReason,
  ErrorCode,
  InviteeState,
  PresenceInfo,
  ReceivedInvitation,
  SendInvitationResult,
  Snapshot,
  UserInfo,
} from '../protocol/types.js';
import { projectsFrom, type Env } from './config.js';
import {
  HISTORY_INSTANT_QUERY,
  HISTORY_QUERY,
  SCHEMA,
  historyFromRow,
  inviteeFromRow,
  receivedFromOutgoing,
  receivedFromRow,
  sentFromRows,
  type HistoryRow,
  type IncomingRow,
  type InviteeRow,
  type OutgoingRow,
} from './inbox-store.js';
import { decide, glareWinner, type InviteeAction } from './invitation-rules.js';
import type { CancelRequest, InboxRpc, InviteeUpdate, OutboxKind } from './rpc.js';
import { runBackendCall, type BackendCall, type BackendResult } from './inbox-backend.js';
import { hubOrderFor, projectHub, type HubOrder, type InboxEvent } from './project-events.js';

/** Raised inside a request handler; becomes a typed error frame for the requesting connection. */
export class RequestError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

interface ConnectionState {
  deviceId: string;
}

/** Headers the Worker sets after verifying the token; the object trusts nothing else about identity. */
export const USER_HEADER = 'x-bax-user';
export const DEVICE_HEADER = 'x-bax-device';

const MUTATIONS = new Set<ClientFrame['type']>(['invite', 'accept', 'decline', 'cancel']);
const OUTBOX_BATCH = 50;
const OUTBOX_MAX_DELAY_MS = 60_000;
/**
 * How long an inbox trusts the hub's word that the project has no webhook endpoint. Handing over events costs
 * storage writes on the ringing path; a new endpoint receives events from at most this long after it is added.
 */
const HUB_QUIET_MS = 10_000;
/** How long after an invitation's expiry its sender double-checks invitees still shown as pending. */
const RECONCILE_AFTER_MS = 1000;

type Row = Record<string, SqlStorageValue>;

interface ProfileRow {
  name: string | null;
  avatar_url: string | null;
  status: string;
  last_seen: number | null;
  missed_seen_at: number;
  gone_deadline: number | null;
}

interface SendInFlight {
  invitation: ReceivedInvitation;
  senderDevice: string;
  /** Set when the glare rule accepted the invitee's crossing invitation instead of this one. */
  glareWith: string | null;
  /** Invitees' answers that arrived before the record was written. */
  early: InviteeUpdate[];
}

/**
 * One user of one project: every live connection of theirs, their presence, the invitations they sent and
 * received, and their call history. The invitee's inbox is the authority for each invitee's outcome.
 */
export class UserInbox extends Server<Env> {
  static override options = { hibernate: true };

  readonly projectId: string;
  readonly userId: string;
  /** Outbox rows being sent right now, so overlapping flushes do not send one twice. */
  private readonly outboxInFlight = new Set<number>();
  /** Mutations still being handled, by request key, so a retry arriving meanwhile shares the first attempt. */
  private readonly runningRequests = new Map<string, Promise<unknown>>();
  /** Sends whose deliveries are under way and whose record is not written yet, by invitation id. */
  private readonly sendsInFlight = new Map<string, SendInFlight>();
  /** The profile row, read once per instance; every write to it goes through run(), which forgets it. */
  private profileRow: ProfileRow | undefined;
  /** Outbox rows already sent, deleted with the next write rather than in a write (and disk flush) of their own. */
  private readonly outboxSent = new Set<number>();
  /** When the alarm is set for, as far as this instance knows (unknown after waking from hibernation). */
  private alarmAt: number | undefined;
  /** Until then the project's hub is known to have no webhook endpoint (see HUB_QUIET_MS). */
  private hubQuietUntil = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(SCHEMA);
    // An alarm may wake the object without its name (seen after a local restart), so the name is kept.
    let name = ctx.id.name;
    if (name) ctx.storage.sql.exec('UPDATE profile SET inbox_name = ? WHERE id = 1 AND inbox_name IS NOT ?', name, name);
    else name = String(ctx.storage.sql.exec<{ inbox_name: string | null }>('SELECT inbox_name FROM profile WHERE id = 1').one().inbox_name ?? '');
    const separator = name.indexOf(':');
    this.projectId = name.slice(0, separator);
    this.userId = name.slice(separator + 1);
  }

  // ---- SQL helpers -------------------------------------------------------------------------------------

  private rows<T>(query: string, ...bindings: SqlStorageValue[]): T[] {
    return this.ctx.storage.sql.exec<Row>(query, ...bindings).toArray() as T[];
  }

  private one<T>(query: string, ...bindings: SqlStorageValue[]): T | undefined {
    return this.rows<T>(query, ...bindings)[0];
  }

  private run(query: string, ...bindings: SqlStorageValue[]): void {
    this.ctx.storage.sql.exec(query, ...bindings);
    if (query.startsWith('UPDATE profile')) this.profileRow = undefined;
  }

  private inbox(userId: string): InboxRpc {
    const namespace = this.env.UserInbox;
    return namespace.get(namespace.idFromName(`${this.projectId}:${userId}`)) as unknown as InboxRpc;
  }

  private profile(): ProfileRow {
    return (this.profileRow ??= this.one<ProfileRow>('SELECT * FROM profile WHERE id = 1')!);
  }

  private me(): UserInfo {
    const profile = this.profile();
    return { userId: this.userId, name: profile.name, avatarUrl: profile.avatar_url };
  }

  // ---- connections -------------------------------------------------------------------------------------

  private openConnections(exceptId?: string): Connection<ConnectionState>[] {
    const open: Connection<ConnectionState>[] = [];
    for (const connection of this.getConnections<ConnectionState>()) {
      if (connection.id !== exceptId && connection.readyState === WebSocket.OPEN) open.push(connection);
    }
    return open;
  }

  private send(connection: Connection, frame: ServerFrame): void {
    connection.send(JSON.stringify(frame));
  }

  private broadcastFrame(frame: ServerFrame, exceptId?: string): void {
    this.broadcast(JSON.stringify(frame), exceptId ? [exceptId] : undefined);
  }

  override async onConnect(connection: Connection<ConnectionState>, ctx: ConnectionContext): Promise<void> {
    const user = JSON.parse(ctx.request.headers.get(USER_HEADER) ?? '{}') as Partial<UserInfo>;
    const deviceId = ctx.request.headers.get(DEVICE_HEADER) ?? connection.id;
    connection.setState({ deviceId });
    const now = Date.now();
    const wasOffline = this.openConnections(connection.id).length === 0;
    this.run('UPDATE profile SET name = ?, avatar_url = ?, last_seen = ?, gone_deadline = NULL WHERE id = 1', user.name ?? null, user.avatarUrl ?? null, now);

    this.expireDue(now);
    // Invitations that arrived while every device was away ring now; tell their senders they were delivered.
    const undelivered = this.rows<IncomingRow>("SELECT * FROM incoming WHERE state = 'pending' AND delivered = 0");
    if (undelivered.length > 0) {
      this.run("UPDATE incoming SET delivered = 1 WHERE state = 'pending' AND delivered = 0");
      for (const row of undelivered) {
        this.enqueue(row.from_id, 'update', { invitationId: row.invitation_id, userId: this.userId, user: this.me(), delivered: true } satisfies InviteeUpdate);
        this.emitProjectEvent({ type: 'invitation.delivered', row });
      }
    }
    this.send(connection, { type: 'snapshot', ...this.snapshot(now) });
    if (wasOffline) this.presenceUpdated();
    void this.flushOutbox();
    await this.scheduleAlarm();
  }

  override async onClose(connection: Connection, code: number): Promise<void> {
    // Answer the client's close frame, or its socket waits for a reply until it times out.
    try {
      connection.close(code === 1005 || code === 1006 ? 1000 : code, 'closed');
    } catch {
      // already closed
    }
    if (this.openConnections(connection.id).length > 0) return;
    const now = Date.now();
    const { status } = this.profile();
    const pendingOutgoing = this.one<{ n: number }>("SELECT count(*) AS n FROM outgoing_invitee WHERE state = 'pending'")!.n;
    const graceMatters = pendingOutgoing > 0 || status === 'busy';
    this.run('UPDATE profile SET last_seen = ?, gone_deadline = ? WHERE id = 1', now, graceMatters ? now + LIMITS.callerGraceMs : null);
    this.presenceUpdated(connection.id);
    await this.scheduleAlarm();
  }

  override async onMessage(connection: Connection<ConnectionState>, message: WSMessage): Promise<void> {
    let requestId: string | null = null;
    try {
      if (typeof message !== 'string') throw new RequestError('invalid_request', 'frames must be JSON text');
      // Even a frame too large to parse gets its error correlated to the request, when its id is readable.
      requestId = /"requestId"\s*:\s*"([^"\\]{1,64})"/.exec(message.slice(0, 4096))?.[1] ?? null;
      if (message.length > LIMITS.maxFrameBytes || new TextEncoder().encode(message).byteLength > LIMITS.maxFrameBytes) {
        throw new RequestError('invalid_request', `frames are limited to ${LIMITS.maxFrameBytes} bytes`);
      }
      let data: unknown;
      try {
        data = parseJsonStrict(message);
      } catch (error) {
        throw new RequestError('invalid_request', `malformed JSON: ${(error as Error).message}`);
      }
      if (data && typeof data === 'object' && typeof (data as { requestId?: unknown }).requestId === 'string') {
        requestId = ((data as { requestId: string }).requestId).slice(0, 64);
      }
      const parsed = clientFrameSchema.safeParse(data);
      if (!parsed.success) throw new RequestError('invalid_request', describeIssues(parsed.error));
      const frame = parsed.data;
      const result = await this.handleRequest(connection, frame);
      this.send(connection, { type: 'result', requestId: frame.requestId, result });
    } catch (error) {
      if (error instanceof RequestError) {
        this.send(connection, { type: 'error', requestId, code: error.code, message: error.message });
      } else {
        console.error('request failed', error);
        this.send(connection, { type: 'error', requestId, code: 'internal', message: 'the server could not complete the request' });
      }
    }
  }

  private async handleRequest(connection: Connection<ConnectionState>, frame: ClientFrame): Promise<unknown> {
    if (!MUTATIONS.has(frame.type)) return this.execute(connection, frame);
    // A retry (same request id, e.g. resent after a reconnect) gets the first result, even while the first
    // attempt is still running.
    const requestKey = `${frame.type}:${frame.requestId}`;
    const earlier = this.one<{ result: string }>('SELECT result FROM requests WHERE request_key = ?', requestKey);
    if (earlier) return JSON.parse(earlier.result);
    const running = this.runningRequests.get(requestKey);
    if (running) return running;
    const attempt = this.execute(connection, frame).then((result) => {
      this.run('INSERT OR REPLACE INTO requests (request_key, result, created_at) VALUES (?, ?, ?)', requestKey, JSON.stringify(result), Date.now());
      return result;
    });
    this.runningRequests.set(requestKey, attempt);
    try {
      return await attempt;
    } finally {
      this.runningRequests.delete(requestKey);
    }
  }

  private async execute(connection: Connection<ConnectionState>, frame: ClientFrame): Promise<unknown> {
    const deviceId = connection.state?.deviceId ?? connection.id;
    switch (frame.type) {
      case 'invite':
        return this.sendInvitation(connection, frame);
      case 'accept':
        return this.answer(frame.invitationId, 'accept', { deviceId, exceptConnection: connection.id });
      case 'decline':
        return this.answer(frame.invitationId, 'decline', {
          deviceId,
          exceptConnection: connection.id,
          reason: frame.reason ?? 'declined',
          message: frame.message ?? null,
        });
      case 'cancel':
        return this.cancel(frame.invitationId, frame.userIds);
      case 'presence.set':
        this.run('UPDATE profile SET status = ? WHERE id = 1', frame.status);
        this.presenceUpdated();
        return this.presenceInfo();
      case 'presence.get':
        return this.presenceOf(frame.userIds);
      case 'presence.subscribe':
        return this.subscribePresence(frame.userIds);
      case 'history.list':
        return this.history(deviceId, frame.limit ?? LIMITS.defaultHistoryPage, frame.before);
      case 'history.markSeen': {
        this.run('UPDATE profile SET missed_seen_at = ? WHERE id = 1', Date.now());
        this.broadcastFrame({ type: 'missed_calls.changed', missedCalls: 0 });
        return { missedCalls: 0 };
      }
      case 'ping':
        return { serverTime: Date.now() };
    }
  }

  // ---- sending -----------------------------------------------------------------------------------------

  private async sendInvitation(
    connection: Connection<ConnectionState>,
    frame: Extract<ClientFrame, { type: 'invite' }>,
  ): Promise<SendInvitationResult> {
    const to = [...new Set(Array.isArray(frame.to) ? frame.to : [frame.to])].sort();
    if (to.includes(this.userId)) throw new RequestError('invalid_request', 'to: a user cannot invite themselves');
    const now = Date.now();
    const toKey = JSON.stringify(to);

    const same = this.one<OutgoingRow>(
      `SELECT o.* FROM outgoing o WHERE o.room_name = ? AND o.to_ids = ? AND o.expires_at > ?
         AND EXISTS (SELECT 1 FROM outgoing_invitee i WHERE i.invitation_id = o.invitation_id AND i.state = 'pending')
       ORDER BY o.created_at DESC LIMIT 1`,
      frame.roomName,
      toKey,
      now,
    );
    if (same) return { ...this.sendResult(same), existing: true };

    if (to.length === 1) {
      const crossing = this.one<IncomingRow>(
        "SELECT * FROM incoming WHERE from_id = ? AND to_ids = ? AND state = 'pending' AND expires_at > ? ORDER BY created_at LIMIT 1",
        to[0]!,
        JSON.stringify([this.userId]),
        now,
      );
      if (crossing) {
        // The callee is already calling us: join that call instead of ringing them back (glare).
        const deviceId = connection.state?.deviceId ?? connection.id;
        this.resolveIncoming(crossing, 'accepted', { deviceId, exceptConnection: connection.id });
        return this.joinedResult(crossing);
      }
    }

    // The app backend (sending as the system user) is trusted and not rate limited; users are.
    if (this.userId !== SYSTEM_USER_ID) {
      const limit = projectsFrom(this.env).get(this.projectId)?.invitesPerMinute ?? LIMITS.defaultInvitesPerMinute;
      const recent = this.one<{ n: number }>('SELECT count(*) AS n FROM outgoing WHERE created_at > ?', now - 60_000)!.n + this.sendsInFlight.size;
      if (recent >= limit) throw new RequestError('rate_limited', `at most ${limit} invitations a minute`);
    }

    const invitation: ReceivedInvitation = {
      invitationId: newInvitationId(),
      from: this.userId,
      fromUser: this.me(),
      to,
      callType: frame.callType,
      roomName: frame.roomName,
      roomUrl: frame.roomUrl ?? null,
      message: frame.message ?? null,
      metadata: frame.metadata ?? null,
      createdAt: now,
      expiresAt: now + (frame.timeoutSeconds ?? LIMITS.defaultTimeoutSeconds) * 1000,
    };
    // Deliver first, then write our own record: a message sent after a write waits until that write is durable,
    // and the ring should not. The sender is answered only after the write. Until then the send is kept in
    // memory, so the glare rule and early answers from invitees see it.
    const senderDevice = connection.state?.deviceId ?? connection.id;
    const flight: SendInFlight = { invitation, senderDevice, glareWith: null, early: [] };
    this.sendsInFlight.set(invitation.invitationId, flight);
    let updates: Array<InviteeUpdate | undefined>;
    try {
      updates = await Promise.all(to.map((userId) => this.tryDeliver(userId, invitation)));
    } finally {
      this.sendsInFlight.delete(invitation.invitationId);
    }
    this.run(
      `INSERT INTO outgoing (invitation_id, to_ids, call_type, room_name, room_url, message, metadata, created_at, expires_at, sender_device)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      invitation.invitationId,
      toKey,
      invitation.callType,
      invitation.roomName,
      invitation.roomUrl,
      invitation.message,
      invitation.metadata ? JSON.stringify(invitation.metadata) : null,
      invitation.createdAt,
      invitation.expiresAt,
      senderDevice,
    );
    for (const userId of to) {
      this.run(
        "INSERT INTO outgoing_invitee (invitation_id, user_id, user, state, glare_with) VALUES (?, ?, ?, 'pending', ?)",
        invitation.invitationId,
        userId,
        JSON.stringify({ userId, name: null, avatarUrl: null } satisfies UserInfo),
        flight.glareWith,
      );
    }
    for (const [index, update] of updates.entries()) {
      if (update) await this.applyInviteeUpdate(update);
      // Not reached: the outbox retries the delivery until it lands or the invitation expires.
      else this.enqueue(to[index]!, 'deliver', invitation, Date.now() + 1000);
    }
    for (const update of flight.early) await this.applyInviteeUpdate(update);
    if (updates.includes(undefined)) await this.scheduleAlarm();

    const joined = updates[0]?.winner ? await this.joinCrossingCall(updates[0].winner) : undefined;
    if (joined) return joined;
    const outgoing = this.one<OutgoingRow>('SELECT * FROM outgoing WHERE invitation_id = ?', invitation.invitationId)!;
    const invitees = this.rows<InviteeRow>('SELECT * FROM outgoing_invitee WHERE invitation_id = ?', invitation.invitationId);
    const sent = sentFromRows(outgoing, invitation.fromUser, invitees);
    this.broadcastFrame({ type: 'invitation.sent', invitation: sent }, connection.id);
    this.emitProjectEvent({ type: 'invitation.created', invitation: sent });
    return this.sendResult(outgoing, invitees);
  }

  private async tryDeliver(userId: string, invitation: ReceivedInvitation): Promise<InviteeUpdate | undefined> {
    try {
      return await this.inbox(userId).deliverInvitation(invitation);
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
    if (!this.one('SELECT 1 FROM incoming WHERE invitation_id = ?', winner.invitationId)) {
      const update = await this.deliverInvitation(winner);
      this.enqueue(winner.from, 'update', update);
      void this.flushOutbox();
    }
    const row = this.one<IncomingRow>("SELECT * FROM incoming WHERE invitation_id = ? AND state = 'accepted'", winner.invitationId);
    return row ? this.joinedResult(row) : undefined;
  }

  private sendResult(
    outgoing: OutgoingRow,
    invitees = this.rows<InviteeRow>('SELECT * FROM outgoing_invitee WHERE invitation_id = ?', outgoing.invitation_id),
  ): SendInvitationResult {
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

  /** RPC, on the invitee's inbox: records an invitation and rings every live device. Idempotent. */
  async deliverInvitation(invitation: ReceivedInvitation): Promise<InviteeUpdate> {
    const known = this.one<IncomingRow>('SELECT * FROM incoming WHERE invitation_id = ?', invitation.invitationId);
    if (known) return this.updateFor(known);
    const now = Date.now();
    const devices = this.openConnections();

    if (invitation.to.length === 1) {
      const glare = this.decideGlare(invitation, now);
      if (glare) return glare;
    }
    if (this.profile().status === 'busy' && devices.length > 0) {
      this.insertIncoming(invitation, { state: 'declined', reason: 'busy', endedAt: now });
      return { invitationId: invitation.invitationId, userId: this.userId, user: this.me(), delivered: false, state: 'declined', reason: 'busy' };
    }
    // Ring before writing: a message sent after a write waits for that write to be durable, and the ring is
    // no acknowledgement. The sender is answered only after the write; should it fail, the object restarts
    // and the device's accept meets not_found, which dismisses the call.
    this.broadcastFrame({ type: 'invitation.received', invitation });
    this.insertIncoming(invitation, { state: 'pending', delivered: devices.length > 0 });
    this.emitProjectEvent({ type: 'invitation.received', invitation, delivered: devices.length > 0 });
    await this.alarmBy(invitation.expiresAt);
    return { invitationId: invitation.invitationId, userId: this.userId, user: this.me(), delivered: devices.length > 0, state: 'pending' };
  }

  /**
   * Two 1:1 invitations crossing between the same users. Each inbox decides only the invitation it is the
   * authority for: the older one is accepted, the younger canceled. Both inboxes use the same rule, so the
   * pair ends as one call whichever arrives first. A decision already taken for this pair (our invitation
   * accepted or canceled in favour of this one) is kept.
   */
  private decideGlare(invitation: ReceivedInvitation, now: number): InviteeUpdate | undefined {
    const ours = this.one<OutgoingRow & InviteeRow>(
      `SELECT o.*, i.state, i.glare_with FROM outgoing o JOIN outgoing_invitee i ON i.invitation_id = o.invitation_id
        WHERE i.user_id = ? AND o.to_ids = ? AND o.expires_at > ? AND (i.state = 'pending' OR i.glare_with = ?)
        ORDER BY o.created_at DESC LIMIT 1`,
      invitation.from,
      JSON.stringify([invitation.from]),
      now,
      invitation.invitationId,
    );
    if (!ours) return this.decideGlareInFlight(invitation, now);
    const theirsWins =
      ours.state === 'pending'
        ? glareWinner<{ invitationId: string; createdAt: number }>(invitation, { invitationId: ours.invitation_id, createdAt: ours.created_at }) === invitation
        : ours.state === 'canceled';
    const base = { invitationId: invitation.invitationId, userId: this.userId, user: this.me(), delivered: true, glareWith: ours.invitation_id };
    if (!theirsWins) {
      this.insertIncoming(invitation, { state: 'canceled', reason: 'glare', endedAt: now });
      // The loser's sender learns which call it joins, so it can answer its own send with that call.
      return { ...base, state: 'canceled', reason: 'glare', winner: receivedFromOutgoing(ours, this.me()) };
    }
    // Our own pending invitation is canceled by its invitee's inbox, which applies the same rule.
    this.insertIncoming(invitation, { state: 'accepted', delivered: true, endedAt: now, answeredDevice: ours.sender_device ?? 'glare' });
    this.run('UPDATE outgoing_invitee SET glare_with = ? WHERE invitation_id = ?', invitation.invitationId, ours.invitation_id);
    return { ...base, state: 'accepted' };
  }

  /** The glare rule against a 1:1 send of ours whose record is not written yet. */
  private decideGlareInFlight(invitation: ReceivedInvitation, now: number): InviteeUpdate | undefined {
    const flight = [...this.sendsInFlight.values()].find(
      (candidate) => candidate.invitation.to.length === 1 && candidate.invitation.to[0] === invitation.from && candidate.glareWith === null,
    );
    if (!flight) return undefined;
    const ours = flight.invitation;
    const base = { invitationId: invitation.invitationId, userId: this.userId, user: this.me(), delivered: true, glareWith: ours.invitationId };
    if (glareWinner(invitation, ours) !== invitation) {
      this.insertIncoming(invitation, { state: 'canceled', reason: 'glare', endedAt: now });
      return { ...base, state: 'canceled', reason: 'glare', winner: ours };
    }
    this.insertIncoming(invitation, { state: 'accepted', delivered: true, endedAt: now, answeredDevice: flight.senderDevice });
    flight.glareWith = invitation.invitationId;
    return { ...base, state: 'accepted' };
  }

  /** The answer to a send that became (part of) a call already under way: the crossing invitation, accepted. */
  private joinedResult(row: IncomingRow): SendInvitationResult {
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

  private insertIncoming(
    invitation: ReceivedInvitation,
    outcome: { state: InviteeState; reason?: string; delivered?: boolean; endedAt?: number; answeredDevice?: string },
  ): void {
    this.run(
      `INSERT INTO incoming (invitation_id, from_id, from_user, to_ids, call_type, room_name, room_url, message, metadata,
                             created_at, expires_at, state, reason, delivered, answered_device, ended_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      invitation.invitationId,
      invitation.from,
      JSON.stringify(invitation.fromUser),
      JSON.stringify(invitation.to),
      invitation.callType,
      invitation.roomName,
      invitation.roomUrl,
      invitation.message,
      invitation.metadata ? JSON.stringify(invitation.metadata) : null,
      invitation.createdAt,
      invitation.expiresAt,
      outcome.state,
      outcome.reason ?? null,
      outcome.delivered ? 1 : 0,
      outcome.answeredDevice ?? null,
      outcome.endedAt ?? null,
    );
  }

  private updateFor(row: IncomingRow): InviteeUpdate {
    return {
      invitationId: row.invitation_id,
      userId: this.userId,
      user: this.me(),
      delivered: row.delivered === 1,
      state: row.state as InviteeState,
      reason: row.reason,
      message: row.reply_message,
    };
  }

  // ---- answering (invitee side) ------------------------------------------------------------------------

  private answer(
    invitationId: string,
    action: Extract<InviteeAction, 'accept' | 'decline'>,
    options: { deviceId: string; exceptConnection: string; reason?: DeclineReason; message?: string | null },
  ): AnswerResult {
    const row = this.one<IncomingRow>('SELECT * FROM incoming WHERE invitation_id = ?', invitationId);
    if (!row) {
      const sentByMe = this.one('SELECT 1 FROM outgoing WHERE invitation_id = ?', invitationId);
      if (sentByMe) throw new RequestError('forbidden', 'only an invitee may accept or decline an invitation');
      throw new RequestError('not_found', 'no such invitation');
    }
    const now = Date.now();
    const decision = decide({ state: row.state as InviteeState, expiresAt: row.expires_at }, action, now);
    if (!decision.ok) {
      if (row.state === 'pending' && decision.state === 'expired') this.resolveIncoming(row, 'expired', {});
      throw new RequestError('not_pending', `the invitation is already ${decision.state}`);
    }
    this.resolveIncoming(row, decision.state, options);
    return { invitationId, state: decision.state };
  }

  /** Records one outcome of an incoming invitation, tells this user's devices and, durably, the sender. */
  private resolveIncoming(
    row: IncomingRow,
    state: InviteeState,
    options: { deviceId?: string; exceptConnection?: string; reason?: string | null; message?: string | null },
  ): void {
    const now = Date.now();
    this.run(
      "UPDATE incoming SET state = ?, reason = ?, reply_message = ?, answered_device = ?, ended_at = ? WHERE invitation_id = ? AND state = 'pending'",
      state,
      options.reason ?? null,
      options.message ?? null,
      options.deviceId ?? null,
      now,
      row.invitation_id,
    );
    this.emitProjectEvent({ type: 'invitation.resolved', row, state, reason: options.reason, message: options.message });
    if (state === 'accepted' || state === 'declined') {
      this.broadcastFrame({ type: 'invitation.answered_elsewhere', invitationId: row.invitation_id, outcome: state }, options.exceptConnection);
    } else if (state === 'canceled') {
      this.broadcastFrame({
        type: 'invitation.canceled',
        invitationId: row.invitation_id,
        roomName: row.room_name,
        callType: row.call_type as ReceivedInvitation['callType'],
        by: row.from_id,
        userId: this.userId,
        reason: (options.reason ?? 'canceled') as CancelReason,
      });
    } else if (state === 'expired') {
      this.broadcastFrame({
        type: 'invitation.expired',
        invitationId: row.invitation_id,
        roomName: row.room_name,
        callType: row.call_type as ReceivedInvitation['callType'],
        userId: this.userId,
        direction: 'incoming',
      });
      this.broadcastFrame({ type: 'missed_calls.changed', missedCalls: this.missedCalls() });
    }
    this.enqueue(row.from_id, 'update', {
      invitationId: row.invitation_id,
      userId: this.userId,
      user: this.me(),
      state,
      reason: options.reason ?? null,
      message: options.message ?? null,
    } satisfies InviteeUpdate);
    void this.flushOutbox();
  }

  /** RPC, on the invitee's inbox: the sender cancels. Loses to an answer or expiry that came first. */
  async cancelInvitation(request: CancelRequest): Promise<InviteeUpdate & { canceled: boolean }> {
    const row = this.one<IncomingRow>('SELECT * FROM incoming WHERE invitation_id = ? AND from_id = ?', request.invitationId, request.from);
    if (!row) {
      // Never delivered here: nothing rings, so the cancel simply wins.
      return { invitationId: request.invitationId, userId: this.userId, state: 'canceled', reason: request.reason, canceled: true };
    }
    const decision = decide({ state: row.state as InviteeState, expiresAt: row.expires_at }, 'cancel', Date.now());
    if (!decision.ok) {
      if (row.state === 'pending' && decision.state === 'expired') this.resolveIncoming(row, 'expired', {});
      const current = this.one<IncomingRow>('SELECT * FROM incoming WHERE invitation_id = ?', request.invitationId)!;
      return { ...this.updateFor(current), canceled: false };
    }
    this.resolveIncoming(row, 'canceled', { reason: request.reason });
    await this.scheduleAlarm();
    return { invitationId: request.invitationId, userId: this.userId, user: this.me(), state: 'canceled', reason: request.reason, canceled: true };
  }

  /** RPC, on the invitee's inbox: the sender asks for the current outcome, applying any expiry that is due. */
  async syncInvitation(request: { invitationId: string; from: string }): Promise<InviteeUpdate | null> {
    this.expireDue(Date.now());
    const row = this.one<IncomingRow>('SELECT * FROM incoming WHERE invitation_id = ? AND from_id = ?', request.invitationId, request.from);
    return row ? this.updateFor(row) : null;
  }

  // ---- the sender's view -------------------------------------------------------------------------------

  private async cancel(invitationId: string, userIds: string[] | undefined): Promise<CancelResult> {
    const outgoing = this.one<OutgoingRow>('SELECT * FROM outgoing WHERE invitation_id = ?', invitationId);
    if (!outgoing) {
      const receivedByMe = this.one('SELECT 1 FROM incoming WHERE invitation_id = ?', invitationId);
      if (receivedByMe) throw new RequestError('forbidden', 'only the sender may cancel an invitation; invitees decline');
      throw new RequestError('not_found', 'no such invitation');
    }
    let pending = this.rows<InviteeRow>("SELECT * FROM outgoing_invitee WHERE invitation_id = ? AND state = 'pending'", invitationId);
    if (userIds) pending = pending.filter((row) => userIds.includes(row.user_id));
    if (pending.length === 0) throw new RequestError('not_pending', 'no invitee of this invitation is still pending');
    const outcomes = await Promise.all(pending.map((row) => this.cancelAt(row.user_id, invitationId, 'canceled')));
    const canceled = outcomes.filter((outcome) => outcome.canceled).map((outcome) => outcome.userId);
    if (canceled.length === 0) throw new RequestError('not_pending', 'every invitee already answered');
    return { invitationId, canceled };
  }

  private async cancelAt(userId: string, invitationId: string, reason: CancelReason): Promise<{ userId: string; canceled: boolean }> {
    const outcome = await this.inbox(userId).cancelInvitation({ invitationId, from: this.userId, reason });
    this.run("DELETE FROM outbox WHERE kind = 'deliver' AND target = ? AND json_extract(payload, '$.invitationId') = ?", userId, invitationId);
    await this.applyInviteeUpdate(outcome);
    return { userId, canceled: outcome.canceled };
  }

  /** RPC, on the sender's inbox: an invitee's delivery or outcome. Terminal states never change again. */
  async applyInviteeUpdate(update: InviteeUpdate): Promise<void> {
    const row = this.one<InviteeRow>('SELECT * FROM outgoing_invitee WHERE invitation_id = ? AND user_id = ?', update.invitationId, update.userId);
    if (!row) {
      // An invitee answered before our own record of the send was written: apply it right after.
      this.sendsInFlight.get(update.invitationId)?.early.push(update);
      return;
    }
    const outgoing = this.one<OutgoingRow>('SELECT * FROM outgoing WHERE invitation_id = ?', update.invitationId)!;
    if (update.user) this.run('UPDATE outgoing_invitee SET user = ? WHERE invitation_id = ? AND user_id = ?', JSON.stringify(update.user), row.invitation_id, row.user_id);
    const user = update.user ?? (JSON.parse(row.user) as UserInfo);
    if (update.delivered && row.delivered === 0) {
      this.run('UPDATE outgoing_invitee SET delivered = 1 WHERE invitation_id = ? AND user_id = ?', row.invitation_id, row.user_id);
      if (row.state === 'pending') this.broadcastFrame({ type: 'invitation.delivered', invitationId: row.invitation_id, userId: row.user_id });
    }
    if (!update.state || update.state === 'pending' || row.state !== 'pending') return;
    this.run(
      'UPDATE outgoing_invitee SET state = ?, reason = ?, reply_message = ?, ended_at = ?, glare_with = ? WHERE invitation_id = ? AND user_id = ?',
      update.state,
      update.reason ?? null,
      update.message ?? null,
      Date.now(),
      update.glareWith ?? null,
      row.invitation_id,
      row.user_id,
    );
    // Once every invitee has an outcome there is nothing left to double-check at expiry.
    this.run(
      "UPDATE outgoing SET reconciled = 1 WHERE invitation_id = ? AND NOT EXISTS (SELECT 1 FROM outgoing_invitee WHERE invitation_id = ? AND state = 'pending')",
      row.invitation_id,
      row.invitation_id,
    );
    const base = { invitationId: row.invitation_id, roomName: outgoing.room_name, callType: outgoing.call_type as ReceivedInvitation['callType'] };
    switch (update.state) {
      case 'accepted':
        this.broadcastFrame({ type: 'invitation.accepted', ...base, roomUrl: outgoing.room_url, by: row.user_id, byUser: user, ...(update.glareWith ? { joined: true } : {}) });
        break;
      case 'declined':
        this.broadcastFrame({
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
        this.broadcastFrame({ type: 'invitation.canceled', ...base, by: this.userId, userId: row.user_id, reason: (update.reason ?? 'canceled') as CancelReason });
        break;
      case 'expired':
        this.broadcastFrame({ type: 'invitation.expired', ...base, userId: row.user_id, direction: 'outgoing' });
        break;
    }
  }

  // ---- presence ----------------------------------------------------------------------------------------

  private presenceInfo(exceptConnection?: string): PresenceInfo {
    const profile = this.profile();
    const online = this.openConnections(exceptConnection).length > 0;
    return {
      userId: this.userId,
      status: online ? (profile.status as PresenceInfo['status']) : 'offline',
      lastSeen: online ? Date.now() : profile.last_seen,
    };
  }

  /** Pushes this user's presence to their own devices and to every subscriber, without waiting on them. */
  private presenceUpdated(exceptConnection?: string): void {
    const info = this.presenceInfo(exceptConnection);
    this.broadcastFrame({ type: 'presence.changed', ...info }, exceptConnection);
    for (const { user_id } of this.rows<{ user_id: string }>('SELECT user_id FROM watchers')) {
      this.inbox(user_id)
        .presenceChanged(info)
        .then((stillWatching) => {
          if (!stillWatching) this.run('DELETE FROM watchers WHERE user_id = ?', user_id);
        })
        .catch((error: unknown) => console.error('presence push failed', error));
    }
  }

  async getPresenceInfo(): Promise<PresenceInfo> {
    return this.presenceInfo();
  }

  async watch(watcherId: string): Promise<PresenceInfo> {
    this.run('INSERT OR IGNORE INTO watchers (user_id) VALUES (?)', watcherId);
    return this.presenceInfo();
  }

  async presenceChanged(info: PresenceInfo): Promise<boolean> {
    if (!this.one('SELECT 1 FROM watching WHERE user_id = ?', info.userId)) return false;
    this.broadcastFrame({ type: 'presence.changed', ...info });
    return true;
  }

  private presenceOf(userIds: string[]): Promise<PresenceInfo[]> {
    return Promise.all(
      [...new Set(userIds)].map((userId) => (userId === this.userId ? this.presenceInfo() : this.inbox(userId).getPresenceInfo())),
    );
  }

  private async subscribePresence(userIds: string[]): Promise<PresenceInfo[]> {
    const now = Date.now();
    const unique = [...new Set(userIds)].filter((userId) => userId !== this.userId);
    for (const userId of unique) this.run('INSERT OR REPLACE INTO watching (user_id, since) VALUES (?, ?)', userId, now);
    // Keep the newest subscriptions when a user follows more people than the cap.
    this.run('DELETE FROM watching WHERE user_id NOT IN (SELECT user_id FROM watching ORDER BY since DESC LIMIT ?)', LIMITS.maxPresenceUsers);
    return Promise.all(unique.map((userId) => this.inbox(userId).watch(this.userId)));
  }

  // ---- history and snapshot ----------------------------------------------------------------------------

  private missedCalls(): number {
    return this.one<{ n: number }>("SELECT count(*) AS n FROM incoming WHERE state = 'expired' AND ended_at > ?", this.profile().missed_seen_at)!.n;
  }

  private history(deviceId: string, limit: number, before: number | undefined): CallHistoryPage {
    const rows = this.rows<HistoryRow>(HISTORY_QUERY, before ?? Number.MAX_SAFE_INTEGER, limit + 1);
    let page = rows.slice(0, limit);
    let nextBefore: number | null = null;
    if (rows.length > limit) {
      const last = page[page.length - 1]!;
      // Entries of one instant stay on one page, so paging by timestamp never skips any.
      const sameInstant = this.rows<HistoryRow>(HISTORY_INSTANT_QUERY, last.created_at);
      const seen = new Set(page.map((row) => `${row.direction}:${row.invitation_id}:${row.counterpart}`));
      page = page.concat(sameInstant.filter((row) => !seen.has(`${row.direction}:${row.invitation_id}:${row.counterpart}`)));
      nextBefore = last.created_at;
    }
    return { entries: page.map((row) => historyFromRow(row, deviceId)), nextBefore, missedCalls: this.missedCalls() };
  }

  private snapshot(now: number): Snapshot {
    const incoming = this.rows<IncomingRow>("SELECT * FROM incoming WHERE state = 'pending' ORDER BY created_at").map(receivedFromRow);
    const me = this.me();
    const outgoing = this.rows<OutgoingRow>(
      `SELECT * FROM outgoing WHERE invitation_id IN (SELECT invitation_id FROM outgoing_invitee WHERE state = 'pending')
       ORDER BY created_at`,
    ).map((row) => sentFromRows(row, me, this.rows<InviteeRow>('SELECT * FROM outgoing_invitee WHERE invitation_id = ?', row.invitation_id)));
    return {
      user: me,
      presence: this.profile().status as Snapshot['presence'],
      incoming,
      outgoing,
      missedCalls: this.missedCalls(),
      serverTime: now,
    };
  }

  // ---- time: expiry, caller grace, outbox retries ------------------------------------------------------

  private expireDue(now: number): void {
    for (const row of this.rows<IncomingRow>("SELECT * FROM incoming WHERE state = 'pending' AND expires_at <= ?", now)) {
      this.resolveIncoming(row, 'expired', {});
    }
  }

  override async onAlarm(): Promise<void> {
    this.alarmAt = undefined;
    this.purgeSentOutbox();
    const now = Date.now();
    this.expireDue(now);
    const { gone_deadline } = this.profile();
    if (gone_deadline !== null && gone_deadline <= now) {
      this.run('UPDATE profile SET gone_deadline = NULL WHERE id = 1');
      if (this.openConnections().length === 0) {
        // Busy means "in a call" or "do not disturb" while connected; a user gone for good is no longer busy.
        this.run("UPDATE profile SET status = 'online' WHERE id = 1");
        const pending = this.rows<InviteeRow>("SELECT * FROM outgoing_invitee WHERE state = 'pending'");
        for (const row of pending) {
          this.enqueue(row.user_id, 'cancel', { invitationId: row.invitation_id, from: this.userId, reason: 'caller_disconnected' } satisfies CancelRequest);
        }
      }
    }
    // Past an invitation's expiry the sender asks each still-pending invitee's inbox once, so an expiry is
    // reported even if that inbox's own alarm was lost (a local dev server restores no alarms after a crash).
    const overdue = this.rows<InviteeRow>(
      `SELECT i.* FROM outgoing o JOIN outgoing_invitee i ON i.invitation_id = o.invitation_id
        WHERE o.reconciled = 0 AND o.expires_at + ? <= ? AND i.state = 'pending'`,
      RECONCILE_AFTER_MS,
      now,
    );
    for (const row of overdue) this.enqueue(row.user_id, 'sync', { invitationId: row.invitation_id, from: this.userId });
    this.run('UPDATE outgoing SET reconciled = 1 WHERE reconciled = 0 AND expires_at + ? <= ?', RECONCILE_AFTER_MS, now);
    this.run('DELETE FROM requests WHERE created_at < ?', now - LIMITS.requestIdTtlMs);
    await this.flushOutbox();
    await this.scheduleAlarm();
  }

  private async scheduleAlarm(): Promise<void> {
    const next = this.one<{ at: number | null }>(
      `SELECT min(at) AS at FROM (
         SELECT min(expires_at) AS at FROM incoming WHERE state = 'pending'
         UNION ALL SELECT gone_deadline FROM profile
         UNION ALL SELECT min(next_at) FROM outbox WHERE 1${this.unsentOutbox()}
         UNION ALL SELECT min(expires_at) + ${RECONCILE_AFTER_MS} FROM outgoing WHERE reconciled = 0
         UNION ALL SELECT min(created_at) + ? FROM requests)`,
      LIMITS.requestIdTtlMs,
    )?.at;
    if (next === null || next === undefined) return;
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > next || current < Date.now()) {
      await this.ctx.storage.setAlarm(next);
      this.alarmAt = next;
    } else {
      this.alarmAt = current;
    }
  }

  /** Makes sure the alarm fires by `at`; skips the storage round when the known alarm already does. */
  private async alarmBy(at: number): Promise<void> {
    if (this.alarmAt !== undefined && this.alarmAt <= at && this.alarmAt > Date.now()) return;
    await this.scheduleAlarm();
  }

  /** Hands a lifecycle event to the project's hub (webhooks, Web Push) through the durable outbox; never awaited here. */
  private emitProjectEvent(event: InboxEvent): void {
    // While the project has no webhook endpoint, events that cannot carry a push are not handed over at all.
    const quiet = Date.now() < this.hubQuietUntil;
    const mayPush = (event.type === 'invitation.received' && !event.delivered) || event.type === 'invitation.resolved';
    if (quiet && !mayPush) return;
    const order = hubOrderFor(event, { projectId: this.projectId, me: this.me(), sql: this.ctx.storage.sql });
    if (!order || (quiet && !order.push)) return;
    this.enqueue(this.projectId, 'event', order);
    void this.flushOutbox();
  }

  /** RPC for the REST API and the ProjectHub (src/server/inbox-backend.ts): requests from a device without a socket. */
  async backendRequest(call: BackendCall): Promise<BackendResult> {
    return runBackendCall(call, {
      sql: this.ctx.storage.sql,
      me: () => this.me(),
      updateProfile: (name, avatarUrl) =>
        this.run('UPDATE profile SET name = coalesce(?, name), avatar_url = coalesce(?, avatar_url) WHERE id = 1', name, avatarUrl),
      handle: (frame, deviceId) => this.handleRequest({ id: `rest:${deviceId}`, state: { deviceId } } as unknown as Connection<ConnectionState>, frame),
    });
  }

  private enqueue(target: string, kind: OutboxKind, payload: unknown, nextAt = Date.now()): void {
    this.purgeSentOutbox();
    this.run('INSERT INTO outbox (target, kind, payload, next_at) VALUES (?, ?, ?, ?)', target, kind, JSON.stringify(payload), nextAt);
  }

  /**
   * Deletes sent outbox rows as part of a write that happens anyway. Should the object restart first, those
   * rows are sent again; every outbox message is idempotent at its receiver.
   */
  private purgeSentOutbox(): void {
    if (this.outboxSent.size === 0) return;
    this.run(`DELETE FROM outbox WHERE id IN (${[...this.outboxSent].join(',')})`);
    this.outboxSent.clear();
  }

  /** Outbox rows still to send, as SQL: sent rows wait in memory for their deletion. */
  private unsentOutbox(): string {
    return this.outboxSent.size === 0 ? '' : ` AND id NOT IN (${[...this.outboxSent].join(',')})`;
  }

  /** Sends due cross-inbox messages; failures back off exponentially and are retried by the alarm. */
  private async flushOutbox(): Promise<void> {
    const due = this.rows<{ id: number; target: string; kind: OutboxKind; payload: string; attempts: number }>(
      `SELECT * FROM outbox WHERE next_at <= ?${this.unsentOutbox()} ORDER BY id LIMIT ?`,
      Date.now(),
      OUTBOX_BATCH,
    ).filter((row) => !this.outboxInFlight.has(row.id));
    if (due.length === 0) return;
    let failed = false;
    await Promise.all(
      due.map(async (row) => {
        this.outboxInFlight.add(row.id);
        try {
          const payload = JSON.parse(row.payload);
          const target = this.inbox(row.target);
          if (row.kind === 'event') {
            const { listening } = await projectHub(this.env, this.projectId).ingest(payload as HubOrder);
            this.hubQuietUntil = listening ? 0 : Date.now() + HUB_QUIET_MS;
          }
          else if (row.kind === 'update') await target.applyInviteeUpdate(payload as InviteeUpdate);
          else if (row.kind === 'deliver') await this.applyInviteeUpdate(await target.deliverInvitation(payload as ReceivedInvitation));
          else if (row.kind === 'sync') {
            const update = await target.syncInvitation(payload as { invitationId: string; from: string });
            if (update) await this.applyInviteeUpdate(update);
          }
          else await this.applyInviteeUpdate(await target.cancelInvitation(payload as CancelRequest));
          this.outboxSent.add(row.id);
        } catch (error) {
          failed = true;
          console.error(`outbox ${row.kind} to ${row.target} failed`, error);
          const delay = Math.min(1000 * 2 ** row.attempts, OUTBOX_MAX_DELAY_MS);
          this.run('UPDATE outbox SET attempts = attempts + 1, next_at = ? WHERE id = ?', Date.now() + delay, row.id);
        } finally {
          this.outboxInFlight.delete(row.id);
        }
      }),
    );
    if (failed || due.length === OUTBOX_BATCH) await this.scheduleAlarm();
  }
}

/** 128 random bits, base64url: unguessable, so knowing an id grants nothing without the right identity anyway. */
function newInvitationId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
