import { fromBase64, randomId } from '../protocol/base64.js';
// The bare reconnecting socket: PartySocket's URL building is a few lines here, and the rest is not used.
import ReconnectingWebSocket from 'partysocket/ws';
import type { ClientFrame, ResultByType, ServerFrame } from '../protocol/frames.js';
import { CLOSE_CODES } from '../protocol/limits.js';
import { CLOCK_PROBE, CLOCK_PROBE_ANSWER, SOCKET_PROTOCOL, TOKEN_EXPIRED_CLOSE_CODE, TOKEN_PROTOCOL_PREFIX } from '../protocol/socket.js';
import type { ErrorCode } from '../protocol/types.js';
import type { BaxCloudClientOptions } from './client.js';
import { BaxCloudError } from './errors.js';
import { serverOrigin } from './host.js';
import type { ServerEvent } from './reducer.js';
import type { ConnectionStatus } from './types.js';

/** What the connection needs from the client it serves: the store's connection status, and where frames go. */
export interface ConnectionOwner {
  status(): ConnectionStatus;
  setStatus(status: Exclude<ConnectionStatus, 'open'>): void;
  /** A frame the server pushed. Requests waiting for a connection went out just before a snapshot is handed on. */
  pushed(frame: ServerEvent): void;
  /** The server's clock minus this one's, from the last snapshot's server time and the probe's round trip. */
  clock(offset: number): void;
}

export type RequestBody<T extends ClientFrame['type']> = Omit<Extract<ClientFrame, { type: T }>, 'type' | 'requestId'>;

interface PendingRequest {
  frame: ClientFrame;
  resolve: (value: unknown) => void;
  reject: (error: BaxCloudError) => void;
  timer: ReturnType<typeof setTimeout>;
}

const PARTY = 'user-inbox';
/** Refresh a token this long before it expires. */
const TOKEN_MARGIN_MS = 30_000;
/** Never ask for a token more often than this while a socket is open, however short-lived the tokens are. */
const MIN_REFRESH_DELAY_MS = 1000;
/**
 * Failed reconnects after an open socket dropped before the server is asked why (then at 16, 32…). The server took
 * this token moments ago (an expired one closes the socket with its own code), so a server restart or the network
 * is the likely cause, and every user of a restarted server asking at each failed attempt would pile thousands of
 * requests onto it while it starts.
 */
const DIAGNOSE_AFTER_DROP = 8;

/**
 * One WebSocket to the user's inbox: reconnects, fetches tokens (and hands the open socket a new one before the
 * old one expires), correlates requests with their answers and resends unanswered ones after a reconnect, and
 * finds out why the server refused it.
 */
export class Connection {
  private readonly options: BaxCloudClientOptions;
  private readonly owner: ConnectionOwner;
  private readonly socket: ReconnectingWebSocket;
  private readonly pending = new Map<string, PendingRequest>();
  private token: { value: string; expiresAt: number } | undefined;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private requestCounter = 0;
  private readonly requestPrefix = randomId(8);
  private closed = false;
  /** Connects that failed since the socket was last open. */
  private failedConnects = 0;
  /** The socket was open, and closed for another reason than its token's expiry. */
  private dropped = false;
  /** The last snapshot's server time, and when it arrived (the clock probe went out then). */
  private probe = { serverTime: 0, sentAt: 0 };

  // Fields rather than parameter properties: the script-tag build shortens only the names of declared members.
  constructor(options: BaxCloudClientOptions, owner: ConnectionOwner) {
    this.options = options;
    this.owner = owner;
    const deviceId = options.deviceId ?? defaultDeviceId();
    // The URL PartyServer routes to the user's inbox; `_pk` names this connection there and stays the same
    // across reconnects. The token goes as a subprotocol, never in the URL, where logs would keep it.
    const query = { _pk: randomId(), apiKey: options.apiKey, deviceId };
    this.socket = new ReconnectingWebSocket(
      `${serverOrigin(options.host, 'ws')}/parties/${PARTY}/${options.projectId}:${options.user.userId}?${new URLSearchParams(query)}`,
      async () => [SOCKET_PROTOCOL, TOKEN_PROTOCOL_PREFIX + (await this.currentToken())],
      {
        WebSocket: options.WebSocket,
        minReconnectionDelay: 250 + Math.random() * 500,
        maxReconnectionDelay: 5000,
        // A server busy with thousands of users reconnecting at once (a restart) answers late: an attempt given up
        // after 5 s was work it did for nothing, and all of them resynced in twice the time (bench/results/README.md).
        connectionTimeout: 10_000,
        // Requests are resent after each connect's snapshot, so nothing is queued while closed.
        maxEnqueuedMessages: 0,
      },
    );
    this.socket.addEventListener('message', (event) => this.handleMessage(event.data));
    this.socket.addEventListener('close', (event) => this.handleClose(event.code));
    // Back online: try now rather than after the current wait.
    globalThis.addEventListener?.('online', this.handleOnline);
  }

  request<T extends ClientFrame['type']>(type: T, body: RequestBody<T>): Promise<ResultByType[T]> {
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
      if (this.owner.status() === 'open') this.socket.send(JSON.stringify(frame));
    });
  }

  /** Closes the socket for good; pending requests reject with `disconnected`. */
  close(): void {
    this.closed = true;
    clearTimeout(this.refreshTimer);
    globalThis.removeEventListener?.('online', this.handleOnline);
    this.socket.close(1000, 'client disconnected');
    this.rejectAll('disconnected', 'the client was disconnected');
  }

  private readonly handleOnline = () => {
    if (this.owner.status() !== 'open') this.socket.reconnect();
  };

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

  private async currentToken(): Promise<string> {
    const source = this.options.token;
    if (typeof source === 'string') return source;
    if (!this.token || this.token.expiresAt - TOKEN_MARGIN_MS < Date.now()) {
      const value = await source();
      this.token = { value, expiresAt: tokenExpiry(value) };
    }
    return this.token.value;
  }

  /** Once the server took a socket's token, hands it a newer one before that expires, so it is not closed. */
  private scheduleRefresh(): void {
    clearTimeout(this.refreshTimer);
    const source = this.options.token;
    if (typeof source === 'string' || !this.token || !Number.isFinite(this.token.expiresAt)) return;
    const remaining = this.token.expiresAt - Date.now();
    // Halfway at the soonest, so a token shorter-lived than the margin is not asked for again at once.
    const delay = Math.max(remaining - TOKEN_MARGIN_MS, remaining / 2, MIN_REFRESH_DELAY_MS);
    this.refreshTimer = setTimeout(() => void this.refreshToken(source), delay);
  }

  private async refreshToken(source: () => string | Promise<string>): Promise<void> {
    try {
      const value = await source();
      const expiresAt = tokenExpiry(value);
      // A token function may hand back the token it gave before; only a longer-lived one is worth sending.
      if (this.token && expiresAt > this.token.expiresAt && this.owner.status() === 'open') {
        await this.request('auth.refresh', { token: value });
        this.token = { value, expiresAt };
      }
    } catch {
      // Should no newer token come, the server closes the socket at expiry and the reconnect asks again.
    }
    if (this.owner.status() === 'open') this.scheduleRefresh();
  }

  private handleClose(code: number): void {
    clearTimeout(this.refreshTimer);
    // The server closed the socket as its token expired, perhaps earlier than this device's clock says.
    if (code === TOKEN_EXPIRED_CLOSE_CODE) this.token = undefined;
    if (this.closed) return;
    if (code === CLOSE_CODES.tooManyDevices) {
      // The server closed this, the user's oldest connection, for a newer one: reconnecting would close the next.
      this.closed = true;
      this.socket.close(1000, 'too many devices');
      this.owner.setStatus('closed');
      this.rejectAll('disconnected', 'closed by the server: this user has too many devices connected');
      return;
    }
    if (this.owner.status() === 'open') {
      this.failedConnects = 0;
      this.dropped = code !== TOKEN_EXPIRED_CLOSE_CODE;
      this.owner.setStatus('reconnecting');
    } else {
      // Ask why at the 1st, 2nd, 4th, 8th… failure in a row (so a question rarely waits on another); after a drop,
      // from the 8th on.
      const failed = ++this.failedConnects;
      if ((failed & (failed - 1)) === 0 && (!this.dropped || failed >= DIAGNOSE_AFTER_DROP)) void this.diagnoseRefusal();
    }
  }

  /** A refused upgrade looks like any network failure to a WebSocket, so ask the server why. */
  private async diagnoseRefusal(): Promise<void> {
    const token = this.token?.value ?? (typeof this.options.token === 'string' ? this.options.token : undefined);
    if (!token) return;
    const query = new URLSearchParams({ apiKey: this.options.apiKey });
    const url = `${serverOrigin(this.options.host, 'http')}/v1/projects/${encodeURIComponent(this.options.projectId)}/session?${query}`;
    try {
      const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      if (response.status !== 401 && response.status !== 403) {
        if (this.owner.status() !== 'connecting') this.owner.setStatus('reconnecting');
        return;
      }
      const body = (await response.json()) as { message?: string };
      this.token = undefined;
      this.owner.setStatus('unauthorized');
      this.rejectAll(response.status === 401 ? 'unauthorized' : 'forbidden', body.message ?? 'the server refused the connection');
      // A fixed token will not get better by retrying; a token function may fetch a good one.
      if (typeof this.options.token === 'string') this.socket.close(4001, 'unauthorized');
    } catch {
      // The server is unreachable: keep reconnecting.
    }
  }

  private handleMessage(data: unknown): void {
    if (data === CLOCK_PROBE_ANSWER) {
      // Half the round trip is how old the snapshot's server time was when it arrived.
      const { serverTime, sentAt } = this.probe;
      return this.owner.clock(Math.round(serverTime - sentAt + (Date.now() - sentAt) / 2));
    }
    let frame: ServerFrame;
    try {
      frame = JSON.parse(String(data)) as ServerFrame;
    } catch {
      return;
    }
    if (!frame || typeof frame !== 'object' || typeof frame.type !== 'string') return;
    if (frame.type === 'result' || frame.type === 'error') {
      const request = frame.requestId ? this.pending.get(frame.requestId) : undefined;
      if (!request || !frame.requestId) return;
      clearTimeout(request.timer);
      this.pending.delete(frame.requestId);
      if (frame.type === 'result') request.resolve(frame.result);
      else request.reject(new BaxCloudError(frame.code, frame.message, frame.requestId));
      return;
    }
    if (frame.type === 'snapshot') {
      for (const request of this.pending.values()) this.socket.send(JSON.stringify(request.frame));
      this.scheduleRefresh();
      this.probe = { serverTime: frame.serverTime, sentAt: Date.now() };
      this.socket.send(CLOCK_PROBE);
    }
    this.owner.pushed(frame);
  }
}

/** Reads `exp` from a JWT without verifying it: the client only needs to know when to fetch a new one. */
function tokenExpiry(token: string): number {
  try {
    const payload = JSON.parse(new TextDecoder().decode(fromBase64(token.split('.')[1]!))) as { exp?: number };
    return payload.exp ? payload.exp * 1000 : Number.POSITIVE_INFINITY;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
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
