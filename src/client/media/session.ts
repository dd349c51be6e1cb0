import type { ResultByType } from '../../protocol/frames.js';
import type { LeaveReason, LiveType, ParticipantRole, RoomJoinResult, RoomParticipant, RoomServerFrame } from '../../protocol/room.js';
import type { ErrorCode } from '../../protocol/types.js';
import type { RequestBody } from '../connection.js';
import type { RoomStateInput } from '../reducer.js';
import type { CallParticipant, ConnectOptions, DeviceOptions, RoomEndedEvent, RoomState } from '../room-types.js';
import type { ConnectionStatus } from '../types.js';
import { LevelMeter, qualityOf, SpeakingDetector, type Quality } from './activity.js';
import { LocalMedia } from './local-media.js';
import { MeshTransport } from './mesh-transport.js';
import type { MediaTransport } from './transport.js';

/*
 * The media half of calls, loaded only when a call starts (a file of its own in the script-tag build). It imports
 * nothing at run time from the client it serves: what it needs comes through `CallHost`, so the two files share no
 * module and a page loading the bundle under another URL still gets one client.
 */

type RoomRequest = 'room.join' | 'room.leave' | 'room.signal' | 'room.media';

/** What a call needs from the client that started it. */
export interface CallHost {
  request<T extends RoomRequest>(type: T, body: RequestBody<T>): Promise<ResultByType[T]>;
  /** Hands the room to the store (the reducer works out the events). */
  report(input: RoomStateInput): void;
  /** The server's clock now, in ms. */
  now(): number;
  /** Makes the client's error type. */
  error(code: ErrorCode, message: string): Error;
}

const SPEAKING_TICK_MS = 100;
const QUALITY_TICK_MS = 2_000;
const REJOIN_RETRY_MS = 2_000;
/** Room frames held back while a join awaits its answer; a room of a few people sends far fewer meanwhile. */
const MAX_EARLY_FRAMES = 500;

const publishes = (role: ParticipantRole) => role !== 'viewer';

/**
 * One call on this device: the room's membership as the server reports it, this device's camera, microphone and
 * screen, and the media links to the others (through a `MediaTransport`), reported to the store as one `RoomState`
 * whenever any of it changes. A socket reconnect rejoins the room and reconciles the links.
 */
export class CallSession {
  readonly roomName: string;
  private readonly host: CallHost;
  private readonly options: ConnectOptions;
  private liveType: LiveType;
  private startedAt: number | null = null;
  private self: RoomState['self'] = { participantId: '', role: 'participant', isHost: false };
  private status: RoomState['status'] = 'joining';
  private readonly participants = new Map<string, RoomParticipant>();
  private readonly local: LocalMedia;
  private transport: MediaTransport | null = null;
  /**
   * Room frames that came while a join (the first, or a rejoin) awaited its answer, replayed in order once admitted.
   * The answer can arrive after frames the room sent later: another participant who joined meanwhile may be missing
   * from the answer's list while their `participant_joined` came first; signals need the links the answer opens.
   */
  private early: RoomServerFrame[] | null = null;
  private readonly meter = new LevelMeter();
  private readonly detectors = new Map<string, SpeakingDetector>();
  private readonly speaking = new Set<string>();
  private readonly quality = new Map<string, Quality | null>();
  private timers: Array<ReturnType<typeof setInterval>> = [];
  private deviceQueue: Promise<unknown> = Promise.resolve();
  private publishQueued = false;
  private joining: Promise<RoomState> | null = null;
  private rejoining = false;
  private finished = false;
  private readonly handleOnline = () => this.transport?.restartIce();

  constructor(host: CallHost, options: ConnectOptions) {
    this.host = host;
    this.options = options;
    this.roomName = options.roomName;
    this.liveType = options.liveType ?? 'video_call';
    this.local = new LocalMedia(
      (code, message) => host.error(code, message),
      () => this.mediaChanged(),
    );
  }

  /** Joins the room (once); settles when the server admitted this device (to the room state then) or refused it. */
  join(): Promise<RoomState> {
    this.joining ??= this.admission();
    return this.joining;
  }

  /** The room as the store has it now. */
  get current(): RoomState {
    return this.state();
  }

  handleFrame(frame: RoomServerFrame): void {
    if (this.finished || frame.roomName !== this.roomName) return;
    if (frame.type === 'room.ended')
      return this.finish({ reason: frame.reason, startedAt: frame.startedAt, endedAt: frame.endedAt, durationMs: frame.durationMs });
    if (this.early) {
      if (this.early.length < MAX_EARLY_FRAMES) this.early.push(frame);
      return;
    }
    if (!this.transport) return;
    switch (frame.type) {
      case 'room.participant_joined':
      case 'room.participant_updated':
        return this.upsert(frame.participant, frame.type === 'room.participant_joined');
      case 'room.participant_left':
        if (!this.participants.delete(frame.participantId)) return;
        this.syncLinks(false);
        this.publish({ [frame.participantId]: frame.reason });
        return;
      case 'room.signal':
        return this.transport.receive(frame.from, { description: frame.description, candidate: frame.candidate });
    }
  }

  /** The client's socket went away or came back: show the call as reconnecting, then rejoin. */
  connectionChanged(connection: ConnectionStatus): void {
    if (this.finished || this.status === 'joining') return;
    if (connection === 'open') {
      if (this.status === 'reconnecting') void this.rejoin();
    } else if (this.status !== 'reconnecting') {
      this.status = 'reconnecting';
      this.publish();
    }
  }

  enableCamera(options: DeviceOptions = {}): Promise<void> {
    return this.changeDevices(() => this.local.enableCamera(options.deviceId), true);
  }
  disableCamera(): Promise<void> {
    return this.changeDevices(() => this.local.disableCamera(), false);
  }
  enableMicrophone(options: DeviceOptions = {}): Promise<void> {
    return this.changeDevices(() => this.local.enableMicrophone(options.deviceId), true);
  }
  disableMicrophone(): Promise<void> {
    return this.changeDevices(() => this.local.disableMicrophone(), false);
  }
  startScreenShare(): Promise<void> {
    return this.changeDevices(() => this.local.startScreenShare(), true);
  }
  stopScreenShare(): Promise<void> {
    return this.changeDevices(() => this.local.stopScreenShare(), false);
  }

  /** Hangs up: the call ends here at once, and the promise settles when the server has heard (or could not). */
  async leave(): Promise<void> {
    if (this.finished) return;
    const request = this.host.request('room.leave', { roomName: this.roomName }).catch(() => undefined);
    const endedAt = this.host.now();
    const durationMs = this.startedAt === null ? 0 : Math.max(0, endedAt - this.startedAt);
    this.finish({ reason: 'left', startedAt: this.startedAt, endedAt, durationMs });
    await request;
  }

  private async admission(): Promise<RoomState> {
    globalThis.addEventListener?.('online', this.handleOnline);
    this.publish();
    try {
      const result = await this.awaitAdmission();
      if (this.finished) throw this.host.error('disconnected', 'the call was left before the server admitted this device');
      this.admit(result);
      this.replayEarly();
      this.timers.push(
        setInterval(() => this.tickSpeaking(), SPEAKING_TICK_MS),
        setInterval(() => void this.tickQuality(), QUALITY_TICK_MS),
      );
      return this.publish();
    } catch (error) {
      this.finish();
      throw error;
    }
  }

  private async rejoin(): Promise<void> {
    if (this.rejoining || this.finished || this.status !== 'reconnecting') return;
    this.rejoining = true;
    try {
      const result = await this.awaitAdmission();
      if (!this.finished) {
        const left = this.admit(result);
        this.replayEarly();
        this.publish(left);
      }
    } catch (error) {
      const code = (error as { code?: ErrorCode }).code;
      if (this.finished || code === 'disconnected') return;
      if (code === 'forbidden' || code === 'not_found' || code === 'room_full') {
        // The call ended while this device was away (or went on without it): it ends here too.
        const endedAt = this.host.now();
        const reason = this.participants.size <= 1 ? 'hangup' : 'last_participant';
        this.finish({ reason, startedAt: this.startedAt, endedAt, durationMs: this.startedAt === null ? 0 : Math.max(0, endedAt - this.startedAt) });
      } else {
        // A timeout: try again soon (the request waits for the socket if it dropped again).
        this.timers.push(setTimeout(() => void this.rejoin(), REJOIN_RETRY_MS));
      }
    } finally {
      this.rejoining = false;
    }
  }

  /** Sends a join and holds the room's frames back until its answer is in (see `early`). */
  private async awaitAdmission(): Promise<RoomJoinResult> {
    this.early ??= [];
    try {
      return await this.host.request('room.join', this.joinRequest());
    } catch (error) {
      this.early = null;
      throw error;
    }
  }

  private replayEarly(): void {
    const frames = this.early ?? [];
    this.early = null;
    for (const frame of frames) this.handleFrame(frame);
  }

  private joinRequest(): RequestBody<'room.join'> {
    return { roomName: this.roomName, liveType: this.options.liveType, participant: this.options.participant };
  }

  /** Takes the room from a join's answer; returns who went missing meanwhile. */
  private admit(result: RoomJoinResult): Record<string, LeaveReason> {
    const { room, self } = result;
    const me = room.participants.find((participant) => participant.participantId === self);
    if (this.transport && this.self.participantId !== self) {
      this.transport.close();
      this.transport = null;
    }
    this.liveType = room.liveType;
    this.startedAt = room.startedAt;
    this.self = { participantId: self, role: me?.role ?? 'participant', isHost: me?.isHost ?? false };
    this.status = 'joined';
    const others = room.participants.filter((participant) => participant.participantId !== self);
    const left: Record<string, LeaveReason> = {};
    for (const participantId of this.participants.keys())
      if (!others.some((other) => other.participantId === participantId)) left[participantId] = 'disconnected';
    this.participants.clear();
    for (const participant of others) this.participants.set(participant.participantId, participant);
    this.transport ??= new MeshTransport(self, {
      signal: (to, signal) => void this.host.request('room.signal', { roomName: this.roomName, to, ...signal }).catch(() => undefined),
      changed: () => this.schedulePublish(),
    });
    this.transport.configure({ iceServers: result.iceServers, iceTransportPolicy: result.iceTransportPolicy });
    if (!publishes(this.self.role)) this.local.stopAll();
    this.transport.setTracks(this.local.outgoing);
    // Just admitted: the others wait for this device's offers.
    this.syncLinks(true);
    if (Object.values(this.local.flags).some(Boolean)) this.announceMedia();
    return left;
  }

  private upsert(participant: RoomParticipant, joined: boolean): void {
    if (participant.participantId === this.self.participantId) {
      const roleChanged = participant.role !== this.self.role;
      this.self = { participantId: participant.participantId, role: participant.role, isHost: participant.isHost };
      if (roleChanged) {
        // A co-host now publishes to the other viewers too; a host made viewer stops sending.
        if (!publishes(participant.role)) this.local.stopAll();
        this.mediaChanged();
        this.syncLinks(true);
      }
      this.publish();
      return;
    }
    const before = this.participants.get(participant.participantId);
    this.participants.set(participant.participantId, participant);
    if (joined) this.startedAt ??= participant.joinedAt;
    // A newcomer offers to everyone; after a role change both sides may, and perfect negotiation settles it.
    if (!before || before.role !== participant.role) this.syncLinks(before !== undefined);
    this.publish();
  }

  /** A link to every participant this device exchanges media with: all, unless both sides only watch. */
  private syncLinks(initiate: boolean): void {
    const linked = [...this.participants.values()].filter((participant) => publishes(this.self.role) || publishes(participant.role));
    this.transport?.setLinks(linked.map(({ participantId }) => ({ participantId, initiate })));
  }

  /** Runs device changes one at a time, once admitted: two clicks never race for the camera. */
  private changeDevices(change: () => Promise<void> | void, turnsOn: boolean): Promise<void> {
    const run = this.deviceQueue.then(async () => {
      await this.join();
      if (this.finished) throw this.host.error('invalid_request', 'the call has ended');
      if (turnsOn && !publishes(this.self.role)) {
        throw this.host.error('forbidden', 'viewers of a live stream only receive: they have no camera, microphone or screen share in the call');
      }
      await change();
      // Left while the browser asked for the device: nothing may stay on.
      if (this.finished) this.local.stopAll();
      else this.mediaChanged();
    });
    this.deviceQueue = run.catch(() => undefined);
    return run;
  }

  private mediaChanged(): void {
    if (this.finished) return;
    this.transport?.setTracks(this.local.outgoing);
    this.meter.follow(this.local.microphoneTrack);
    this.publish();
    if (this.status !== 'joining') this.announceMedia();
  }

  private announceMedia(): void {
    this.host.request('room.media', { roomName: this.roomName, ...this.local.flags }).catch(() => undefined);
  }

  private tickSpeaking(): void {
    const now = performance.now();
    let changed = false;
    const update = (participantId: string, level: number) => {
      const detector = this.detectors.get(participantId) ?? new SpeakingDetector();
      this.detectors.set(participantId, detector);
      const speaking = detector.update(level, now);
      if (speaking === this.speaking.has(participantId)) return;
      changed = true;
      if (speaking) this.speaking.add(participantId);
      else this.speaking.delete(participantId);
    };
    for (const participant of this.participants.values()) {
      update(participant.participantId, participant.microphone ? (this.transport?.remote(participant.participantId)?.audioLevel ?? 0) : 0);
    }
    update(this.self.participantId, this.local.flags.microphone ? this.meter.level : 0);
    if (changed) this.schedulePublish();
  }

  private async tickQuality(): Promise<void> {
    let changed = false;
    for (const participantId of [...this.participants.keys()]) {
      const sample = await this.transport?.sample(participantId).catch(() => null);
      const quality = sample ? qualityOf(sample) : null;
      if (quality === (this.quality.get(participantId) ?? null)) continue;
      this.quality.set(participantId, quality);
      changed = true;
    }
    if (changed) this.schedulePublish();
  }

  private state(): RoomState {
    const { stream } = this.local;
    return {
      roomName: this.roomName,
      liveType: this.liveType,
      startedAt: this.startedAt,
      self: { ...this.self },
      status: this.status,
      participants: [...this.participants.values()].map((participant) => this.view(participant)),
      // A muted microphone is not speaking, from the moment it is muted (the detector holds on for a while).
      local: { stream, ...this.local.flags, speaking: this.local.flags.microphone && this.speaking.has(this.self.participantId) },
    };
  }

  private view(participant: RoomParticipant): CallParticipant {
    const { participantId, userId, name, avatarUrl, role, isHost, camera, microphone, screen, presence } = participant;
    const media = this.transport?.remote(participantId);
    // Flowing media says more than the socket: a participant whose socket is away may still be seen and heard.
    const connection = media && (media.connection === 'connected' || presence === 'connected') ? media.connection : presence;
    return {
      participantId,
      userId,
      name,
      avatarUrl,
      role,
      isHost,
      camera,
      microphone,
      screen,
      connection,
      stream: media?.stream ?? null,
      quality: this.quality.get(participantId) ?? null,
      speaking: microphone && this.speaking.has(participantId),
    };
  }

  private publish(left?: Record<string, LeaveReason>): RoomState {
    this.publishQueued = false;
    const room = this.state();
    if (!this.finished) this.host.report({ type: 'room.state', room, left });
    return room;
  }

  /** Link and activity changes come in bursts: report them once. */
  private schedulePublish(): void {
    if (this.publishQueued) return;
    this.publishQueued = true;
    queueMicrotask(() => {
      if (this.publishQueued) this.publish();
    });
  }

  private finish(ended?: Omit<RoomEndedEvent, 'roomName'>): void {
    if (this.finished) return;
    this.finished = true;
    // clearTimeout and clearInterval share one list of timers.
    for (const timer of this.timers) clearTimeout(timer);
    globalThis.removeEventListener?.('online', this.handleOnline);
    this.transport?.close();
    this.local.stopAll();
    this.meter.close();
    const left = Object.fromEntries([...this.participants.keys()].map((participantId) => [participantId, 'room_ended' as const]));
    this.host.report({ type: 'room.state', room: null, left, ended: ended && { roomName: this.roomName, ...ended } });
  }
}
