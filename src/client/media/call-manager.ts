import type { RoomServerFrame } from '../../protocol/room.js';
import type { ConnectOptions, DeviceOptions, RoomState } from '../room-types.js';
import type { ConnectionStatus } from '../types.js';
import { CallSession, type CallHost } from './session.js';

/**
 * The calls of one client, one at a time: what `BaxCloudClient`'s call methods do once the media code is loaded.
 * It hands the current call the room frames and the socket's ups and downs.
 */
export class CallManager {
  private readonly host: CallHost;
  private session: CallSession | null = null;

  constructor(host: CallHost) {
    this.host = host;
  }

  async connect(options: ConnectOptions): Promise<RoomState> {
    if (this.session?.roomName !== options.roomName) {
      // One call at a time: joining another room leaves this one first.
      void this.session?.leave();
      const session: CallSession = new CallSession(
        this.hostFor(() => session),
        options,
      );
      this.session = session;
    }
    const session = this.session;
    await session.join();
    return session.current;
  }

  enableCamera(options?: DeviceOptions): Promise<void> {
    return this.active().enableCamera(options);
  }
  disableCamera(): Promise<void> {
    return this.active().disableCamera();
  }
  enableMicrophone(options?: DeviceOptions): Promise<void> {
    return this.active().enableMicrophone(options);
  }
  disableMicrophone(): Promise<void> {
    return this.active().disableMicrophone();
  }
  startScreenShare(): Promise<void> {
    return this.active().startScreenShare();
  }
  stopScreenShare(): Promise<void> {
    return this.active().stopScreenShare();
  }

  async leaveRoom(): Promise<void> {
    await this.session?.leave();
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
    if (!this.session) throw this.host.error('invalid_request', 'not in a call: call connect() first');
    return this.session;
  }

  /** The host as one session sees it: once another call replaced it, its reports no longer reach the store. */
  private hostFor(session: () => CallSession): CallHost {
    return {
      ...this.host,
      report: (input) => {
        if (this.session !== session()) return;
        if (input.room === null) this.session = null;
        this.host.report(input);
      },
    };
  }
}
