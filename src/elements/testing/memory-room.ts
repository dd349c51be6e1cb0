import { BaxCloudError } from '../../client/errors.js';
import type { LocalEvent } from '../../client/reducer.js';
import type { CallParticipant, ConnectOptions, LocalMedia, ParticipantConnection, RoomState } from '../../client/room-types.js';
import type { LeaveReason, LiveType, ParticipantRole, RoomEndReason } from '../../protocol/room.js';
import type { UserInfo } from '../../protocol/types.js';
import { initials } from '../strings.js';
import { CanvasMedia, canvasMediaSupported, type CanvasFeed } from './canvas-media.js';

/** Another participant of an in-memory call, as a story or test describes them; left-out fields take defaults. */
export interface SimulatedParticipant {
  userId: string;
  /** Defaults to the name the client knows from its `people`. */
  name?: string | null;
  avatarUrl?: string | null;
  /** Default `participant`; a `viewer` of a live stream publishes nothing. */
  role?: ParticipantRole;
  /** Default: on in video calls and live streams, off in audio calls. */
  camera?: boolean;
  /** Default on. */
  microphone?: boolean;
  screen?: boolean;
  connection?: ParticipantConnection;
  /** Default `good`. */
  quality?: CallParticipant['quality'];
  speaking?: boolean;
}

export interface MemoryRoomOptions {
  /** Who is already in any room this client joins. */
  participants?: SimulatedParticipant[];
  /** This user's role in the rooms it joins (default `host`; `viewer` for the audience of a live stream). */
  role?: ParticipantRole;
  /** When the call began, on the server's clock (default: when a second participant is there). */
  startedAt?: number;
  /** `never` keeps `connect()` joining for ever, for the "connecting" state. */
  join?: 'ok' | 'never';
}

/** What the room needs from its client: who this user is, the server's clock, and the store to report to. */
export interface MemoryRoomHost {
  user: UserInfo;
  person(userId: string): UserInfo | undefined;
  now(): number;
  report(input: Extract<LocalEvent, { type: 'room.state' }>): void;
}

const COLORS = ['#7048e8', '#0c8599', '#e8590c', '#2b8a3e', '#c2255c', '#1864ab'];

/**
 * The call of a `MemoryCallClient`: it plays both the server's room (membership, the start and end of the call)
 * and the media layer (streams made from canvases), and reports the whole room through the store's `room.state`
 * input, as BaxCloudClient's media layer does. Stories and tests move the other participants with `simulate*`.
 */
export class MemoryRoom {
  private state: RoomState | null = null;
  private media: CanvasMedia | undefined;
  private readonly feeds = new Map<string, CanvasFeed>();
  private localFeed: CanvasFeed | undefined;
  /** Users who published in the current call: with two, it is a 1:1 call that ends when either leaves. */
  private publishers = new Set<string>();

  constructor(
    private readonly host: MemoryRoomHost,
    private readonly options: MemoryRoomOptions = {},
  ) {}

  get current(): RoomState | null {
    return this.state;
  }

  async join(options: ConnectOptions): Promise<RoomState> {
    if (this.state) this.end('left');
    const me = this.host.user.userId;
    const role = this.options.role ?? 'host';
    const liveType: LiveType = options.liveType ?? 'video_call';
    this.media = canvasMediaSupported() ? new CanvasMedia() : undefined;
    this.publishers = new Set(role === 'viewer' ? [] : [me]);
    const local: LocalMedia = { stream: null, camera: false, microphone: false, screen: false, speaking: false };
    const self = { participantId: `${me}#memory`, role, isHost: role === 'host' };
    const joining: RoomState = { roomName: options.roomName, liveType, startedAt: null, self, status: 'joining', participants: [], local };
    this.replace(joining);
    if (this.options.join === 'never') return new Promise<never>(() => {});
    // Admitted on the next task, as after a round trip to the server.
    await new Promise((resolve) => setTimeout(resolve, 0));
    if (this.state !== joining) throw new BaxCloudError('disconnected', 'the call was left before it was joined');
    const participants = (this.options.participants ?? []).map((participant) => this.participant(participant, liveType));
    for (const participant of participants) if (participant.role !== 'viewer') this.publishers.add(participant.userId);
    const startedAt = this.options.startedAt ?? (participants.length > 0 ? this.host.now() : null);
    const joined: RoomState = { ...joining, status: 'joined', participants, startedAt };
    this.replace(joined);
    return joined;
  }

  leave(): void {
    this.end('left');
  }

  /** Turns this device's camera, microphone or screen share on or off, as the media layer would. */
  setLocal(changes: Partial<Pick<LocalMedia, 'camera' | 'microphone' | 'screen'>>): LocalMedia {
    const state = this.requireRoom();
    if (state.self.role === 'viewer') throw new BaxCloudError('forbidden', 'viewers of a live stream do not publish');
    const local = { ...state.local, ...changes };
    const tracks = this.localTracks(local);
    // A new stream whenever its tracks change, so that whoever shows it sees the change.
    const stream = tracks.length > 0 ? new MediaStream(tracks) : null;
    this.replace({ ...state, local: { ...local, stream } });
    return this.state!.local;
  }

  /** What `room.media` would send: this device's camera, microphone and screen. */
  localMedia(): Pick<LocalMedia, 'camera' | 'microphone' | 'screen'> {
    const { camera, microphone, screen } = this.requireRoom().local;
    return { camera, microphone, screen };
  }

  /** The client's connection changed: the call waits while it is away, and a closed client leaves it. */
  connectionChanged(connection: string): void {
    const state = this.state;
    if (!state) return;
    if (connection === 'closed' || connection === 'unauthorized') return this.end('left');
    const status = connection === 'open' ? 'joined' : 'reconnecting';
    if (state.status !== 'joining' && state.status !== status) this.replace({ ...state, status });
  }

  // ---- what the other participants do ------------------------------------------------------------------

  /** Someone joins the call; returns their participant id. */
  joined(participant: SimulatedParticipant): string {
    const state = this.requireRoom();
    const added = this.participant(participant, state.liveType);
    const others = state.participants.filter((each) => each.userId !== added.userId);
    if (added.role !== 'viewer') this.publishers.add(added.userId);
    this.replace({ ...state, participants: [...others, added], startedAt: state.startedAt ?? this.host.now() });
    return added.participantId;
  }

  /** Someone leaves; a 1:1 call then ends (`hangup`), and so does a group call with one participant left. */
  left(userId: string, reason: LeaveReason): void {
    const state = this.requireRoom();
    const gone = this.find(userId);
    this.stopFeed(gone.participantId);
    const participants = state.participants.filter((each) => each !== gone);
    this.replace({ ...state, participants }, { [gone.participantId]: reason });
    if (gone.role !== 'viewer' && this.publishers.size === 2) this.end('hangup');
    else if (participants.length === 0) this.end('last_participant');
  }

  /** Changes what another participant's store entry says: media, connection, quality, speaking. */
  updated(userId: string, changes: Partial<Omit<CallParticipant, 'participantId' | 'userId' | 'stream'>>): void {
    const state = this.requireRoom();
    const before = this.find(userId);
    const after = { ...before, ...changes };
    const feed = this.feeds.get(before.participantId);
    if (feed) {
      feed.mode = after.screen ? 'screen' : 'camera';
      feed.track.enabled = after.camera || after.screen;
    }
    this.replace({ ...state, participants: state.participants.map((each) => (each === before ? after : each)) });
  }

  /** Whether this user is speaking now. */
  speaking(speaking: boolean): void {
    const state = this.requireRoom();
    this.replace({ ...state, local: { ...state.local, speaking } });
  }

  /** The call ends for everyone. */
  end(reason: RoomEndReason | 'left'): void {
    const state = this.state;
    if (!state) return;
    const endedAt = this.host.now();
    const durationMs = state.startedAt === null ? 0 : Math.max(0, endedAt - state.startedAt);
    this.media?.stop();
    this.media = undefined;
    this.feeds.clear();
    this.localFeed = undefined;
    this.state = null;
    const left = Object.fromEntries(state.participants.map((participant) => [participant.participantId, 'room_ended' as const]));
    this.host.report({ type: 'room.state', room: null, left, ended: { roomName: state.roomName, reason, startedAt: state.startedAt, endedAt, durationMs } });
  }

  private replace(state: RoomState, left?: Record<string, LeaveReason>): void {
    this.state = state;
    this.host.report({ type: 'room.state', room: state, ...(left ? { left } : {}) });
  }

  private requireRoom(): RoomState {
    if (!this.state) throw new BaxCloudError('not_found', 'not in a call: connect() first');
    return this.state;
  }

  private find(userId: string): CallParticipant {
    const found = this.state?.participants.find((participant) => participant.userId === userId);
    if (!found) throw new BaxCloudError('not_found', `${userId} is not in the call`);
    return found;
  }

  private participant(simulated: SimulatedParticipant, liveType: LiveType): CallParticipant {
    const known = this.host.person(simulated.userId);
    const user = { userId: simulated.userId, name: simulated.name ?? known?.name ?? null };
    const role = simulated.role ?? 'participant';
    const publishes = role !== 'viewer';
    const camera = publishes && (simulated.camera ?? liveType !== 'audio_call');
    const screen = publishes && (simulated.screen ?? false);
    const participantId = `${simulated.userId}#memory`;
    let stream: MediaStream | null = null;
    if (this.media && publishes) {
      const feed = this.media.video(initials(user), colorOf(simulated.userId));
      feed.mode = screen ? 'screen' : 'camera';
      feed.track.enabled = camera || screen;
      this.stopFeed(participantId);
      this.feeds.set(participantId, feed);
      const audio = this.media.audioTrack();
      stream = new MediaStream(audio ? [feed.track, audio] : [feed.track]);
    }
    return {
      participantId,
      userId: simulated.userId,
      name: user.name,
      avatarUrl: simulated.avatarUrl ?? known?.avatarUrl ?? null,
      role,
      isHost: role === 'host',
      camera,
      microphone: publishes && (simulated.microphone ?? true),
      screen,
      connection: simulated.connection ?? 'connected',
      stream,
      quality: simulated.quality === undefined ? 'good' : simulated.quality,
      speaking: simulated.speaking ?? false,
    };
  }

  /** This device's tracks for `local`: one canvas (the camera picture, or the screen while shared) and a tone. */
  private localTracks(local: Pick<LocalMedia, 'camera' | 'microphone' | 'screen'>): MediaStreamTrack[] {
    if (!this.media) return [];
    const tracks: MediaStreamTrack[] = [];
    if (local.camera || local.screen) {
      // A colour of its own, so the preview never looks like another participant's picture.
      this.localFeed ??= this.media.video(initials(this.host.user), '#495057');
      this.localFeed.mode = local.screen ? 'screen' : 'camera';
      tracks.push(this.localFeed.track);
    } else {
      this.localFeed?.stop();
      this.localFeed = undefined;
    }
    const audio = this.state?.local.stream?.getAudioTracks()[0];
    const microphone = local.microphone ? (audio ?? this.media.audioTrack()) : undefined;
    if (microphone) tracks.push(microphone);
    else audio?.stop();
    return tracks;
  }

  private stopFeed(participantId: string): void {
    this.feeds.get(participantId)?.stop();
    this.feeds.delete(participantId);
  }
}

function colorOf(userId: string): string {
  let hash = 0;
  for (const char of userId) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return COLORS[hash % COLORS.length]!;
}
