import type { ErrorCode } from '../../protocol/types.js';
import type { OutgoingTracks } from './transport.js';

type Device = 'camera' | 'microphone' | 'screen';

/**
 * This device's camera, microphone and screen share. Turning one off stops its track, so the camera light goes
 * out; a screen share stands in for the camera while it lasts and the camera returns after, also when the user
 * stops sharing from the browser's own controls.
 */
export class LocalMedia {
  private camera: MediaStreamTrack | null = null;
  private microphone: MediaStreamTrack | null = null;
  private screen: MediaStreamTrack | null = null;
  private current: MediaStream | null = null;
  private readonly fail: (code: ErrorCode, message: string) => Error;
  private readonly ended: () => void;

  /** `ended` hears of tracks the browser ended itself: a device unplugged, the screen share stopped from its bar. */
  constructor(fail: (code: ErrorCode, message: string) => Error, ended: () => void) {
    this.fail = fail;
    this.ended = ended;
  }

  get flags(): { camera: boolean; microphone: boolean; screen: boolean } {
    return { camera: this.camera !== null, microphone: this.microphone !== null, screen: this.screen !== null };
  }

  /** What goes out: the microphone, and the screen share or else the camera. */
  get outgoing(): OutgoingTracks {
    return { audio: this.microphone, video: this.screen ?? this.camera };
  }

  get microphoneTrack(): MediaStreamTrack | null {
    return this.microphone;
  }

  /** The local preview: a new stream whenever its tracks change, null with none. */
  get stream(): MediaStream | null {
    const tracks = [this.outgoing.audio, this.outgoing.video].filter((track): track is MediaStreamTrack => track !== null);
    const same = this.current && this.current.getTracks().length === tracks.length && tracks.every((track) => this.current!.getTracks().includes(track));
    if (!same) this.current = tracks.length > 0 ? new MediaStream(tracks) : null;
    return this.current;
  }

  async enableCamera(deviceId?: string): Promise<void> {
    if (this.camera && (!deviceId || this.camera.getSettings().deviceId === deviceId)) return;
    const track = await this.capture('camera', { video: deviceId ? { deviceId: { exact: deviceId } } : true });
    this.camera?.stop();
    this.camera = track;
  }

  disableCamera(): void {
    this.camera?.stop();
    this.camera = null;
  }

  async enableMicrophone(deviceId?: string): Promise<void> {
    if (this.microphone && (!deviceId || this.microphone.getSettings().deviceId === deviceId)) return;
    const audio = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };
    const track = await this.capture('microphone', { audio: deviceId ? { ...audio, deviceId: { exact: deviceId } } : audio });
    this.microphone?.stop();
    this.microphone = track;
  }

  disableMicrophone(): void {
    this.microphone?.stop();
    this.microphone = null;
  }

  async startScreenShare(): Promise<void> {
    if (this.screen) return;
    const mediaDevices = this.mediaDevices();
    if (typeof mediaDevices.getDisplayMedia !== 'function') throw this.fail('unsupported', 'this browser cannot share the screen');
    let stream: MediaStream;
    try {
      stream = await mediaDevices.getDisplayMedia({ video: true, audio: false });
    } catch (error) {
      throw this.denied('screen', error);
    }
    const track = stream.getVideoTracks()[0]!;
    // Text and lines stay sharp rather than motion smooth.
    track.contentHint = 'detail';
    this.screen = this.watch(track, 'screen');
  }

  stopScreenShare(): void {
    this.screen?.stop();
    this.screen = null;
  }

  stopAll(): void {
    this.disableCamera();
    this.disableMicrophone();
    this.stopScreenShare();
  }

  private async capture(device: Device, constraints: MediaStreamConstraints): Promise<MediaStreamTrack> {
    let stream: MediaStream;
    try {
      stream = await this.mediaDevices().getUserMedia(constraints);
    } catch (error) {
      throw this.denied(device, error);
    }
    return this.watch(stream.getTracks()[0]!, device);
  }

  private mediaDevices(): MediaDevices {
    const mediaDevices = globalThis.navigator?.mediaDevices;
    if (!mediaDevices?.getUserMedia) throw this.fail('unsupported', 'camera and microphone need a secure page (https or localhost) in a browser that has them');
    return mediaDevices;
  }

  /** Forgets a track the browser ended (and tells the session), unless it was replaced meanwhile. */
  private watch(track: MediaStreamTrack, device: Device): MediaStreamTrack {
    track.addEventListener('ended', () => {
      if (this[device] !== track) return;
      this[device] = null;
      this.ended();
    });
    return track;
  }

  private denied(device: Device, error: unknown): Error {
    const name = error instanceof Error ? error.name : '';
    const what = device === 'screen' ? 'screen sharing' : `the ${device}`;
    switch (name) {
      case 'NotAllowedError':
      case 'SecurityError':
        return this.fail('media_denied', device === 'screen' ? 'screen sharing was refused or canceled' : `permission to use ${what} was refused`);
      case 'NotFoundError':
      case 'OverconstrainedError':
        return this.fail('media_denied', `no ${device} found${device === 'screen' ? '' : ' (or none with that deviceId)'}`);
      case 'NotReadableError':
      case 'AbortError':
        return this.fail('media_denied', `${what} could not be started: another application may be using it`);
      default:
        return this.fail('media_denied', `${what} could not be started: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
