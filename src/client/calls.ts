import type { LiveType, RoomServerFrame } from '../protocol/room.js';
import { BaxCloudError } from './errors.js';
import type { CallHost, CallSession } from './media/session.js';
import type { ConnectOptions, DeviceOptions, RoomState } from './room-types.js';
import type { ConnectionStatus } from './types.js';

/**
 * The part of calls that loads with the page: it checks for WebRTC, loads the media code when a call starts (in
 * the script-tag build a file of its own, `bax-call-media.js`, beside `bax-call.js`), hands the call the room
 * frames and the socket's ups and downs, and remembers the room in sessionStorage so a reloaded tab can rejoin.
 */
export class Calls {
  private readonly host: CallHost;
  private readonly memoryKey: string;
  private session: CallSession | null = null;

  /** `memoryKey` names this user's remembered room in the tab's sessionStorage. */
  constructor(host: CallHost, memoryKey: string) {
    this.host = host;
    this.memoryKey = memoryKey;
  }

  async connect(options: ConnectOptions): Promise<RoomState> {
    requireWebRtc();
    const { CallSession } = await import('./media/session.js');
    if (this.session?.roomName !== options.roomName) {
      // One call at a time: joining another room leaves this one first.
      void this.session?.leave();
      const session: CallSession = new CallSession(this.hostFor(() => session), options);
      this.session = session;
    }
    const session = this.session;
    const room = await session.join();
    if (this.session === session) this.remember({ roomName: options.roomName, liveType: room.liveType });
    return session.current;
  }

  async enableCamera(options?: DeviceOptions): Promise<void> {
    await this.active().enableCamera(options);
  }
  async disableCamera(): Promise<void> {
    await this.active().disableCamera();
  }
  async enableMicrophone(options?: DeviceOptions): Promise<void> {
    await this.active().enableMicrophone(options);
  }
  async disableMicrophone(): Promise<void> {
    await this.active().disableMicrophone();
  }
  async startScreenShare(): Promise<void> {
    await this.active().startScreenShare();
  }
  async stopScreenShare(): Promise<void> {
    await this.active().stopScreenShare();
  }

  async leaveRoom(): Promise<void> {
    requireWebRtc();
    await this.session?.leave();
  }

  /** The room this tab was in when it last unloaded without leaving: connect to it again to rejoin. */
  resumableRoom(): ConnectOptions | null {
    try {
      const stored = JSON.parse(globalThis.sessionStorage?.getItem(this.memoryKey) ?? 'null') as { roomName?: unknown; liveType?: LiveType } | null;
      return typeof stored?.roomName === 'string' ? { roomName: stored.roomName, liveType: stored.liveType } : null;
    } catch {
      return null;
    }
  }

  handleFrame(frame: RoomServerFrame): void {
    this.session?.handleFrame(frame);
  }

  connectionChanged(connection: ConnectionStatus): void {
    this.session?.connectionChanged(connection);
  }

  /** The client is closing for good: hang up while the socket can still say so. */
  close(): void {
    void this.session?.leave();
  }

  private active(): CallSession {
    requireWebRtc();
    if (!this.session) throw new BaxCloudError('invalid_request', 'not in a call: call connect() first');
    return this.session;
  }

  /** The host as one session sees it: once that session is over, it forgets the room. */
  private hostFor(session: () => CallSession): CallHost {
    return {
      ...this.host,
      report: (input) => {
        if (this.session !== session()) return;
        if (input.room === null) {
          this.session = null;
          this.remember(null);
        }
        this.host.report(input);
      },
    };
  }

  private remember(room: ConnectOptions | null): void {
    try {
      if (room) globalThis.sessionStorage?.setItem(this.memoryKey, JSON.stringify(room));
      else globalThis.sessionStorage?.removeItem(this.memoryKey);
    } catch {
      // Storage may be off (private mode, a sandboxed frame): a reload then does not rejoin by itself.
    }
  }
}

function requireWebRtc(): void {
  if (typeof globalThis.RTCPeerConnection !== 'function') {
    throw new BaxCloudError('unsupported', 'calls need WebRTC (RTCPeerConnection), which this runtime does not have: use a browser');
  }
}
