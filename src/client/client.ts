// The bare reconnecting socket: PartySocket's URL building is a few lines here, and the rest is not used.
import ReconnectingWebSocket from 'partysocket/ws';
import type { ClientFrame, ResultByType, ServerFrame } from '../protocol/frames.js';
import type {
  AnswerResult,
  CallHistoryPage,
  CancelResult,
  ErrorCode,
  InvitationAcceptedEvent,
  InvitationAnsweredElsewhereEvent,
  InvitationCanceledEvent,
  InvitationDeclinedEvent,
  InvitationDeliveredEvent,
  InvitationExpiredEvent,
  InviteeStatus,
  PresenceInfo,
  ReceivedInvitation,
  SendInvitationResult,
  SentInvitation,
} from '../protocol/types.js';
import { MAX_PRESENCE_USERS } from '../protocol/limits.js';
import { BaxCloudError } from './errors.js';
import type {
  CallClient,
  CancelOptions,
  ClientState,
  DeclineOptions,
  HistoryQuery,
  SendCallInvitationOptions,
  Unsubscribe,
} from './types.js';

export interface BaxCloudClientOptions {
  projectId: string;
  /** The project's public API key. */
  apiKey: string;
  /** Where the signaling server runs: "calls.example.com", "127.0.0.1:8787" or a full http(s) URL. */
  host: string;
  user: { userId: string; name?: string; avatarUrl?: string };
  /** A user token, or a function fetching a fresh one; the function is called again before expiry and on reconnect. */
  token: string | (() => string | Promise<string>);
  /** A WebSocket constructor where there is no global one (Node 20: `import WebSocket from 'ws'`). */
  WebSocket?: unknown;
  /** Identifies this device across reconnects; default: one per page (browsers keep it in sessionStorage). */
  deviceId?: string;
  /** How long a request may wait for its answer, reconnects included. Default 10 000 ms. */
  requestTimeoutMs?: number;
}

interface Events {
  received: ReceivedInvitation;
  accepted: InvitationAcceptedEvent;
  declined: InvitationDeclinedEvent;
  canceled: InvitationCanceledEvent;
  expired: InvitationExpiredEvent;
  answeredElsewhere: InvitationAnsweredElsewhereEvent;
  delivered: InvitationDeliveredEvent;
  presence: PresenceInfo;
  missedCalls: number;
}

interface PendingRequest {
  frame: ClientFrame;
  resolve: (value: unknown) => void;
  reject: (error: BaxCloudError) => void;
  timer: ReturnType<typeof setTimeout>;
}

type RequestBody<T extends ClientFrame['type']> = Omit<Extract<ClientFrame, { type: T }>, 'type' | 'requestId'>;

const PARTY = 'user-inbox';
/** Refresh a token this long before it expires. */
const TOKEN_MARGIN_MS = 30_000;

/**
 * The framework-free client: one WebSocket to the user's inbox, request/response correlation, reconnect with
 * resync, and an observable store of everything a calling UI shows.
 */
export class BaxCloudClient implements CallClient {
  private readonly options: BaxCloudClientOptions;
  private readonly socket: ReconnectingWebSocket;
  private readonly pending = new Map<string, PendingRequest>();
  private readonly listeners = new Set<(state: ClientState) => void>();
  private readonly handlers: { [K in keyof Events]: Set<(event: Events[K]) => void> } = {
    received: new Set(),
    accepted: new Set(),
    declined: new Set(),
    canceled: new Set(),
    expired: new Set(),
    answeredElsewhere: new Set(),
    delivered: new Set(),
    presence: new Set(),
    missedCalls: new Set(),
  };
  private state: ClientState;
  private token: { value: string; expiresAt: number } | undefined;
  private requestCounter = 0;
  private readonly requestPrefix = randomId();
  private closed = false;

  constructor(options: BaxCloudClientOptions) {
    this.options = options;
    this.state = {
      connection: 'connecting',
      user: { userId: options.user.userId, name: options.user.name ?? null, avatarUrl: options.user.avatarUrl ?? null },
      presence: 'online',
      incoming: [],
      outgoing: [],
      presenceOf: {},
      missedCalls: 0,
      clockOffset: 0,
    };
    const { host, secure } = parseHost(options.host);
    const deviceId = options.deviceId ?? defaultDeviceId();
    // The URL PartyServer routes to the user's inbox; `_pk` names this connection there and stays the same
    // across reconnects.
    const base = `${secure ? 'wss' : 'ws'}://${host}/parties/${PARTY}/${options.projectId}:${options.user.userId}?`;
    const connectionId = globalThis.crypto?.randomUUID?.() ?? randomId();
    this.socket = new ReconnectingWebSocket(
      async () => {
        const query = { _pk: connectionId, token: await this.currentToken(), apiKey: options.apiKey, deviceId };
        return base + new URLSearchParams(Object.entries(query).filter(([, value]) => value != null));
      },
      undefined,
      {
        WebSocket: options.WebSocket,
        minReconnectionDelay: 250 + Math.random() * 500,
        maxReconnectionDelay: 5000,
        connectionTimeout: 5000,
        maxEnqueuedMessages: 0,
      },
    );
    this.socket.addEventListener('message', (event) => this.handleMessage(event.data));
    this.socket.addEventListener('close', () => this.handleClose());
  }

  // ---- the store ---------------------------------------------------------------------------------------

  getState(): ClientState {
    return this.state;
  }

  subscribe(listener: (state: ClientState) => void): Unsubscribe {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private update(patch: Partial<ClientState>): void {
    this.state = { ...this.state, ...patch };
    for (const listener of this.listeners) listener(this.state);
  }

  // ---- BaxCloud's API ----------------------------------------------------------------------------------

  async sendCallInvitation(options: SendCallInvitationOptions): Promise<SendInvitationResult> {
    const result = await this.request('invite', options);
    if (result.joined) {
      // The callee was calling us too: we are in their call now. `by` names the peer, as on their side.
      this.dropIncoming(result.invitationId);
      const peer = result.invitees[0]!;
      this.emit('accepted', {
        invitationId: result.invitationId,
        roomName: result.roomName,
        roomUrl: result.roomUrl,
        callType: result.callType,
        by: peer.userId,
        byUser: result.peer ?? peer.user,
        joined: true,
      });
    } else if (result.invitees.some((invitee) => invitee.state === 'pending')) {
      this.upsertOutgoing(this.sentFromResult(options, result));
    }
    return result;
  }

  async acceptCallInvitation(invitationId: string): Promise<AnswerResult> {
    try {
      return await this.request('accept', { invitationId });
    } finally {
      this.dropIncoming(invitationId);
    }
  }

  async declineCallInvitation(invitationId: string, options: DeclineOptions = {}): Promise<AnswerResult> {
    try {
      return await this.request('decline', { invitationId, ...options });
    } finally {
      this.dropIncoming(invitationId);
    }
  }

  cancelCallInvitation(invitationId: string, options: CancelOptions = {}): Promise<CancelResult> {
    return this.request('cancel', { invitationId, ...options });
  }

  onInvitationReceived(listener: (invitation: ReceivedInvitation) => void): Unsubscribe {
    return this.on('received', listener);
  }
  onInvitationAccepted(listener: (event: InvitationAcceptedEvent) => void): Unsubscribe {
    return this.on('accepted', listener);
  }
  onInvitationDeclined(listener: (event: InvitationDeclinedEvent) => void): Unsubscribe {
    return this.on('declined', listener);
  }
  onInvitationCanceled(listener: (event: InvitationCanceledEvent) => void): Unsubscribe {
    return this.on('canceled', listener);
  }
  onInvitationExpired(listener: (event: InvitationExpiredEvent) => void): Unsubscribe {
    return this.on('expired', listener);
  }
  onInvitationAnsweredElsewhere(listener: (event: InvitationAnsweredElsewhereEvent) => void): Unsubscribe {
    return this.on('answeredElsewhere', listener);
  }
  onInvitationDelivered(listener: (event: InvitationDeliveredEvent) => void): Unsubscribe {
    return this.on('delivered', listener);
  }

  async getPresence(userIds: string[]): Promise<PresenceInfo[]> {
    const list = await this.request('presence.get', { userIds });
    this.rememberPresence(list);
    return list;
  }

  async setPresence(status: 'online' | 'busy'): Promise<PresenceInfo> {
    const info = await this.request('presence.set', { status });
    this.update({ presence: status });
    return info;
  }

  async subscribePresence(userIds: string[]): Promise<PresenceInfo[]> {
    const list = await this.request('presence.subscribe', { userIds });
    this.rememberPresence(list);
    return list;
  }

  onPresenceChanged(listener: (presence: PresenceInfo) => void): Unsubscribe {
    return this.on('presence', listener);
  }

  getCallHistory(query: HistoryQuery = {}): Promise<CallHistoryPage> {
    return this.request('history.list', query);
  }

  async markMissedCallsSeen(): Promise<{ missedCalls: number }> {
    const result = await this.request('history.markSeen', {});
    this.setMissedCalls(result.missedCalls);
    return result;
  }

  onMissedCallsChanged(listener: (missedCalls: number) => void): Unsubscribe {
    return this.on('missedCalls', listener);
  }

  /** Closes the connection for good; pending requests reject with `disconnected`. */
  disconnect(): void {
    this.closed = true;
    this.socket.close(1000, 'client disconnected');
    this.rejectAll('disconnected', 'the client was disconnected');
    this.update({ connection: 'closed' });
  }

  // ---- requests ----------------------------------------------------------------------------------------

  private request<T extends ClientFrame['type']>(type: T, body: RequestBody<T>): Promise<ResultByType[T]> {
    if (this.closed) return Promise.reject(new BaxCloudError('disconnected', 'the client was disconnected'));
    const requestId = `${this.requestPrefix}-${++this.requestCounter}`;
    const frame = { ...body, type, requestId } as unknown as ClientFrame;
    return new Promise<ResultByType[T]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(new BaxCloudError('timeout', `no answer to ${type} within ${this.timeoutMs} ms`, requestId));
      }, this.timeoutMs);
      this.pending.set(requestId, { frame, resolve: resolve as (value: unknown) => void, reject, timer });
      // Requests made while disconnected go out with the resync after the next connect.
      if (this.state.connection === 'open') this.socket.send(JSON.stringify(frame));
    });
  }

  private get timeoutMs(): number {
    return this.options.requestTimeoutMs ?? 10_000;
  }

  private rejectAll(code: ErrorCode, message: string): void {
    for (const [requestId, request] of this.pending) {
      clearTimeout(request.timer);
      request.reject(new BaxCloudError(code, message, requestId));
    }
    this.pending.clear();
  }

  // ---- the connection ----------------------------------------------------------------------------------

  private async currentToken(): Promise<string> {
    const source = this.options.token;
    if (typeof source === 'string') return source;
    if (!this.token || this.token.expiresAt - TOKEN_MARGIN_MS < Date.now()) {
      const value = await source();
      this.token = { value, expiresAt: tokenExpiry(value) };
    }
    return this.token.value;
  }

  private handleClose(): void {
    if (this.closed) return;
    const wasOpen = this.state.connection === 'open';
    if (wasOpen) this.update({ connection: 'reconnecting' });
    else void this.diagnoseRefusal();
  }

  /** A refused upgrade looks like any network failure to a WebSocket, so ask the server why. */
  private async diagnoseRefusal(): Promise<void> {
    const token = this.token?.value ?? (typeof this.options.token === 'string' ? this.options.token : undefined);
    if (!token) return;
    const { host, secure } = parseHost(this.options.host);
    const url = `${secure ? 'https' : 'http'}://${host}/v1/projects/${encodeURIComponent(this.options.projectId)}/session?${new URLSearchParams({
      token,
      apiKey: this.options.apiKey,
    })}`;
    try {
      const response = await fetch(url);
      if (response.status !== 401 && response.status !== 403) {
        if (this.state.connection === 'connecting') return;
        this.update({ connection: 'reconnecting' });
        return;
      }
      const body = (await response.json()) as { message?: string };
      this.token = undefined;
      this.update({ connection: 'unauthorized' });
      this.rejectAll(response.status === 401 ? 'unauthorized' : 'forbidden', body.message ?? 'the server refused the connection');
      // A fixed token will not get better by retrying; a token function may fetch a good one.
      if (typeof this.options.token === 'string') this.socket.close(4001, 'unauthorized');
    } catch {
      // The server is unreachable: keep reconnecting.
    }
  }

  private handleMessage(data: unknown): void {
    let frame: ServerFrame;
    try {
      frame = JSON.parse(String(data)) as ServerFrame;
    } catch {
      return;
    }
    if (!frame || typeof frame !== 'object' || typeof frame.type !== 'string') return;
    switch (frame.type) {
      case 'result':
      case 'error': {
        const request = frame.requestId ? this.pending.get(frame.requestId) : undefined;
        if (!request || !frame.requestId) return;
        clearTimeout(request.timer);
        this.pending.delete(frame.requestId);
        if (frame.type === 'result') request.resolve(frame.result);
        else request.reject(new BaxCloudError(frame.code, frame.message, frame.requestId));
        return;
      }
      case 'snapshot':
        return this.applySnapshot(frame);
      case 'invitation.received':
        if (!this.state.incoming.some((invitation) => invitation.invitationId === frame.invitation.invitationId)) {
          this.update({ incoming: [...this.state.incoming, frame.invitation] });
        }
        return this.emit('received', frame.invitation);
      case 'invitation.sent':
        return this.upsertOutgoing(frame.invitation);
      case 'invitation.delivered': {
        const { type: _type, ...event } = frame;
        this.patchInvitee(event.invitationId, event.userId, { delivered: true });
        return this.emit('delivered', event);
      }
      case 'invitation.accepted': {
        const { type: _type, ...event } = frame;
        this.dropIncoming(event.invitationId);
        this.patchInvitee(event.invitationId, event.by, { state: 'accepted', delivered: true });
        return this.emit('accepted', event);
      }
      case 'invitation.declined': {
        const { type: _type, ...event } = frame;
        this.patchInvitee(event.invitationId, event.by, { state: 'declined', reason: event.reason, message: event.message });
        return this.emit('declined', event);
      }
      case 'invitation.canceled': {
        const { type: _type, ...event } = frame;
        if (event.userId === this.state.user.userId) this.dropIncoming(event.invitationId);
        else this.patchInvitee(event.invitationId, event.userId, { state: 'canceled', reason: event.reason });
        return this.emit('canceled', event);
      }
      case 'invitation.expired': {
        const { type: _type, ...event } = frame;
        if (event.direction === 'incoming') this.dropIncoming(event.invitationId);
        else this.patchInvitee(event.invitationId, event.userId, { state: 'expired' });
        return this.emit('expired', event);
      }
      case 'invitation.answered_elsewhere': {
        const { type: _type, ...event } = frame;
        this.dropIncoming(event.invitationId);
        return this.emit('answeredElsewhere', event);
      }
      case 'presence.changed': {
        const { type: _type, ...info } = frame;
        if (info.userId === this.state.user.userId && info.status !== 'offline') this.update({ presence: info.status });
        else this.rememberPresence([info]);
        return this.emit('presence', info);
      }
      case 'missed_calls.changed':
        return this.setMissedCalls(frame.missedCalls);
    }
  }

  private applySnapshot(snapshot: Extract<ServerFrame, { type: 'snapshot' }>): void {
    const known = new Set(this.state.incoming.map((invitation) => invitation.invitationId));
    this.update({
      connection: 'open',
      user: snapshot.user,
      presence: snapshot.presence,
      incoming: snapshot.incoming,
      outgoing: snapshot.outgoing,
      missedCalls: snapshot.missedCalls,
      clockOffset: snapshot.serverTime - Date.now(),
    });
    for (const request of this.pending.values()) this.socket.send(JSON.stringify(request.frame));
    for (const invitation of snapshot.incoming) if (!known.has(invitation.invitationId)) this.emit('received', invitation);
    void this.measureClock();
    // Presence changes pushed while this client was away were missed: read the users it shows again.
    const watched = Object.keys(this.state.presenceOf).slice(-MAX_PRESENCE_USERS);
    if (watched.length > 0) this.getPresence(watched).catch(() => undefined);
  }

  /** Estimates the server clock from one round trip, so countdowns end when the server expires the call. */
  private async measureClock(): Promise<void> {
    const sentAt = Date.now();
    try {
      const { serverTime } = await this.request('ping', {});
      const receivedAt = Date.now();
      this.update({ clockOffset: Math.round(serverTime - (sentAt + receivedAt) / 2) });
    } catch {
      // The snapshot's estimate stays.
    }
  }

  // ---- state helpers -----------------------------------------------------------------------------------

  private on<K extends keyof Events>(name: K, listener: (event: Events[K]) => void): Unsubscribe {
    this.handlers[name].add(listener);
    return () => this.handlers[name].delete(listener);
  }

  private emit<K extends keyof Events>(name: K, event: Events[K]): void {
    for (const listener of this.handlers[name]) {
      try {
        listener(event);
      } catch (error) {
        console.error(`BaxCloudClient: a ${name} listener threw`, error);
      }
    }
  }

  private dropIncoming(invitationId: string): void {
    if (!this.state.incoming.some((invitation) => invitation.invitationId === invitationId)) return;
    this.update({ incoming: this.state.incoming.filter((invitation) => invitation.invitationId !== invitationId) });
  }

  private upsertOutgoing(invitation: SentInvitation): void {
    const others = this.state.outgoing.filter((entry) => entry.invitationId !== invitation.invitationId);
    const live = invitation.invitees.some((invitee) => invitee.state === 'pending');
    this.update({ outgoing: live ? [...others, invitation] : others });
  }

  /** Updates one invitee of an outgoing invitation; the invitation leaves the store once nobody is pending. */
  private patchInvitee(invitationId: string, userId: string, patch: Partial<InviteeStatus>): void {
    const invitation = this.state.outgoing.find((entry) => entry.invitationId === invitationId);
    if (!invitation) return;
    const invitees = invitation.invitees.map((invitee) => (invitee.userId === userId ? { ...invitee, ...patch } : invitee));
    this.upsertOutgoing({ ...invitation, invitees });
  }

  private sentFromResult(options: SendCallInvitationOptions, result: SendInvitationResult): SentInvitation {
    return {
      invitationId: result.invitationId,
      from: this.state.user.userId,
      fromUser: this.state.user,
      to: result.invitees.map((invitee) => invitee.userId),
      callType: result.callType,
      roomName: result.roomName,
      roomUrl: result.roomUrl,
      message: options.message ?? null,
      metadata: options.metadata ?? null,
      createdAt: result.createdAt,
      expiresAt: result.expiresAt,
      invitees: result.invitees,
    };
  }

  private rememberPresence(list: PresenceInfo[]): void {
    const presenceOf = { ...this.state.presenceOf };
    for (const info of list) presenceOf[info.userId] = info;
    this.update({ presenceOf });
  }

  private setMissedCalls(missedCalls: number): void {
    if (missedCalls === this.state.missedCalls) return;
    this.update({ missedCalls });
    this.emit('missedCalls', missedCalls);
  }
}

function parseHost(host: string): { host: string; secure: boolean } {
  const match = host.match(/^(https?|wss?):\/\/([^/]+)/);
  if (match) return { host: match[2]!, secure: match[1] === 'https' || match[1] === 'wss' };
  const local = /^(localhost|127\.|\[::1\]|0\.0\.0\.0)/.test(host);
  return { host: host.replace(/\/+$/, ''), secure: !local };
}

/** Reads `exp` from a JWT without verifying it: the client only needs to know when to fetch a new one. */
function tokenExpiry(token: string): number {
  try {
    const payload = JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: number };
    return payload.exp ? payload.exp * 1000 : Number.POSITIVE_INFINITY;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

function randomId(): string {
  return Math.random().toString(36).slice(2, 10) + Date.now().toString(36);
}

/** One id per browser tab (kept across reloads by sessionStorage), so a reload is the same device. */
function defaultDeviceId(): string {
  try {
    const stored = globalThis.sessionStorage?.getItem('bax-device-id');
    if (stored) return stored;
    const created = randomId();
    globalThis.sessionStorage?.setItem('bax-device-id', created);
    return created;
  } catch {
    return randomId();
  }
}
