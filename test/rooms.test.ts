import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ResultByType } from '../src/protocol/frames.js';
import type { RoomGrants, RoomJoinResult, RoomParticipant } from '../src/protocol/room.js';
import type { CallHistoryEntry, ReceivedInvitation } from '../src/protocol/types.js';
import { createUserToken } from '../src/server/tokens.js';
import { uniqueUser } from './support/clients.js';
import { connectRaw, frameText, openSocket, socketUrl, type RawFrame } from './support/raw.js';
import { startServer, type RunningServer, type StartOptions, type TestProject } from './support/server.js';
import { WebhookReceiver } from './support/webhook-receiver.js';

/**
 * The server side of calls over raw sockets: admission, the signaling relay, the mesh limit, the end of a call,
 * reconnects, TURN credentials, call webhooks and live-stream roles. Signaling is only frames, so no browser.
 */

const TURN_SECRET = 'turn-shared-secret';
const TURN_TTL_SECONDS = 600;
const HOOK_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
/** How long this file's server keeps a participant whose socket closed (20 s by default). */
const GRACE_MS = 3000;

const ROOMS = {
  projectId: 'rooms',
  apiKey: 'rooms-key',
  secret: 'rooms-secret',
  allowedOrigins: ['*'],
  iceServers: [{ urls: 'stun:stun.example.org:3478' }],
  turn: { urls: ['turn:127.0.0.1:3478', 'turns:turn.example.org:5349'], secret: TURN_SECRET, ttlSeconds: TURN_TTL_SECONDS },
  maxVideoParticipants: 3,
};
const BUSY = { projectId: 'rooms-busy', apiKey: 'busy-key', secret: 'busy-secret', allowedOrigins: ['*'], busyWhileInCall: true, iceTransportPolicy: 'relay' };
type Project = { projectId: string; apiKey: string; secret: string };

let server: RunningServer;
const serverOptions = (stateDir?: string): StartOptions => ({
  ...(stateDir ? { stateDir } : {}),
  projects: [{ ...ROOMS, webhooks: [{ url: receiver.url, secret: HOOK_SECRET, events: ['call.started', 'call.ended'] }] }, BUSY] as unknown as TestProject[],
  vars: { ROOM_RECONNECT_GRACE_MS: String(GRACE_MS), WEBHOOK_RETRY_SCHEDULE: '1,1,1,2,2' },
});
let receiver: WebhookReceiver;
const sockets: Peer[] = [];

beforeAll(async () => {
  receiver = await WebhookReceiver.start();
  receiver.secret = HOOK_SECRET;
  server = await startServer(serverOptions());
});
afterAll(async () => {
  await receiver?.down();
  await server?.stop();
});
afterEach(async () => {
  await Promise.all(sockets.splice(0).map((peer) => peer.close()));
});

// ---- a user's device over a bare socket ----------------------------------------------------------------

interface Peer {
  userId: string;
  deviceId: string;
  frames: RawFrame[];
  request(frame: Record<string, unknown>): Promise<RawFrame>;
  /** Sends a request and returns its result, failing the test on an error. */
  ok<T extends keyof ResultByType>(frame: { type: T } & Record<string, unknown>): Promise<ResultByType[T]>;
  next(match: (frame: RawFrame) => boolean, timeoutMs?: number): Promise<RawFrame>;
  close(): Promise<void>;
}

let requests = 0;

async function device(options: { userId?: string; deviceId?: string; rooms?: RoomGrants; project?: Project; host?: string } = {}): Promise<Peer> {
  const project = options.project ?? ROOMS;
  const userId = options.userId ?? uniqueUser('u');
  const deviceId = options.deviceId ?? `d${++requests}`;
  const { token } = await createUserToken({
    projectId: project.projectId,
    secret: project.secret,
    userId,
    name: userId,
    ...(options.rooms ? { rooms: options.rooms } : {}),
  });
  const raw = await connectRaw(
    socketUrl(options.host ?? server.host, { projectId: project.projectId, apiKey: project.apiKey, userId, token, deviceId }),
    `${userId}/${deviceId}`,
    15_000,
  );
  const request = (frame: Record<string, unknown>) => raw.request({ ...frame, type: String(frame.type), requestId: `r${++requests}` });
  const peer: Peer = {
    userId,
    deviceId,
    frames: raw.frames,
    request,
    async ok<T extends keyof ResultByType>(frame: { type: T } & Record<string, unknown>) {
      const answer = await request(frame);
      if (answer.type !== 'result') throw new Error(`${String(frame.type)} failed: ${JSON.stringify(answer)}`);
      return answer.result as ResultByType[T];
    },
    next: (match, timeoutMs) => raw.next(match, timeoutMs),
    close: () => raw.close(),
  };
  sockets.push(peer);
  return peer;
}

const roomName = () => uniqueUser('room');
const pid = (peer: Peer) => `${peer.userId}#${peer.deviceId}`;
const roomFrames = (peer: Peer) => peer.frames.filter((frame) => frame.type.startsWith('room.'));
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `from` invites `to` naming the room; each of them accepts. */
async function invitedAndAccepted(from: Peer, to: Peer[], room: string, callType = 'video_call'): Promise<string> {
  const sent = await from.ok({ type: 'invite', to: to.map((peer) => peer.userId), roomName: room, callType });
  for (const invitee of to) {
    await invitee.next((frame) => frame.type === 'invitation.received' && (frame.invitation as ReceivedInvitation).invitationId === sent.invitationId);
    await invitee.ok({ type: 'accept', invitationId: sent.invitationId });
  }
  for (const invitee of to)
    await from.next((frame) => frame.type === 'invitation.accepted' && frame.by === invitee.userId && frame.invitationId === sent.invitationId);
  return sent.invitationId;
}

const join = (peer: Peer, room: string, liveType?: string) => peer.request({ type: 'room.join', roomName: room, ...(liveType ? { liveType } : {}) });

async function joined(peer: Peer, room: string, liveType?: string): Promise<RoomJoinResult> {
  const answer = await join(peer, room, liveType);
  if (answer.type !== 'result') throw new Error(`join failed: ${JSON.stringify(answer)}`);
  return answer.result as RoomJoinResult;
}

const joinedFrame = (participantId: string) => (frame: RawFrame) =>
  frame.type === 'room.participant_joined' && (frame.participant as RoomParticipant).participantId === participantId;

async function historyEntry(peer: Peer, invitationId: string, match: (entry: CallHistoryEntry) => boolean): Promise<CallHistoryEntry | undefined> {
  let entry: CallHistoryEntry | undefined;
  await expect
    .poll(async () => {
      const page = await peer.ok({ type: 'history.list' });
      entry = page.entries.find((candidate) => candidate.invitationId === invitationId);
      return entry && match(entry);
    })
    .toBe(true);
  return entry;
}

// ---- admission -------------------------------------------------------------------------------------------

describe('admission', () => {
  it('admits both sides of an accepted invitation, and each learns of the other', async () => {
    const alice = await device();
    const bob = await device();
    const room = roomName();
    await invitedAndAccepted(alice, [bob], room);

    const first = await joined(alice, room, 'video_call');
    expect(first.self).toBe(pid(alice));
    expect(first.room).toMatchObject({ roomName: room, liveType: 'video_call', startedAt: null });
    expect(first.room.participants).toEqual([
      {
        participantId: pid(alice),
        userId: alice.userId,
        name: alice.userId,
        avatarUrl: null,
        role: 'host',
        isHost: true,
        camera: false,
        microphone: false,
        screen: false,
        presence: 'connected',
        joinedAt: expect.any(Number),
      },
    ]);
    expect(first.iceTransportPolicy).toBe('all');

    const second = await joined(bob, room);
    expect(second.self).toBe(pid(bob));
    expect(second.room.startedAt).toEqual(expect.any(Number));
    expect(second.room.participants.map((participant) => [participant.participantId, participant.role])).toEqual([
      [pid(alice), 'host'],
      [pid(bob), 'participant'],
    ]);
    const arrived = await alice.next(joinedFrame(pid(bob)));
    expect(arrived).toMatchObject({ roomName: room, participant: { userId: bob.userId, role: 'participant', isHost: false, presence: 'connected' } });
  });

  it('refuses a user who was not invited, who then receives nothing from the room', async () => {
    const alice = await device();
    const bob = await device();
    const carol = await device();
    const dave = await device();
    const room = roomName();
    await invitedAndAccepted(alice, [bob], room);
    await joined(alice, room);
    await joined(bob, room);

    expect(await join(carol, room)).toMatchObject({ type: 'error', code: 'forbidden' });
    expect(await carol.request({ type: 'room.signal', roomName: room, to: pid(alice), description: { type: 'offer', sdp: 'v=0' } })).toMatchObject({
      type: 'error',
      code: 'forbidden',
    });
    expect(await carol.request({ type: 'room.media', roomName: room, camera: true, microphone: true, screen: false })).toMatchObject({
      type: 'error',
      code: 'forbidden',
    });
    // Naming the room in an invitation of one's own admits nobody into a call that does not include its invitee.
    await carol.ok({ type: 'invite', to: dave.userId, roomName: room, callType: 'video_call' });
    expect(await join(carol, room)).toMatchObject({ type: 'error', code: 'forbidden' });

    await alice.ok({ type: 'room.media', roomName: room, camera: true, microphone: true, screen: false });
    await alice.ok({ type: 'room.signal', roomName: room, to: pid(bob), description: { type: 'offer', sdp: 'v=0' } });
    await bob.next((frame) => frame.type === 'room.signal');
    await bob.ok({ type: 'room.leave', roomName: room });
    await alice.next((frame) => frame.type === 'room.ended');
    expect(roomFrames(carol)).toEqual([]);
  });

  it('admits a room grant from the token, in its role, for that room only', async () => {
    const room = roomName();
    const guest = await device({ rooms: { [room]: 'participant' } });
    const result = await joined(guest, room);
    expect(result.room.participants).toEqual([expect.objectContaining({ participantId: pid(guest), role: 'participant', isHost: false })]);
    expect(await join(guest, roomName())).toMatchObject({ type: 'error', code: 'forbidden' });
  });

  it('takes grants and identity only from the verified token, never from a header the client sends', async () => {
    const room = roomName();
    const userId = uniqueUser('forger');
    const { token } = await createUserToken({ projectId: ROOMS.projectId, secret: ROOMS.secret, userId, name: 'Forger' });
    const forged = JSON.stringify({ rooms: { [room]: 'host' }, grantedAt: Date.now() });
    const socket = openSocket(socketUrl(server.host, { projectId: ROOMS.projectId, apiKey: ROOMS.apiKey, userId, token }), {
      headers: {
        'x-bax-rooms': forged,
        'x-bax-user': JSON.stringify({ userId, name: 'Someone Else' }),
        'x-bax-token-expires': String(Date.now() + 86_400_000),
      },
    });
    let snapshot: RawFrame | undefined;
    const answer = await new Promise<RawFrame>((resolve, reject) => {
      socket.on('message', (data) => {
        const frame = JSON.parse(frameText(data)) as RawFrame;
        if (frame.type === 'snapshot') {
          snapshot = frame;
          socket.send(JSON.stringify({ type: 'room.join', requestId: 'forged', roomName: room }));
        }
        if (frame.requestId === 'forged') resolve(frame);
      });
      socket.on('error', reject);
    });
    socket.close();
    expect(snapshot).toMatchObject({ user: { userId, name: 'Forger' } });
    expect(answer).toMatchObject({ type: 'error', code: 'forbidden' });
  });

  it('refuses past the mesh limit with room_full, counting everyone in the room', async () => {
    const room = roomName();
    const grant = { [room]: 'participant' } as const;
    const members = [await device({ rooms: { [room]: 'host' } }), await device({ rooms: grant }), await device({ rooms: grant })];
    for (const member of members) await joined(member, room);
    const late = await device({ rooms: grant });
    const refused = await join(late, room);
    expect(refused).toMatchObject({ type: 'error', code: 'room_full' });
    expect(String(refused.message)).toContain('full');
    // A device already in the room rejoins without counting twice.
    await joined(members[2]!, room);
  });

  it('does not reopen a call that ended to the invitation that led to it', async () => {
    const alice = await device();
    const bob = await device();
    const room = roomName();
    await invitedAndAccepted(alice, [bob], room);
    await joined(alice, room);
    await joined(bob, room);
    await alice.ok({ type: 'room.leave', roomName: room });
    await bob.next((frame) => frame.type === 'room.ended');
    expect(await join(bob, room)).toMatchObject({ type: 'error', code: 'forbidden' });
    expect(await join(alice, room)).toMatchObject({ type: 'error', code: 'forbidden' });
  });
});

// ---- signaling -------------------------------------------------------------------------------------------

describe('signaling', () => {
  it("relays a signal to the target participant's device only", async () => {
    const alice = await device();
    const bobId = uniqueUser('bob');
    const bobInCall = await device({ userId: bobId });
    const bobElsewhere = await device({ userId: bobId });
    const carol = await device();
    const room = roomName();
    await invitedAndAccepted(alice, [bobInCall], room);
    await joined(alice, room);
    await joined(bobInCall, room);

    const offer = { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' };
    expect(await alice.ok({ type: 'room.signal', roomName: room, to: pid(bobInCall), description: offer })).toEqual({ relayed: true });
    const candidate = { candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host', sdpMid: '0', sdpMLineIndex: 0 };
    await alice.ok({ type: 'room.signal', roomName: room, to: pid(bobInCall), candidate });
    await alice.ok({ type: 'room.signal', roomName: room, to: pid(bobInCall), candidate: null });
    expect(await bobInCall.next((frame) => frame.type === 'room.signal' && !!frame.description)).toEqual({
      type: 'room.signal',
      roomName: room,
      from: pid(alice),
      description: offer,
    });
    await bobInCall.next((frame) => frame.type === 'room.signal' && frame.candidate === null);
    expect(bobInCall.frames.filter((frame) => frame.type === 'room.signal').map((frame) => ('candidate' in frame ? frame.candidate : 'offer'))).toEqual([
      'offer',
      candidate,
      null,
    ]);

    await bobInCall.ok({ type: 'room.signal', roomName: room, to: pid(alice), description: { type: 'answer', sdp: 'v=0' } });
    await alice.next((frame) => frame.type === 'room.signal' && frame.from === pid(bobInCall));
    expect(await alice.ok({ type: 'room.signal', roomName: room, to: `${carol.userId}#nowhere`, candidate })).toEqual({ relayed: false });
    await pause(300);
    expect(roomFrames(bobElsewhere)).toEqual([]);
    expect(roomFrames(carol)).toEqual([]);
  });

  it('reports media changes to the others', async () => {
    const alice = await device();
    const bob = await device();
    const room = roomName();
    await invitedAndAccepted(alice, [bob], room, 'audio_call');
    expect((await joined(alice, room)).room.liveType).toBe('audio_call');
    await joined(bob, room);
    const updated = await bob.ok({ type: 'room.media', roomName: room, camera: false, microphone: true, screen: false });
    expect(updated).toMatchObject({ participantId: pid(bob), microphone: true, camera: false });
    const seen = await alice.next((frame) => frame.type === 'room.participant_updated' && (frame.participant as RoomParticipant).microphone === true);
    expect(seen.participant).toEqual(updated);
  });
});

// ---- the end of a call -----------------------------------------------------------------------------------

describe('the end of a call', () => {
  it('ends a 1:1 call for both when one side leaves, and both histories show its duration', async () => {
    const alice = await device();
    const bob = await device();
    const room = roomName();
    const invitationId = await invitedAndAccepted(alice, [bob], room);
    await joined(alice, room);
    const { room: info } = await joined(bob, room);
    await pause(300);
    expect(await bob.ok({ type: 'room.leave', roomName: room })).toEqual({ left: true });
    const [ended, endedForBob] = await Promise.all([alice.next((frame) => frame.type === 'room.ended'), bob.next((frame) => frame.type === 'room.ended')]);
    expect(ended).toEqual({
      type: 'room.ended',
      roomName: room,
      reason: 'hangup',
      startedAt: info.startedAt,
      endedAt: expect.any(Number),
      durationMs: expect.any(Number),
    });
    expect(ended.durationMs).toBeGreaterThanOrEqual(250);
    expect(endedForBob).toEqual(ended);
    expect(await alice.ok({ type: 'room.leave', roomName: room })).toEqual({ left: false });

    for (const [peer, direction] of [
      [alice, 'outgoing'],
      [bob, 'incoming'],
    ] as const) {
      const entry = await historyEntry(peer, invitationId, (candidate) => candidate.callEndedAt !== null);
      expect(entry).toMatchObject({ direction, outcome: 'accepted', callStartedAt: info.startedAt, callEndedAt: ended.endedAt, durationMs: ended.durationMs });
    }
  });

  it('keeps a group call going when one leaves, and ends it when one participant is left', async () => {
    const alice = await device();
    const bob = await device();
    const carol = await device();
    const room = roomName();
    const invitationId = await invitedAndAccepted(alice, [bob, carol], room);
    for (const peer of [alice, bob, carol]) await joined(peer, room);

    await bob.ok({ type: 'room.leave', roomName: room });
    for (const peer of [alice, carol]) {
      expect(await peer.next((frame) => frame.type === 'room.participant_left')).toEqual({
        type: 'room.participant_left',
        roomName: room,
        participantId: pid(bob),
        userId: bob.userId,
        reason: 'left',
      });
    }
    await alice.ok({ type: 'room.signal', roomName: room, to: pid(carol), description: { type: 'offer', sdp: 'v=0' } });
    expect(alice.frames.some((frame) => frame.type === 'room.ended')).toBe(false);

    await carol.ok({ type: 'room.leave', roomName: room });
    expect(await alice.next((frame) => frame.type === 'room.ended')).toMatchObject({ reason: 'last_participant' });
    // Everyone who took part has the call in their history, the one who left first included.
    for (const peer of [alice, bob, carol]) await historyEntry(peer, invitationId, (entry) => entry.durationMs !== null);
  });

  it('keeps a participant whose socket closed as reconnecting, and the same device rejoins as the same participant', async () => {
    const alice = await device();
    const bobId = uniqueUser('bob');
    const bob = await device({ userId: bobId, deviceId: 'bob-phone' });
    const room = roomName();
    await invitedAndAccepted(alice, [bob], room);
    await joined(alice, room);
    const before = await joined(bob, room);
    await bob.close();
    const reconnecting = await alice.next(
      (frame) => frame.type === 'room.participant_updated' && (frame.participant as RoomParticipant).presence === 'reconnecting',
    );
    expect(reconnecting.participant).toMatchObject({ participantId: pid(bob), presence: 'reconnecting' });

    const back = await device({ userId: bobId, deviceId: 'bob-phone' });
    const rejoined = await joined(back, room);
    expect(rejoined.self).toBe(before.self);
    expect(rejoined.room.startedAt).toBe(before.room.startedAt);
    expect(rejoined.room.participants.map((participant) => [participant.participantId, participant.presence])).toEqual([
      [pid(alice), 'connected'],
      [pid(bob), 'connected'],
    ]);
    const replaced = await alice.next((frame) => joinedFrame(pid(bob))(frame) && frame !== alice.frames.find(joinedFrame(pid(bob))));
    expect(replaced.participant).toMatchObject({ participantId: pid(bob), presence: 'connected' });
    await pause(GRACE_MS + 500);
    expect(alice.frames.some((frame) => frame.type === 'room.ended' || frame.type === 'room.participant_left')).toBe(false);
  });

  it('removes a participant that does not come back within the grace period', async () => {
    const alice = await device();
    const bob = await device();
    const carol = await device();
    const room = roomName();
    await invitedAndAccepted(alice, [bob, carol], room);
    for (const peer of [alice, bob, carol]) await joined(peer, room);
    const closedAt = Date.now();
    await carol.close();
    await alice.next((frame) => frame.type === 'room.participant_updated' && (frame.participant as RoomParticipant).presence === 'reconnecting');
    const left = await bob.next((frame) => frame.type === 'room.participant_left', GRACE_MS + 10_000);
    expect(left).toMatchObject({ participantId: pid(carol), reason: 'disconnected' });
    expect(Date.now() - closedAt).toBeGreaterThanOrEqual(GRACE_MS - 500);
    // Two are left: the call goes on.
    expect(await alice.ok({ type: 'room.signal', roomName: room, to: pid(bob), candidate: null })).toEqual({ relayed: true });
  });
});

// ---- what a join hands out, and what a call tells others -------------------------------------------------

describe('ICE servers', () => {
  it('hands out the STUN servers and TURN credentials that verify with the shared secret and expire after the ttl', async () => {
    const room = roomName();
    const peer = await device({ rooms: { [room]: 'host' } });
    const before = Math.floor(Date.now() / 1000);
    const { iceServers } = await joined(peer, room);
    const after = Math.floor(Date.now() / 1000);
    expect(iceServers[0]).toEqual({ urls: 'stun:stun.example.org:3478' });
    const turn = iceServers[1]!;
    expect(turn.urls).toEqual(ROOMS.turn.urls);
    const [expiry, user] = String(turn.username).split(':');
    expect(user).toBe(peer.userId);
    expect(Number(expiry)).toBeGreaterThanOrEqual(before + TURN_TTL_SECONDS);
    expect(Number(expiry)).toBeLessThanOrEqual(after + TURN_TTL_SECONDS);
    expect(turn.credential).toBe(createHmac('sha1', TURN_SECRET).update(turn.username!).digest('base64'));
    expect(turn.credential).not.toBe(createHmac('sha1', 'another secret').update(turn.username!).digest('base64'));
  });

  it("applies the project's relay-only policy", async () => {
    const room = roomName();
    const peer = await device({ project: BUSY, rooms: { [room]: 'host' } });
    expect(await joined(peer, room)).toMatchObject({ iceServers: [], iceTransportPolicy: 'relay' });
  });
});

describe('webhooks', () => {
  it('reports call.started and call.ended, with the duration and who took part', async () => {
    const alice = await device();
    const bob = await device();
    const room = roomName();
    await invitedAndAccepted(alice, [bob], room);
    await joined(alice, room);
    await joined(bob, room);
    await alice.ok({ type: 'room.leave', roomName: room });
    const ofRoom = () => receiver.received.filter((hook) => hook.payload.data.roomName === room);
    await receiver.waitFor(() => ofRoom().length >= 2, 20_000, 'call webhooks');
    const started = ofRoom().find((hook) => hook.payload.type === 'call.started')!;
    const ended = ofRoom().find((hook) => hook.payload.type === 'call.ended')!;
    expect(started.payload.data).toEqual({
      projectId: ROOMS.projectId,
      roomName: room,
      liveType: 'video_call',
      callId: expect.any(String),
      startedAt: expect.any(Number),
      endedAt: null,
      durationMs: null,
      reason: null,
      participants: expect.arrayContaining([
        { userId: alice.userId, role: 'host' },
        { userId: bob.userId, role: 'participant' },
      ]),
    });
    expect(ended.payload.data).toMatchObject({
      callId: started.payload.data.callId,
      startedAt: started.payload.data.startedAt,
      reason: 'hangup',
      durationMs: expect.any(Number),
    });
    expect(ended.payload.data.endedAt! - ended.payload.data.startedAt!).toBe(ended.payload.data.durationMs);
    expect(ended.payload.data.participants).toHaveLength(2);
  });
});

describe('presence', () => {
  it('says busy while in a room and online again after', async () => {
    const alice = await device();
    const bob = await device();
    const watcher = await device();
    const room = roomName();
    await watcher.ok({ type: 'presence.subscribe', userIds: [alice.userId] });
    await invitedAndAccepted(alice, [bob], room);
    await joined(alice, room);
    await watcher.next((frame) => frame.type === 'presence.changed' && frame.userId === alice.userId && frame.status === 'busy');
    await joined(bob, room);
    // Without the project's busyWhileInCall, a new invitation rings as a waiting call.
    const caller = await device();
    const sent = await caller.ok({ type: 'invite', to: alice.userId, roomName: roomName(), callType: 'audio_call' });
    expect(sent.invitees[0]).toMatchObject({ state: 'pending', delivered: true });
    await bob.ok({ type: 'room.leave', roomName: room });
    await watcher.next((frame) => frame.type === 'presence.changed' && frame.userId === alice.userId && frame.status === 'online');
  });

  it('declines new invitations with busy while in a call when the project says so', async () => {
    const room = roomName();
    const alice = await device({ project: BUSY, rooms: { [room]: 'host' } });
    const bob = await device({ project: BUSY });
    await joined(alice, room);
    const sent = await bob.ok({ type: 'invite', to: alice.userId, roomName: roomName(), callType: 'video_call' });
    expect(sent.invitees[0]).toMatchObject({ state: 'declined', reason: 'busy' });
    await alice.ok({ type: 'room.leave', roomName: room });
    const again = await bob.ok({ type: 'invite', to: alice.userId, roomName: roomName(), callType: 'video_call' });
    expect(again.invitees[0]).toMatchObject({ state: 'pending' });
  });
});

describe('live streaming', () => {
  it('admits viewers as viewers, who receive only, and a viewer the host invites becomes a co-host', async () => {
    const room = roomName();
    const host = await device({ rooms: { [room]: 'host' } });
    const viewer = await device({ rooms: { [room]: 'viewer' } });
    expect((await joined(host, room, 'live_streaming')).room.liveType).toBe('live_streaming');
    const watching = await joined(viewer, room, 'live_streaming');
    expect(watching.room.participants.find((participant) => participant.participantId === pid(viewer))).toMatchObject({ role: 'viewer', isHost: false });
    expect(await viewer.request({ type: 'room.media', roomName: room, camera: true, microphone: false, screen: false })).toMatchObject({
      type: 'error',
      code: 'forbidden',
    });
    // A viewer still answers the host's offers.
    await host.ok({ type: 'room.signal', roomName: room, to: pid(viewer), description: { type: 'offer', sdp: 'v=0' } });
    await viewer.ok({ type: 'room.signal', roomName: room, to: pid(host), description: { type: 'answer', sdp: 'v=0' } });

    // Inviting someone else to the room, even a friend who accepts, promotes no one.
    const friend = await device();
    await invitedAndAccepted(viewer, [friend], room, 'live_streaming');
    expect((await joined(viewer, room, 'live_streaming')).room.participants.find((participant) => participant.participantId === pid(viewer))).toMatchObject({
      role: 'viewer',
    });
    expect(await join(friend, room)).toMatchObject({ type: 'error', code: 'forbidden' });

    await invitedAndAccepted(host, [viewer], room, 'live_streaming');
    const promoted = (frame: RawFrame) =>
      frame.type === 'room.participant_updated' &&
      (frame.participant as RoomParticipant).participantId === pid(viewer) &&
      (frame.participant as RoomParticipant).role === 'host';
    await Promise.all([host.next(promoted), viewer.next(promoted)]);
    expect(await viewer.ok({ type: 'room.media', roomName: room, camera: true, microphone: true, screen: false })).toMatchObject({
      role: 'host',
      isHost: true,
      camera: true,
    });

    // The viewer-to-host call: a viewer calls the host, the host accepts, the viewer publishes.
    const caller = await device({ rooms: { [room]: 'viewer' } });
    await joined(caller, room, 'live_streaming');
    await invitedAndAccepted(caller, [host], room, 'live_streaming');
    await host.next(
      (frame) =>
        frame.type === 'room.participant_updated' &&
        (frame.participant as RoomParticipant).participantId === pid(caller) &&
        (frame.participant as RoomParticipant).role === 'host',
    );
  });
});

describe('a server crash', () => {
  it('takes participants whose sockets vanished without a close for reconnecting, and ends the call when they stay away', async () => {
    const stateDir = mkdtempSync(joinPath(tmpdir(), 'bax-rooms-'));
    const first = await startServer(serverOptions(stateDir));
    let second: RunningServer | undefined;
    try {
      const alice = await device({ host: first.host, deviceId: 'alice-laptop' });
      const bob = await device({ host: first.host });
      const room = roomName();
      await invitedAndAccepted(alice, [bob], room);
      await joined(alice, room);
      await joined(bob, room);
      await first.kill();

      second = await startServer({ ...serverOptions(stateDir), port: first.port });
      const back = await device({ host: second.host, userId: alice.userId, deviceId: 'alice-laptop' });
      const again = await joined(back, room);
      expect(again.self).toBe(pid(alice));
      // Bob never comes back: his inbox has no connection for him, so he runs out the grace and the call ends.
      expect(await back.next((frame) => frame.type === 'room.ended', GRACE_MS + 15_000)).toMatchObject({ reason: 'hangup' });
      await expect.poll(async () => (await back.ok({ type: 'presence.get', userIds: [alice.userId] }))[0]!.status).toBe('online');
    } finally {
      await Promise.all(sockets.splice(0).map((peer) => peer.close()));
      await second?.stop();
      await first.stop();
      rmSync(stateDir, { recursive: true, force: true });
    }
  }, 90_000);
});
