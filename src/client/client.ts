import { MAX_PRESENCE_USERS } from '../protocol/limits.js';
import type { RoomServerFrame } from '../protocol/room.js';
import type { AnswerResult, CallHistoryPage, CancelResult, PresenceInfo, SendInvitationResult } from '../protocol/types.js';
import { Connection } from './connection.js';
import { showMissedCallsOnAppBadge } from './app-badge.js';
import { BaxCloudError } from './errors.js';
import type { CallManager } from './media/call-manager.js';
import { initialState, type ServerEvent } from './reducer.js';
import { rememberedRoom, rememberRoom } from './room-memory.js';
import { ClientStore } from './store.js';
import { StoreClient } from './store-client.js';
import type { CallClient, CancelOptions, ConnectOptions, DeclineOptions, DeviceOptions, HistoryQuery, RoomState, SendCallInvitationOptions } from './types.js';

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
  /** Shows the missed-call count on the app's icon badge where the browser has app badges; `false` leaves the badge alone. Default true. */
  appBadge?: boolean;
}

/**
 * The framework-free client: one WebSocket to the user's inbox (connection.ts), and an observable store of
 * everything a calling UI shows with the `on…` events (store.ts), fed through one reducer (reducer.ts). Calls
 * (media/call-manager.ts) load their media code only when one starts.
 */
export class BaxCloudClient extends StoreClient implements CallClient {
  private readonly connection: Connection;
  /** Names this user's current room in the tab's sessionStorage. */
  private readonly roomKey: string;
  /** Calls, once the media code is loaded (the first call method loads it). */
  private calls: CallManager | null = null;
  private loadingCalls: Promise<CallManager> | null = null;

  constructor(options: BaxCloudClientOptions) {
    super(new ClientStore(initialState({ userId: options.user.userId, name: options.user.name ?? null, avatarUrl: options.user.avatarUrl ?? null })));
    this.roomKey = `bax-call-room:${options.projectId}:${options.user.userId}`;
    this.connection = new Connection(options, {
      status: () => this.store.getState().connection,
      setStatus: (connection) => {
        this.store.dispatch({ type: 'connection', connection });
        this.calls?.connectionChanged(connection);
      },
      pushed: (frame) => this.handlePush(frame),
      clock: (clockOffset) => this.store.dispatch({ type: 'clock', clockOffset }),
    });
    if (options.appBadge !== false) showMissedCallsOnAppBadge(this.store);
  }

  async sendCallInvitation(options: SendCallInvitationOptions): Promise<SendInvitationResult> {
    const result = await this.connection.request('invite', options);
    this.store.dispatch({ type: 'invite.answered', request: options, result });
    return result;
  }

  async acceptCallInvitation(invitationId: string): Promise<AnswerResult> {
    try {
      return await this.connection.request('accept', { invitationId });
    } finally {
      this.store.dispatch({ type: 'answer.sent', invitationId });
    }
  }

  async declineCallInvitation(invitationId: string, options: DeclineOptions = {}): Promise<AnswerResult> {
    try {
      return await this.connection.request('decline', { invitationId, ...options });
    } finally {
      this.store.dispatch({ type: 'answer.sent', invitationId });
    }
  }

  cancelCallInvitation(invitationId: string, options: CancelOptions = {}): Promise<CancelResult> {
    return this.connection.request('cancel', { invitationId, ...options });
  }

  async getPresence(userIds: string[]): Promise<PresenceInfo[]> {
    const presence = await this.connection.request('presence.get', { userIds });
    this.store.dispatch({ type: 'presence.read', presence });
    return presence;
  }

  async setPresence(status: 'online' | 'busy'): Promise<PresenceInfo> {
    const info = await this.connection.request('presence.set', { status });
    this.store.dispatch({ type: 'presence.set', status });
    return info;
  }

  async subscribePresence(userIds: string[]): Promise<PresenceInfo[]> {
    const presence = await this.connection.request('presence.subscribe', { userIds });
    this.store.dispatch({ type: 'presence.read', presence });
    return presence;
  }

  getCallHistory(query: HistoryQuery = {}): Promise<CallHistoryPage> {
    return this.connection.request('history.list', query);
  }

  async markMissedCallsSeen(): Promise<{ missedCalls: number }> {
    const result = await this.connection.request('history.markSeen', {});
    this.store.dispatch({ type: 'missed_calls.changed', missedCalls: result.missedCalls });
    return result;
  }

  /** Joins the call in `roomName`; in a runtime without WebRTC (Node) rejects with `unsupported`. */
  async connect(options: ConnectOptions): Promise<RoomState> {
    const room = await this.inCalls((calls) => calls.connect(options));
    if (this.store.getState().room?.roomName === room.roomName) rememberRoom(this.roomKey, { roomName: room.roomName, liveType: room.liveType });
    return room;
  }
  enableCamera(options?: DeviceOptions): Promise<void> {
    return this.inCalls((calls) => calls.enableCamera(options));
  }
  disableCamera(): Promise<void> {
    return this.inCalls((calls) => calls.disableCamera());
  }
  enableMicrophone(options?: DeviceOptions): Promise<void> {
    return this.inCalls((calls) => calls.enableMicrophone(options));
  }
  disableMicrophone(): Promise<void> {
    return this.inCalls((calls) => calls.disableMicrophone());
  }
  startScreenShare(): Promise<void> {
    return this.inCalls((calls) => calls.startScreenShare());
  }
  stopScreenShare(): Promise<void> {
    return this.inCalls((calls) => calls.stopScreenShare());
  }
  leaveRoom(): Promise<void> {
    return this.inCalls((calls) => calls.leaveRoom());
  }
  resumableRoom(): ConnectOptions | null {
    return rememberedRoom(this.roomKey);
  }

  /** Closes the connection for good (hanging up a call first); pending requests reject with `disconnected`. */
  disconnect(): void {
    this.calls?.close();
    this.connection.close();
    this.store.dispatch({ type: 'connection', connection: 'closed' });
  }

  private handlePush(frame: ServerEvent): void {
    if (isRoomFrame(frame)) return this.calls?.handleFrame(frame);
    if (frame.type !== 'snapshot') return this.store.dispatch(frame);
    // A first estimate, off by the one-way delay until the clock probe's answer corrects it (src/client/connection.ts).
    this.store.dispatch(frame, { type: 'clock', clockOffset: frame.serverTime - Date.now() });
    this.calls?.connectionChanged('open');
    // Presence changes pushed while this client was away were missed: read the users it shows again.
    const watched = Object.keys(this.store.getState().presenceOf).slice(-MAX_PRESENCE_USERS);
    if (watched.length > 0) this.getPresence(watched).catch(() => undefined);
  }

  /**
   * Runs a call method, loading the media code first (in the script-tag build a file of its own beside
   * bax-call.js, fetched only when a call starts). Without WebRTC every call method rejects with `unsupported`.
   */
  private async inCalls<T>(use: (calls: CallManager) => Promise<T>): Promise<T> {
    if (typeof globalThis.RTCPeerConnection !== 'function') {
      throw new BaxCloudError('unsupported', 'calls need WebRTC (RTCPeerConnection), which this runtime does not have: use a browser');
    }
    this.loadingCalls ??= import('./media/call-manager.js').then(({ CallManager }) => {
      this.calls = new CallManager({
        request: (type, body) => this.connection.request(type, body),
        report: (input) => {
          this.store.dispatch(input);
          if (input.room === null) rememberRoom(this.roomKey, null);
        },
        now: () => Date.now() + this.store.getState().clockOffset,
        error: (code, message) => new BaxCloudError(code, message),
      });
      return this.calls;
    });
    return use(await this.loadingCalls);
  }
}

function isRoomFrame(frame: ServerEvent): frame is RoomServerFrame {
  return frame.type.startsWith('room.');
}
