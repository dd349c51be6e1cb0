import { Server, type Connection, type ConnectionContext, type WSMessage } from 'partyserver';
import { CLOCK_PROBE, CLOCK_PROBE_ANSWER, SOCKET_PROTOCOL, TOKEN_EXPIRED_CLOSE_CODE } from '../protocol/socket.js';
import { clientFrameSchema, describeIssues, parseJsonStrict, type ClientFrame, type ServerFrame } from '../protocol/frames.js';
import { CLOSE_CODES, LIMITS } from '../protocol/limits.js';
import type { PresenceInfo, ReceivedInvitation, UserInfo } from '../protocol/types.js';
import { projectsFrom, type Env } from './config.js';
import { takeFrame, type FrameBucket } from './inbox/frame-rate.js';
import { graceDeadline } from './inbox/grace.js';
import { historyPage, markMissedCallsSeen, snapshot } from './inbox/history.js';
import { answer, cancelInvitation, deliverInvitation, expireDue, reportDelivered, syncInvitation } from './inbox/incoming.js';
import { Inbox, type Requester } from './inbox/inbox.js';
import {
  addWatcher,
  presenceFor,
  presenceOf,
  presenceToWatchers,
  presenceUpdated,
  rememberInvitationContacts,
  setContacts,
  setPresence,
  showPresence,
  subscribePresence,
} from './inbox/presence.js';
import { RequestError } from './inbox/request-error.js';
import {
  applyRoomNotice,
  handleRoomFrame,
  readmitForInvitation,
  roomConnectionClosed,
  roomConnectionsSwept,
  roomFrameDelivered,
  ROOM_GRANTS_HEADER,
  type ConnectionGrants,
} from './inbox/room.js';
import { InboxStore } from './inbox/store.js';
import { withNameRecord } from './party-name.js';
import { runBackendCall, type BackendCall, type BackendResult } from './inbox-backend.js';
import type { RoomDelivery, RoomInboxRpc, RoomNotice } from './room/types.js';
import type { CancelRequest, InboxRpc, InviteeUpdate, SyncRequest, WatchAnswer } from './rpc.js';
import { TokenError, verifyUserTokenFor } from './tokens.js';

/** What the object keeps per connection (≤ 2 KB, kept through hibernation). */
interface ConnectionState {
  deviceId: string;
  connectedAt: number;
  /** The connection's frame allowance, when it must outlive the object's eviction (see UserInbox.takeFrame). */
  frames?: FrameBucket;
  /** When the token the socket signed in with (or last refreshed to) expires; the socket is closed then. */
  tokenExpiresAt: number;
  /** The room grants of the token the device connected with (src/server/inbox/room.ts). */
  grants?: ConnectionGrants | null;
  /**
   * How the token showed the user, kept while the inbox has stored nothing yet: a new user's connect writes nothing
   * (InboxTables.deviceConnected), and an instance started later reads the profile back from here.
   */
  user?: { name: string | null; avatarUrl: string | null };
}

/** Longest avatar URL a connection's state carries (its state is at most 2 KB); a longer one is stored at once. */
const MAX_UNSAVED_AVATAR_URL = 1024;

/** Headers the Worker sets after verifying the token; the object trusts nothing else about identity. */
export const USER_HEADER = 'x-bax-user';
export const DEVICE_HEADER = 'x-bax-device';
export const TOKEN_EXPIRY_HEADER = 'x-bax-token-expires';

/** Each socket's connection id, as partyserver stored it in the socket's attachment when it accepted it. */
const connectionIds = new WeakMap<WebSocket, string>();

function connectionIdOf(socket: WebSocket): string | undefined {
  let id = connectionIds.get(socket);
  if (id === undefined) {
    // The prototype's method: partyserver replaces the socket's own with one that answers the user's state only.
    const attachment = WebSocket.prototype.deserializeAttachment.call(socket) as { __pk?: { id?: unknown } } | null;
    if (typeof attachment?.__pk?.id !== 'string') return undefined;
    id = attachment.__pk.id;
    connectionIds.set(socket, id);
  }
  return id;
}

/** Whether a socket is open and is not the connection `exceptConnection` (a connection id) names. */
function isOpenDevice(socket: WebSocket, exceptConnection: string | undefined): boolean {
  return socket.readyState === WebSocket.OPEN && (exceptConnection === undefined || connectionIdOf(socket) !== exceptConnection);
}

const MUTATIONS = new Set<ClientFrame['type']>(['invite', 'accept', 'decline', 'cancel']);

/**
 * workerd evicts an object this long after its last event, keeping its hibernatable sockets open; a frame on one
 * of them wakes the object again, constructor first.
 */
const EVICTED_AFTER_IDLE_MS = 10_000;

/**
 * One user of one project: every live connection of theirs, their presence, the invitations they sent and
 * received, and their call history. The invitee's inbox is the authority for each invitee's outcome.
 * This class handles connections and is the entry point of every request; the work is done in src/server/inbox/.
 */
export class UserInbox extends Server<Env> implements InboxRpc, RoomInboxRpc {
  static override options = { hibernate: true };

  private readonly inbox: Inbox;
  /** Mutations still being handled, by request key, so a retry arriving meanwhile shares the first attempt. */
  private readonly runningRequests = new Map<string, Promise<unknown>>();
  /** Each open connection's frame allowance, by connection id (at most `maxConnections`; see takeFrame). */
  private readonly frameBuckets = new Map<string, FrameBucket>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const store = new InboxStore(ctx.storage.sql);
    // An alarm may wake the object without its name (seen after a local restart), so the name is kept.
    const name = store.rememberName(ctx.id.name);
    // partyserver reads its own name record through this.ctx once the object starts (src/server/party-name.ts).
    Object.defineProperty(this, 'ctx', { value: withNameRecord(ctx, name), configurable: true, enumerable: true });
    // The runtime answers the clients' clock probe itself (src/protocol/socket.ts): no JavaScript, no wake.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(CLOCK_PROBE, CLOCK_PROBE_ANSWER));
    const separator = name.indexOf(':');
    this.inbox = new Inbox({
      projectId: name.slice(0, separator),
      userId: name.slice(separator + 1),
      env,
      store,
      devices: {
        anyOpen: (exceptConnection) => this.anyOpen(exceptConnection),
        broadcast: (frame, exceptConnection) => this.sendToDevices(frame, exceptConnection),
        tokenExpiry: () => this.earliestTokenExpiry(),
      },
      alarmStorage: { getAlarm: () => ctx.storage.getAlarm(), setAlarm: (at) => ctx.storage.setAlarm(at) },
    });
    // Before any event: a send cut short when this object last stopped gets its record, and its deliveries resume.
    this.inbox.outgoing.finishInterruptedSends();
    if (!store.used) this.restoreUnsavedProfile();
  }

  /** A new user's profile, not stored yet, as their newest connection showed it (see ConnectionState.user). */
  private restoreUnsavedProfile(): void {
    let newest: ConnectionState | undefined;
    for (const connection of this.getConnections<ConnectionState>()) {
      const state = connection.state;
      if (state?.user && (!newest || state.connectedAt > newest.connectedAt)) newest = state;
    }
    if (newest?.user) this.inbox.store.deviceConnected(newest.user, newest.connectedAt, true);
  }

  // ---- connections -------------------------------------------------------------------------------------

  /**
   * Answers an upgrade with the subprotocol selected (the Worker took the token offered beside it), so that browsers
   * keep the socket; setting it here spares the Worker a copy of the response.
   */
  override async fetch(request: Request): Promise<Response> {
    const response = await super.fetch(request);
    if (response.status === 101) response.headers.set('sec-websocket-protocol', SOCKET_PROTOCOL);
    return response;
  }

  private anyOpen(exceptConnection?: string): boolean {
    return this.ctx.getWebSockets().some((socket) => isOpenDevice(socket, exceptConnection));
  }

  /**
   * Sends a frame to every open socket of this user but `exceptConnection`. partyserver's broadcast (and its
   * getConnections) read each socket's attachment on every call to tell its own sockets from others; every socket of
   * this object is accepted through partyserver, so that check is skipped, and a socket's connection id is read once
   * per instance (it is needed only to leave one socket out). The frame is serialized for its first recipient: many
   * frames are for the user's other devices, and most users have one.
   */
  private sendToDevices(frame: ServerFrame, exceptConnection?: string): void {
    let text: string | undefined;
    for (const socket of this.ctx.getWebSockets()) {
      if (!isOpenDevice(socket, exceptConnection)) continue;
      text ??= JSON.stringify(frame);
      try {
        socket.send(text);
      } catch {
        socket.close(1011, 'Unexpected error');
      }
    }
  }

  private earliestTokenExpiry(): number | null {
    let earliest: number | null = null;
    for (const connection of this.getConnections<ConnectionState>()) {
      const expiresAt = connection.state?.tokenExpiresAt;
      if (connection.readyState === WebSocket.OPEN && expiresAt !== undefined && (earliest === null || expiresAt < earliest)) earliest = expiresAt;
    }
    return earliest;
  }

  /** Closes a socket whose token has expired; says whether it did. */
  private closeIfExpired(connection: Connection<ConnectionState>, now: number): boolean {
    // A socket without a known expiry (state lost or never set) is treated as expired: it signs in again.
    if ((connection.state?.tokenExpiresAt ?? 0) > now) return false;
    try {
      connection.close(TOKEN_EXPIRED_CLOSE_CODE, 'token expired');
    } catch {
      // already closed
    }
    return true;
  }

  private send(connection: Connection, frame: ServerFrame): void {
    connection.send(JSON.stringify(frame));
  }

  /**
   * One connection more than a user may have closes their oldest, with close code 4008: the device in hand wins over
   * one left open somewhere (or a socket that died without a word).
   */
  private closeOldestBeyondCap(newest: Connection): void {
    // Counting the sockets reads none of their states; nearly every user is under the cap.
    if (this.ctx.getWebSockets().length <= this.inbox.limits.maxConnections) return;
    const others = [...this.getConnections<ConnectionState>()].filter((connection) => connection.id !== newest.id);
    const excess = others.length + 1 - this.inbox.limits.maxConnections;
    if (excess <= 0) return;
    others.sort((a, b) => (a.state?.connectedAt ?? 0) - (b.state?.connectedAt ?? 0));
    const reason = `too many devices: at most ${this.inbox.limits.maxConnections} connections per user`;
    for (const oldest of others.slice(0, excess)) oldest.close(CLOSE_CODES.tooManyDevices, reason);
  }

  /**
   * Counts a frame against the connection's allowance; false when it has none left. The allowance is kept in memory:
   * writing it into the connection's state (serialized with the socket on every frame) cost CPU on every request.
   * The object is evicted only after EVICTED_AFTER_IDLE_MS without any event, and by then a bucket has refilled
   * completely unless its refill is slower than that (not with the defaults, 60 frames at 20 a second); only such
   * a bucket is written into the connection's state, which survives the eviction.
   */
  private takeFrame(connection: Connection<ConnectionState>): boolean {
    const state = connection.state;
    const { framesPerSecond, frameBurst } = this.inbox.limits;
    const { bucket, allowed } = takeFrame(this.frameBuckets.get(connection.id) ?? state?.frames, Date.now(), framesPerSecond, frameBurst);
    this.frameBuckets.set(connection.id, bucket);
    const fullByEviction = bucket.tokens + (EVICTED_AFTER_IDLE_MS / 1000) * framesPerSecond >= frameBurst;
    if (!fullByEviction || state?.frames) {
      connection.setState({
        ...state,
        deviceId: state?.deviceId ?? connection.id,
        connectedAt: state?.connectedAt ?? 0,
        tokenExpiresAt: state?.tokenExpiresAt ?? 0,
        ...(fullByEviction ? { frames: undefined } : { frames: bucket }),
      });
    }
    return allowed;
  }

  override async onConnect(connection: Connection<ConnectionState>, ctx: ConnectionContext): Promise<void> {
    const { inbox } = this;
    const user = JSON.parse(ctx.request.headers.get(USER_HEADER) ?? '{}') as Partial<UserInfo>;
    const deviceId = ctx.request.headers.get(DEVICE_HEADER) ?? connection.id;
    const grants = JSON.parse(ctx.request.headers.get(ROOM_GRANTS_HEADER) ?? 'null') as ConnectionGrants | null;
    const now = Date.now();
    const shown = { name: user.name ?? null, avatarUrl: user.avatarUrl ?? null };
    const unsaved = !inbox.store.used && (shown.avatarUrl?.length ?? 0) <= MAX_UNSAVED_AVATAR_URL;
    connection.setState({
      deviceId,
      connectedAt: now,
      tokenExpiresAt: Number(ctx.request.headers.get(TOKEN_EXPIRY_HEADER)) || 0,
      ...(grants ? { grants } : {}),
      ...(unsaved ? { user: shown } : {}),
    });
    this.closeOldestBeyondCap(connection);
    const wasOffline = !this.anyOpen(connection.id);
    inbox.store.deviceConnected(shown, now, unsaved);
    expireDue(inbox, now);
    // Invitations that arrived while every device was away ring now, through the snapshot.
    reportDelivered(inbox);
    this.send(connection, { type: 'snapshot', ...snapshot(inbox, now) });
    if (wasOffline) presenceToWatchers(inbox);
    void roomConnectionsSwept(inbox, (id) => this.getConnection(id)?.readyState === WebSocket.OPEN);
    void inbox.outbox.flush();
    await inbox.alarms.schedule();
  }

  override async onClose(connection: Connection, code: number): Promise<void> {
    this.frameBuckets.delete(connection.id);
    // Answer the client's close frame, or its socket waits for a reply until it times out.
    try {
      connection.close(code === 1005 || code === 1006 ? 1000 : code, 'closed');
    } catch {
      // already closed
    }
    await roomConnectionClosed(this.inbox, connection.id);
    if (this.anyOpen(connection.id)) return;
    const now = Date.now();
    this.inbox.store.lastDeviceLeft(now, graceDeadline(this.inbox, now));
    presenceUpdated(this.inbox, connection.id);
    await this.inbox.alarms.schedule();
  }

  override async onMessage(connection: Connection<ConnectionState>, message: WSMessage): Promise<void> {
    // The alarm closes sockets whose token expired; a frame arriving first is not served with it.
    if (this.closeIfExpired(connection, Date.now())) return;
    let requestId: string | null = null;
    try {
      // Even a frame too large to parse gets its error correlated to the request, when its id is readable.
      if (typeof message === 'string') requestId = /"requestId"\s*:\s*"([^"\\]{1,64})"/.exec(message.slice(0, 4096))?.[1] ?? null;
      if (!this.takeFrame(connection)) {
        const { framesPerSecond, frameBurst } = this.inbox.limits;
        throw new RequestError('rate_limited', `more than ${framesPerSecond} frames a second (after a burst of ${frameBurst}): this one was not handled`);
      }
      if (typeof message !== 'string') throw new RequestError('invalid_request', 'frames must be JSON text');
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
        requestId = (data as { requestId: string }).requestId.slice(0, 64);
      }
      const parsed = clientFrameSchema.safeParse(data);
      if (!parsed.success) throw new RequestError('invalid_request', describeIssues(parsed.error));
      const frame = parsed.data;
      const result = await this.handleRequest({ deviceId: connection.state?.deviceId ?? connection.id, connectionId: connection.id }, frame);
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

  // ---- requests from this user's devices ---------------------------------------------------------------

  private async handleRequest(requester: Requester, frame: ClientFrame): Promise<unknown> {
    if (!MUTATIONS.has(frame.type)) return this.execute(requester, frame);
    // A retry (same request id, e.g. resent after a reconnect) gets the first result, even while the first
    // attempt is still running.
    const requestKey = `${frame.type}:${frame.requestId}`;
    const { store, outgoing } = this.inbox;
    const running = this.runningRequests.get(requestKey);
    if (running) return running;
    // A send's intent is written while it runs, so the running attempt is asked for first.
    const earlier = store.earlierAttempt(requestKey, frame.type === 'invite' ? frame.requestId : null);
    if (earlier) return 'result' in earlier ? earlier.result : outgoing.resultOfSend(earlier.sentInvitation);
    const attempt = this.execute(requester, frame).then((result) => {
      // A send that wrote its intent is answered again from its record (resultOfSend): no result row to write.
      if (!outgoing.answeredFromRecord(result)) store.saveResult(requestKey, result, Date.now());
      return result;
    });
    this.runningRequests.set(requestKey, attempt);
    try {
      return await attempt;
    } finally {
      this.runningRequests.delete(requestKey);
    }
  }

  private async execute(requester: Requester, frame: ClientFrame): Promise<unknown> {
    const { inbox } = this;
    switch (frame.type) {
      case 'invite': {
        const result = await inbox.outgoing.send(frame, requester);
        inbox.retention.invitationStored(Date.now());
        rememberInvitationContacts(inbox, Array.isArray(frame.to) ? frame.to : [frame.to]);
        return result;
      }
      case 'accept': {
        const accepted = answer(inbox, frame.invitationId, 'accept', requester);
        void readmitForInvitation(inbox, frame.invitationId);
        return accepted;
      }
      case 'decline':
        return answer(inbox, frame.invitationId, 'decline', requester, { reason: frame.reason ?? 'declined', message: frame.message ?? null });
      case 'cancel':
        return inbox.outgoing.cancel(frame.invitationId, frame.userIds);
      case 'presence.set':
        return setPresence(inbox, frame.status);
      case 'presence.get':
        return presenceOf(inbox, frame.userIds);
      case 'presence.subscribe':
        return subscribePresence(inbox, frame.userIds);
      case 'history.list':
        return historyPage(inbox, requester.deviceId, frame.limit ?? LIMITS.defaultHistoryPage, frame.before);
      case 'history.markSeen':
        return markMissedCallsSeen(inbox);
      case 'ping':
        return { serverTime: Date.now() };
      case 'auth.refresh':
        return this.refreshToken(requester.connectionId, frame.token);
      case 'room.join':
      case 'room.leave':
      case 'room.signal':
      case 'room.media': {
        // Calls need a socket: a room relays to the device's connection.
        const connection = this.getConnection<ConnectionState>(requester.connectionId);
        if (!connection) throw new RequestError('unsupported', 'calls are joined over a WebSocket connection');
        return handleRoomFrame(inbox, { ...requester, grants: connection.state?.grants ?? null }, frame);
      }
    }
  }

  /** The client sends a newer token before the old one expires, so its socket stays open past that. */
  private async refreshToken(connectionId: string, token: string): Promise<{ expiresAt: number }> {
    const connection = this.getConnection<ConnectionState>(connectionId);
    if (!connection?.state) throw new RequestError('invalid_request', 'a token is refreshed over the socket it signed in on');
    const { projectId, userId } = this.inbox;
    const project = projectsFrom(this.env).get(projectId);
    if (!project) throw new RequestError('unauthorized', 'unknown project');
    let expiresAt: number;
    try {
      ({ expiresAt } = await verifyUserTokenFor(token, projectId, userId, project.secret));
    } catch (error) {
      if (error instanceof TokenError) throw new RequestError(error.code, error.message);
      throw error;
    }
    connection.setState({ ...connection.state, tokenExpiresAt: expiresAt });
    await this.inbox.alarms.schedule();
    return { expiresAt };
  }

  /** RPC for the REST API and the ProjectHub (src/server/inbox-backend.ts): requests from a device without a socket. */
  async backendRequest(call: BackendCall): Promise<BackendResult> {
    return runBackendCall(call, {
      store: this.inbox.store,
      me: () => this.inbox.me(),
      handle: (frame, deviceId) => this.handleRequest({ deviceId, connectionId: `rest:${deviceId}` }, frame),
      setContacts: (userIds) => setContacts(this.inbox, userIds),
    });
  }

  // ---- RPC from other inboxes (src/server/rpc.ts) ------------------------------------------------------
  // The RPC interfaces are promise-typed (every call over RPC is); methods with nothing to wait for answer Promise.resolve.

  /** On the invitee's inbox: records an invitation and rings every live device. Idempotent. */
  async deliverInvitation(invitation: ReceivedInvitation): Promise<InviteeUpdate> {
    const update = await deliverInvitation(this.inbox, invitation);
    this.inbox.retention.invitationStored(Date.now());
    rememberInvitationContacts(this.inbox, [invitation.from]);
    return update;
  }

  /** On the invitee's inbox: the sender cancels. Loses to an answer or expiry that came first. */
  async cancelInvitation(request: CancelRequest): Promise<InviteeUpdate & { canceled: boolean }> {
    return cancelInvitation(this.inbox, request);
  }

  /** On the sender's inbox: an invitee's delivery or outcome. */
  applyInviteeUpdate(update: InviteeUpdate): Promise<void> {
    this.inbox.outgoing.applyInviteeUpdate(update);
    if (update.state === 'accepted') void readmitForInvitation(this.inbox, update.invitationId);
    return Promise.resolve();
  }

  /** On the invitee's inbox: the sender asks for the current outcome. */
  syncInvitation(request: SyncRequest): Promise<InviteeUpdate | null> {
    return Promise.resolve(syncInvitation(this.inbox, request));
  }

  /**
   * Presence reads (and `watch`) on an inbox nobody ever used store nothing: RPC bypasses partyserver's start-up
   * (which records the object's name in storage on fetch, WebSocket and alarm entries), and the inbox's schema
   * waits for its first write (src/server/inbox/store.ts).
   */
  getPresenceInfo(viewerId: string): Promise<PresenceInfo> {
    return Promise.resolve(presenceFor(this.inbox, viewerId));
  }

  watch(watcherId: string): Promise<WatchAnswer> {
    return Promise.resolve(addWatcher(this.inbox, watcherId));
  }

  presenceChanged(info: PresenceInfo): Promise<boolean> {
    return Promise.resolve(showPresence(this.inbox, info));
  }

  // ---- RPC from CallRoom objects (src/server/room/types.ts) ------------------------------------------------

  /** Sends a room's frame to these devices of this user only; answers the devices it reached. */
  roomFrame(delivery: RoomDelivery): Promise<string[]> {
    const text = JSON.stringify(delivery.frame);
    const reached = new Set<string>();
    for (const connection of this.getConnections<ConnectionState>()) {
      const deviceId = connection.state?.deviceId ?? '';
      if (connection.readyState !== WebSocket.OPEN || !delivery.deviceIds.includes(deviceId)) continue;
      connection.send(text);
      reached.add(deviceId);
    }
    roomFrameDelivered(this.inbox, delivery);
    return Promise.resolve([...reached]);
  }

  roomNotice(notice: RoomNotice): Promise<void> {
    applyRoomNotice(this.inbox, notice);
    return Promise.resolve();
  }

  override async onAlarm(): Promise<void> {
    const now = Date.now();
    for (const connection of this.getConnections<ConnectionState>()) {
      if (connection.readyState === WebSocket.OPEN) this.closeIfExpired(connection, now);
    }
    await this.inbox.alarms.fired();
  }
}
