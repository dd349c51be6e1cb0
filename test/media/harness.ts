/*
 * Runs in Chromium (bundled by test/media/mesh.test.ts): real CallSessions and MeshTransports with real
 * RTCPeerConnections and fake devices, signaled through an in-page stand-in for the server's room. The tests drive
 * it through `window.mesh`.
 */
import type { RequestBody } from '../../src/client/connection.js';
import { MeshTransport } from '../../src/client/media/mesh-transport.js';
import { CallSession, type CallHost } from '../../src/client/media/session.js';
import type { OutgoingTracks, Signal } from '../../src/client/media/transport.js';
import type { RoomStateInput } from '../../src/client/reducer.js';
import type { RoomState } from '../../src/client/room-types.js';
import type { ResultByType } from '../../src/protocol/frames.js';
import type { LiveType, ParticipantRole, RoomParticipant, RoomServerFrame } from '../../src/protocol/room.js';

/** Every peer connection the page makes, so tests can read their stats. */
const peerConnections: RTCPeerConnection[] = [];
const NativePeerConnection = RTCPeerConnection;
globalThis.RTCPeerConnection = class extends NativePeerConnection {
  constructor(configuration?: RTCConfiguration) {
    super(configuration);
    peerConnections.push(this);
  }
};

/** How often the page asked for a camera or microphone. */
let captures = 0;
const nativeGetUserMedia = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
navigator.mediaDevices.getUserMedia = (constraints) => {
  captures += 1;
  return nativeGetUserMedia(constraints);
};

/** Plays what a session receives, as the call element does: Chrome decodes remote audio only for a listener. */
const players = new WeakSet<MediaStream>();
function play(stream: MediaStream | null): void {
  if (!stream || players.has(stream)) return;
  players.add(stream);
  const audio = document.createElement('audio');
  audio.srcObject = stream;
  document.body.append(audio);
  audio.play().catch(() => undefined);
}

/** Delivers each sender's messages to each receiver in order, after a short random delay, as a server would. */
class Relay {
  private readonly queues = new Map<string, Promise<void>>();
  /** Messages still to lose on the way, by sender: as a server does when their target's socket is away. */
  readonly losses = new Map<string, number>();
  constructor(private readonly maxDelayMs: number) {}
  send(from: string, to: string, deliver: () => void): void {
    const losses = this.losses.get(from) ?? 0;
    if (losses > 0) {
      this.losses.set(from, losses - 1);
      return;
    }
    const key = `${from}>${to}`;
    const previous = this.queues.get(key) ?? Promise.resolve();
    const delay = Math.random() * this.maxDelayMs;
    this.queues.set(key, previous.then(() => new Promise<void>((resolve) => setTimeout(resolve, delay))).then(deliver));
  }
}

class RoomError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface Member {
  participant: RoomParticipant;
  session: CallSession;
  room: RoomState | null;
  reports: RoomStateInput[];
}

/** The server's part, in the page: membership, relaying signals and media flags, the end of the call. */
class FakeRoom {
  readonly members = new Map<string, Member>();
  private startedAt: number | null = null;
  private readonly relay: Relay;
  /** Join answers held back this long after they were made, by participant: the room's frames may overtake them. */
  readonly lateAnswers = new Map<string, number>();

  constructor(
    readonly roomName: string,
    readonly liveType: LiveType,
    maxDelayMs: number,
  ) {
    this.relay = new Relay(maxDelayMs);
  }

  /** A device joins (or, with a participant id already in, rejoins as after a reload). */
  join(participantId: string, role: ParticipantRole): Member {
    const previous = this.members.get(participantId);
    const userId = participantId.split('#')[0]!;
    const participant: RoomParticipant = previous?.participant ?? {
      participantId,
      userId,
      name: userId,
      avatarUrl: null,
      role,
      isHost: role === 'host',
      camera: false,
      microphone: false,
      screen: false,
      presence: 'connected',
      joinedAt: Date.now(),
    };
    const member: Member = { participant, session: undefined as unknown as CallSession, room: null, reports: [] };
    member.session = new CallSession(this.hostFor(member), { roomName: this.roomName, liveType: this.liveType });
    return member;
  }

  /** The page of this member went away without leaving (a reload): its session stops, the room is not told. */
  abandon(member: Member): void {
    (member.session as unknown as { finish(): void }).finish();
  }

  private hostFor(member: Member): CallHost {
    return {
      request: <T extends 'room.join' | 'room.leave' | 'room.signal' | 'room.media'>(type: T, body: RequestBody<T>) =>
        this.answer(member, type, body) as Promise<ResultByType[T]>,
      report: (input) => {
        member.reports.push(input);
        member.room = input.room;
        for (const participant of input.room?.participants ?? []) play(participant.stream);
      },
      now: () => Date.now(),
      error: (code, message) => new RoomError(code, message),
    };
  }

  private async answer(member: Member, type: string, body: unknown): Promise<unknown> {
    await new Promise((resolve) => setTimeout(resolve, 5));
    const self = member.participant.participantId;
    // The same device joining again replaces its old presence.
    if (type === 'room.join') this.members.set(self, member);
    if (this.members.get(self) !== member) throw new RoomError('forbidden', 'replaced by a newer join');
    switch (type) {
      case 'room.join': {
        const others = [...this.members.values()].filter((other) => other !== member);
        if (others.length > 0) this.startedAt ??= Date.now();
        for (const other of others) this.push(other, { type: 'room.participant_joined', roomName: this.roomName, participant: member.participant });
        const answer = {
          room: {
            roomName: this.roomName,
            liveType: this.liveType,
            startedAt: this.startedAt,
            participants: [...this.members.values()].map((each) => each.participant),
          },
          self,
          iceServers: [],
          iceTransportPolicy: 'all',
        };
        await new Promise((resolve) => setTimeout(resolve, this.lateAnswers.get(self) ?? 0));
        return answer;
      }
      case 'room.signal': {
        const { to, description, candidate } = body as RequestBody<'room.signal'>;
        const target = this.members.get(to);
        if (!target) return { relayed: false };
        this.relay.send(self, to, () => target.session.handleFrame({ type: 'room.signal', roomName: this.roomName, from: self, description, candidate }));
        return { relayed: true };
      }
      case 'room.media': {
        const { camera, microphone, screen } = body as RequestBody<'room.media'>;
        member.participant = { ...member.participant, camera, microphone, screen };
        for (const other of this.members.values()) {
          if (other !== member) this.push(other, { type: 'room.participant_updated', roomName: this.roomName, participant: member.participant });
        }
        return member.participant;
      }
      case 'room.leave': {
        this.members.delete(self);
        for (const other of this.members.values()) {
          this.push(other, { type: 'room.participant_left', roomName: this.roomName, participantId: self, userId: member.participant.userId, reason: 'left' });
        }
        return { left: true };
      }
    }
    throw new RoomError('invalid_request', `unknown ${type}`);
  }

  /** Changes a participant's role, as the server does when a viewer becomes a co-host. */
  setRole(participantId: string, role: ParticipantRole): void {
    const member = this.members.get(participantId)!;
    member.participant = { ...member.participant, role, isHost: role === 'host' };
    for (const each of this.members.values()) {
      this.push(each, { type: 'room.participant_updated', roomName: this.roomName, participant: member.participant });
    }
  }

  private push(member: Member, frame: RoomServerFrame): void {
    setTimeout(() => member.session.handleFrame(frame), 1);
  }
}

/**
 * Two bare transports linked to each other, both offering at once (as two newcomers would). `lostFromB`: how many
 * of b's first messages never arrive.
 */
async function transportPair(maxDelayMs: number, lostFromB = 0) {
  const relay = new Relay(maxDelayMs);
  relay.losses.set('b', lostFromB);
  const tracks = async (): Promise<OutgoingTracks> => {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
    return { audio: stream.getAudioTracks()[0]!, video: stream.getVideoTracks()[0]! };
  };
  const sides: Record<string, MeshTransport> = {};
  const make = (self: string) =>
    new MeshTransport(self, {
      signal: (to: string, signal: Signal) => relay.send(self, to, () => sides[to]!.receive(self, signal)),
      changed: () => undefined,
    });
  sides.a = make('a');
  sides.b = make('b');
  const [tracksA, tracksB] = await Promise.all([tracks(), tracks()]);
  sides.a.setTracks(tracksA);
  sides.b.setTracks(tracksB);
  sides.a.setLinks([{ participantId: 'b', initiate: true }]);
  sides.b.setLinks([{ participantId: 'a', initiate: true }]);
  return sides;
}

/**
 * Two bare transports where the polite one ("a") rolls back an offer that changed what it sends: "b" opens the
 * link receiving only, "a" answers sending its camera, then "a" adds its microphone while "b" adds its camera, so
 * both offer at once.
 */
async function rollbackPair() {
  const relay = new Relay(30);
  const sides: Record<string, MeshTransport> = {};
  const make = (self: string) =>
    new MeshTransport(self, {
      signal: (to: string, signal: Signal) => relay.send(self, to, () => sides[to]!.receive(self, signal)),
      changed: () => undefined,
    });
  sides.a = make('a');
  sides.b = make('b');
  const camera = async () => (await navigator.mediaDevices.getUserMedia({ video: true })).getVideoTracks()[0]!;
  const cameraA = await camera();
  const cameraB = await camera();
  const microphoneA = (await navigator.mediaDevices.getUserMedia({ audio: true })).getAudioTracks()[0]!;
  sides.a.setTracks({ audio: null, video: cameraA });
  sides.b.setLinks([{ participantId: 'a', initiate: true }]);
  sides.a.setLinks([{ participantId: 'b', initiate: false }]);
  const stable = () => peerConnections.every((pc) => pc.signalingState === 'stable' && pc.connectionState === 'connected');
  while (!stable()) await new Promise((resolve) => setTimeout(resolve, 50));
  sides.a.setTracks({ audio: microphoneA, video: cameraA });
  sides.b.setTracks({ audio: null, video: cameraB });
  return { cameraA: cameraA.id };
}

/** Inbound stats of the peer connection that receives this track. */
async function inbound(track: MediaStreamTrack | undefined): Promise<Record<string, number> | null> {
  if (!track) return null;
  for (const pc of peerConnections) {
    if (pc.connectionState === 'closed') continue;
    const report = await pc.getStats();
    for (const stat of report.values()) {
      if (stat.type === 'inbound-rtp' && stat.trackIdentifier === track.id) return stat as Record<string, number>;
    }
  }
  return null;
}

/** What one session receives from another participant: decoded video frames, frame size and audio samples so far. */
async function received(member: Member, from: string) {
  const participant = member.room?.participants.find((each) => each.participantId === from);
  const stream = participant?.stream ?? null;
  const video = await inbound(stream?.getVideoTracks()[0]);
  const audio = await inbound(stream?.getAudioTracks()[0]);
  return {
    framesDecoded: video?.framesDecoded ?? 0,
    frameWidth: video?.frameWidth ?? 0,
    audioSamples: audio?.totalSamplesReceived ?? 0,
    audioPackets: audio?.packetsReceived ?? 0,
    videoMuted: stream?.getVideoTracks()[0]?.muted ?? null,
  };
}

/** The negotiated state of every open peer connection: transceivers in use and signaling state. */
function links() {
  return peerConnections
    .filter((pc) => pc.connectionState !== 'closed')
    .map((pc) => ({
      signalingState: pc.signalingState,
      connectionState: pc.connectionState,
      transceivers: pc
        .getTransceivers()
        .filter((transceiver) => transceiver.currentDirection !== 'stopped' && transceiver.mid !== null)
        .map((transceiver) => `${transceiver.receiver.track.kind}:${transceiver.currentDirection}`),
    }));
}

/** The members of the current call, by participant id. */
const members: Record<string, Member> = {};
let current: FakeRoom | null = null;

const api = {
  members,
  peerConnections,
  transportPair,
  rollbackPair,
  links,
  captures: () => captures,
  room: () => current!,
  /** Starts a call and joins these participants one after another (each waits until admitted). */
  async call(participants: Array<[participantId: string, role: ParticipantRole]>, options: { liveType?: LiveType; maxDelayMs?: number } = {}) {
    current = new FakeRoom(`room-${Math.random().toString(36).slice(2)}`, options.liveType ?? 'video_call', options.maxDelayMs ?? 20);
    for (const [participantId, role] of participants) await api.join(participantId, role);
  },
  /**
   * Starts a call that these participants join at the same moment; each answer in `lateAnswers` reaches its
   * participant that long after it was made, so frames the room sent later (another's arrival) come first.
   * Resolves once those without a late answer are in; `session(id).join()` waits for the others.
   */
  async callTogether(participants: string[], lateAnswers: Record<string, number>) {
    current = new FakeRoom(`room-${Math.random().toString(36).slice(2)}`, 'video_call', 20);
    for (const [participantId, delay] of Object.entries(lateAnswers)) current.lateAnswers.set(participantId, delay);
    for (const participantId of participants) members[participantId] = current.join(participantId, 'participant');
    const joins = participants.map((participantId) => members[participantId]!.session.join());
    await Promise.all(joins.filter((_, index) => !(participants[index]! in lateAnswers)));
  },
  /** Joins (or, for a participant id already in, rejoins as a reloaded page does). */
  async join(participantId: string, role: ParticipantRole = 'participant') {
    members[participantId] = current!.join(participantId, role);
    await members[participantId].session.join();
  },
  session: (participantId: string) => members[participantId]!.session,
  received: (participantId: string, from: string) => received(members[participantId]!, from),
  reports: (participantId: string) =>
    members[participantId]!.reports.map(({ left, ended, room }) => ({ left, ended, participants: room?.participants.length ?? null })),
  /** What a session last reported, with its streams shown as track kinds (streams do not cross to the test). */
  view(participantId: string) {
    const room = members[participantId]!.room;
    if (!room) return null;
    return {
      ...room,
      participants: room.participants.map(({ stream, ...rest }) => ({
        ...rest,
        stream: stream
          ? stream
              .getTracks()
              .map((track) => track.kind)
              .sort()
          : null,
      })),
      local: { ...room.local, stream: room.local.stream ? room.local.stream.getTracks().map((track) => `${track.kind}:${track.label}`) : null },
    };
  },
};

Object.assign(globalThis, { mesh: api });

declare global {
  var mesh: typeof api;
}
