import { MAX_PRESENCE_USERS } from '../protocol/limits.js';
import type {
  AnswerResult,
  CallHistoryPage,
  CancelResult,
  InvitationAcceptedEvent,
  InvitationAnsweredElsewhereEvent,
  InvitationCanceledEvent,
  InvitationDeclinedEvent,
  InvitationDeliveredEvent,
  InvitationExpiredEvent,
  PresenceInfo,
  ReceivedInvitation,
  SendInvitationResult,
} from '../protocol/types.js';
import { Connection } from './connection.js';
import { initialState, type ServerEvent } from './reducer.js';
import { ClientStore } from './store.js';
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
import type { ParticipantEvent, ParticipantLeftEvent, RoomEndedEvent } from './room-types.js';

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
 * everything a calling UI shows with the `on…` events (store.ts), fed through one reducer (reducer.ts).
 */
export class BaxCloudClient implements CallClient {
  private readonly store: ClientStore;
  private readonly connection: Connection;

  constructor(options: BaxCloudClientOptions) {
    this.store = new ClientStore(initialState({ userId: options.user.userId, name: options.user.name ?? null, avatarUrl: options.user.avatarUrl ?? null }));
    this.connection = new Connection(options, {
      status: () => this.store.getState().connection,
      setStatus: (connection) => this.store.dispatch({ type: 'connection', connection }),
      pushed: (frame) => this.handlePush(frame),
    });
  }

  getState(): ClientState {
    return this.store.getState();
  }

  subscribe(listener: (state: ClientState) => void): Unsubscribe {
    return this.store.subscribe(listener);
  }

  onInvitationReceived(listener: (invitation: ReceivedInvitation) => void): Unsubscribe {
    return this.store.on('received', listener);
  }
  onInvitationAccepted(listener: (event: InvitationAcceptedEvent) => void): Unsubscribe {
    return this.store.on('accepted', listener);
  }
  onInvitationDeclined(listener: (event: InvitationDeclinedEvent) => void): Unsubscribe {
    return this.store.on('declined', listener);
  }
  onInvitationCanceled(listener: (event: InvitationCanceledEvent) => void): Unsubscribe {
    return this.store.on('canceled', listener);
  }
  onInvitationExpired(listener: (event: InvitationExpiredEvent) => void): Unsubscribe {
    return this.store.on('expired', listener);
  }
  onInvitationAnsweredElsewhere(listener: (event: InvitationAnsweredElsewhereEvent) => void): Unsubscribe {
    return this.store.on('answeredElsewhere', listener);
  }
  onInvitationDelivered(listener: (event: InvitationDeliveredEvent) => void): Unsubscribe {
    return this.store.on('delivered', listener);
  }
  onPresenceChanged(listener: (presence: PresenceInfo) => void): Unsubscribe {
    return this.store.on('presence', listener);
  }
  onMissedCallsChanged(listener: (missedCalls: number) => void): Unsubscribe {
    return this.store.on('missedCalls', listener);
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

  /** Closes the connection for good; pending requests reject with `disconnected`. */
  disconnect(): void {
    this.connection.close();
    this.store.dispatch({ type: 'connection', connection: 'closed' });
  }

  private handlePush(frame: ServerEvent): void {
    if (frame.type !== 'snapshot') return this.store.dispatch(frame);
    this.store.dispatch(frame, { type: 'clock', clockOffset: frame.serverTime - Date.now() });
    void this.measureClock();
    // Presence changes pushed while this client was away were missed: read the users it shows again.
    const watched = Object.keys(this.store.getState().presenceOf).slice(-MAX_PRESENCE_USERS);
    if (watched.length > 0) this.getPresence(watched).catch(() => undefined);
  }

  /** Estimates the server clock from one round trip, so countdowns end when the server expires the call. */
  private async measureClock(): Promise<void> {
    const sentAt = Date.now();
    try {
      const { serverTime } = await this.connection.request('ping', {});
      const receivedAt = Date.now();
      this.store.dispatch({ type: 'clock', clockOffset: Math.round(serverTime - (sentAt + receivedAt) / 2) });
    } catch {
      // The snapshot's estimate stays.
    }
  }

  // ---- TEMPORARY (branch room-element): placeholders so the elements typecheck until branch room-client lands
  // the real room methods; they replace this whole block.
  connect(): Promise<never> {
    return unsupported();
  }
  enableCamera(): Promise<never> {
    return unsupported();
  }
  disableCamera(): Promise<never> {
    return unsupported();
  }
  enableMicrophone(): Promise<never> {
    return unsupported();
  }
  disableMicrophone(): Promise<never> {
    return unsupported();
  }
  startScreenShare(): Promise<never> {
    return unsupported();
  }
  stopScreenShare(): Promise<never> {
    return unsupported();
  }
  leaveRoom(): Promise<never> {
    return unsupported();
  }
  onParticipantJoined(listener: (event: ParticipantEvent) => void): Unsubscribe {
    return this.store.on('participantJoined', listener);
  }
  onParticipantLeft(listener: (event: ParticipantLeftEvent) => void): Unsubscribe {
    return this.store.on('participantLeft', listener);
  }
  onParticipantUpdated(listener: (event: ParticipantEvent) => void): Unsubscribe {
    return this.store.on('participantUpdated', listener);
  }
  onRoomEnded(listener: (event: RoomEndedEvent) => void): Unsubscribe {
    return this.store.on('roomEnded', listener);
  }
  // ---- end of TEMPORARY block
}

function unsupported(): Promise<never> {
  return Promise.reject(new BaxCloudError('unsupported', 'calls are not available in this build yet'));
}
