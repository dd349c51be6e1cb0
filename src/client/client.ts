import { MAX_PRESENCE_USERS } from '../protocol/limits.js';
import type { ClientFrame, ResultByType } from '../protocol/frames.js';
import type { AnswerResult, CallHistoryPage, CancelResult, PresenceInfo, SendInvitationResult } from '../protocol/types.js';
import { Connection, type RequestBody } from './connection.js';
import { initialState, type ServerEvent } from './reducer.js';
import { ClientStore } from './store.js';
import type { CallClient, CancelOptions, DeclineOptions, HistoryQuery, SendCallInvitationOptions } from './types.js';

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

/**
 * The framework-free client: one WebSocket to the user's inbox (connection.ts), and an observable store of
 * everything a calling UI shows with the `on…` events (store.ts), both fed through one reducer (reducer.ts).
 */
export class BaxCloudClient extends ClientStore implements CallClient {
  private readonly connection: Connection;

  constructor(options: BaxCloudClientOptions) {
    super(initialState({ userId: options.user.userId, name: options.user.name ?? null, avatarUrl: options.user.avatarUrl ?? null }));
    this.connection = new Connection(options, {
      status: () => this.getState().connection,
      setStatus: (connection) => this.dispatch({ type: 'connection', connection }),
      pushed: (frame) => this.handlePush(frame),
    });
  }

  async sendCallInvitation(options: SendCallInvitationOptions): Promise<SendInvitationResult> {
    const result = await this.request('invite', options);
    this.dispatch({ type: 'invite.answered', request: options, result });
    return result;
  }

  async acceptCallInvitation(invitationId: string): Promise<AnswerResult> {
    try {
      return await this.request('accept', { invitationId });
    } finally {
      this.dispatch({ type: 'answer.sent', invitationId });
    }
  }

  async declineCallInvitation(invitationId: string, options: DeclineOptions = {}): Promise<AnswerResult> {
    try {
      return await this.request('decline', { invitationId, ...options });
    } finally {
      this.dispatch({ type: 'answer.sent', invitationId });
    }
  }

  cancelCallInvitation(invitationId: string, options: CancelOptions = {}): Promise<CancelResult> {
    return this.request('cancel', { invitationId, ...options });
  }

  async getPresence(userIds: string[]): Promise<PresenceInfo[]> {
    const presence = await this.request('presence.get', { userIds });
    this.dispatch({ type: 'presence.read', presence });
    return presence;
  }

  async setPresence(status: 'online' | 'busy'): Promise<PresenceInfo> {
    const info = await this.request('presence.set', { status });
    this.dispatch({ type: 'presence.set', status });
    return info;
  }

  async subscribePresence(userIds: string[]): Promise<PresenceInfo[]> {
    const presence = await this.request('presence.subscribe', { userIds });
    this.dispatch({ type: 'presence.read', presence });
    return presence;
  }

  getCallHistory(query: HistoryQuery = {}): Promise<CallHistoryPage> {
    return this.request('history.list', query);
  }

  async markMissedCallsSeen(): Promise<{ missedCalls: number }> {
    const result = await this.request('history.markSeen', {});
    this.dispatch({ type: 'missed_calls.changed', missedCalls: result.missedCalls });
    return result;
  }

  /** Closes the connection for good; pending requests reject with `disconnected`. */
  disconnect(): void {
    this.connection.close();
    this.dispatch({ type: 'connection', connection: 'closed' });
  }

  private request<T extends ClientFrame['type']>(type: T, body: RequestBody<T>): Promise<ResultByType[T]> {
    return this.connection.request(type, body);
  }

  private handlePush(frame: ServerEvent): void {
    if (frame.type !== 'snapshot') return this.dispatch(frame);
    this.dispatch(frame, { type: 'clock', clockOffset: frame.serverTime - Date.now() });
    void this.measureClock();
    // Presence changes pushed while this client was away were missed: read the users it shows again.
    const watched = Object.keys(this.getState().presenceOf).slice(-MAX_PRESENCE_USERS);
    if (watched.length > 0) this.getPresence(watched).catch(() => undefined);
  }

  /** Estimates the server clock from one round trip, so countdowns end when the server expires the call. */
  private async measureClock(): Promise<void> {
    const sentAt = Date.now();
    try {
      const { serverTime } = await this.request('ping', {});
      const receivedAt = Date.now();
      this.dispatch({ type: 'clock', clockOffset: Math.round(serverTime - (sentAt + receivedAt) / 2) });
    } catch {
      // The snapshot's estimate stays.
    }
  }
}
