import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BaxCloudError } from '../src/client/errors.js';
import { LIMITS } from '../src/protocol/limits.js';
import { connectClient, nextEvent, uniqueUser } from './support/clients.js';
import { openRaw, type RawSocket } from './support/raw.js';
import { startServer, type RunningServer } from './support/server.js';

let server: RunningServer;
let raw: RawSocket;
let counter = 0;
const rid = () => `bad-${++counter}`;

beforeAll(async () => {
  server = await startServer();
  raw = await openRaw(server.host);
});
afterAll(async () => {
  await raw?.close();
  await server?.stop();
});

const valid = () => ({ type: 'invite', requestId: rid(), to: uniqueUser('x'), roomName: 'room', callType: 'video_call' });

/** Sends a frame, expects a typed invalid_request error, and proves the connection still works. */
async function expectInvalid(frame: object | string, messagePart?: string): Promise<void> {
  const requestId =
    typeof frame === 'string' ? (/"requestId":"([^"]+)"/.exec(frame)?.[1] ?? null) : 'requestId' in frame ? (frame as { requestId: string }).requestId : null;
  const before = raw.frames.length;
  raw.send(frame);
  const error = await raw.next((reply) => raw.frames.indexOf(reply) >= before && reply.type === 'error');
  expect(error).toMatchObject({ type: 'error', code: 'invalid_request', requestId });
  expect(typeof error.message).toBe('string');
  if (messagePart) expect(String(error.message)).toContain(messagePart);
  const ping = await raw.request({ type: 'ping', requestId: rid() });
  expect(ping.type).toBe('result');
}

describe('every class of bad input gets a typed error and the connection stays up', () => {
  it('malformed JSON', () => expectInvalid('{"type": "invite", '));
  it('JSON that is not an object', () => expectInvalid('42'));
  it('binary frames', () => expectInvalid(Buffer.from([1, 2, 3])));
  it('an unknown frame type', () => expectInvalid({ type: 'launch_missiles', requestId: rid() }));
  it('a missing requestId', () => expectInvalid({ type: 'ping' }));
  it('wrong field types', async () => {
    await expectInvalid({ ...valid(), roomName: 42 }, 'roomName');
    await expectInvalid({ ...valid(), timeoutSeconds: '45' }, 'timeoutSeconds');
    await expectInvalid({ ...valid(), callType: 'hologram' }, 'callType');
    await expectInvalid({ type: 'accept', requestId: rid(), invitationId: ['x'] }, 'invitationId');
  });
  it('unknown extra fields', () => expectInvalid({ ...valid(), from: 'someone-else' }));
  it('overlong strings', async () => {
    await expectInvalid({ ...valid(), message: 'x'.repeat(501) }, 'message');
    await expectInvalid({ type: 'decline', requestId: rid(), invitationId: 'x', message: 'y'.repeat(501) }, 'message');
    await expectInvalid({ ...valid(), roomName: 'r'.repeat(129) }, 'roomName');
  });
  it('out-of-range timeouts', async () => {
    await expectInvalid({ ...valid(), timeoutSeconds: 4 }, 'timeoutSeconds');
    await expectInvalid({ ...valid(), timeoutSeconds: 301 }, 'timeoutSeconds');
  });
  it('non-http URLs', async () => {
    await expectInvalid({ ...valid(), roomUrl: 'javascript:alert(1)' }, 'roomUrl');
    await expectInvalid({ ...valid(), roomUrl: 'ftp://files.example/x' }, 'roomUrl');
    await expectInvalid({ ...valid(), roomUrl: 'not a url' }, 'roomUrl');
  });
  it('too many invitees', () => expectInvalid({ ...valid(), to: Array.from({ length: 21 }, (_, i) => `u${i}`) }, 'to'));
  it('invalid user ids', () => expectInvalid({ ...valid(), to: 'has/slash' }, 'to'));
  it('metadata over 2 KB or not an object', async () => {
    await expectInvalid({ ...valid(), metadata: { blob: 'z'.repeat(2100) } }, 'metadata');
    await expectInvalid({ ...valid(), metadata: [1, 2] }, 'metadata');
  });
  it('__proto__ keys anywhere', async () => {
    await expectInvalid(
      '{"type":"invite","requestId":"p1","to":"x","roomName":"r","callType":"video_call","metadata":{"__proto__":{"admin":true}}}',
      '__proto__',
    );
    await expectInvalid('{"__proto__":{"x":1},"type":"ping","requestId":"p2"}', '__proto__');
    await expectInvalid('{"type":"ping","requestId":"p3","\\u005f_proto__":{"x":1}}', '__proto__');
  });
  it('frames over the size limit', () =>
    expectInvalid({ type: 'ping', requestId: rid(), padding: 'p'.repeat(LIMITS.maxFrameBytes + 1024) }, String(LIMITS.maxFrameBytes)));
  it('bad presence and history queries', async () => {
    await expectInvalid({ type: 'presence.set', requestId: rid(), status: 'offline' }, 'status');
    await expectInvalid({ type: 'history.list', requestId: rid(), limit: 1000 }, 'limit');
  });

  it('nothing bad input sent was stored or changed', async () => {
    const history = await raw.request({ type: 'history.list', requestId: rid() });
    expect(history).toMatchObject({ type: 'result', result: { entries: [], missedCalls: 0 } });
    const snapshotAgain = await openRaw(server.host, raw.userId);
    const snapshot = snapshotAgain.frames.find((frame) => frame.type === 'snapshot')!;
    expect(snapshot).toMatchObject({ incoming: [], outgoing: [], presence: 'online' });
    await snapshotAgain.close();
  });
});

describe('authorization', () => {
  it('only an invitee may answer, only the sender may cancel; others learn nothing', async () => {
    const alice = await connectClient(server.host);
    const bob = await connectClient(server.host);
    const mallory = await connectClient(server.host);
    const sent = await alice.sendCallInvitation({ to: bob.getState().user.userId, roomName: 'private', callType: 'video_call' });
    const code = async (promise: Promise<unknown>) => ((await promise.catch((error: BaxCloudError) => error)) as BaxCloudError).code;

    expect(await code(mallory.acceptCallInvitation(sent.invitationId))).toBe('not_found');
    expect(await code(mallory.declineCallInvitation(sent.invitationId))).toBe('not_found');
    expect(await code(mallory.cancelCallInvitation(sent.invitationId))).toBe('not_found');
    expect(await code(alice.acceptCallInvitation(sent.invitationId))).toBe('forbidden');
    expect(await code(alice.declineCallInvitation(sent.invitationId))).toBe('forbidden');
    expect(await code(bob.cancelCallInvitation(sent.invitationId))).toBe('forbidden');
    expect(await code(bob.acceptCallInvitation('no-such-invitation'))).toBe('not_found');
    // Unknown and foreign ids read the same, so ids cannot be probed.
    const foreign = await mallory.acceptCallInvitation(sent.invitationId).catch((error: BaxCloudError) => error.message);
    const unknown = await mallory.acceptCallInvitation('no-such-invitation').catch((error: BaxCloudError) => error.message);
    expect(foreign).toBe(unknown);
    expect((await mallory.getCallHistory()).entries).toEqual([]);

    const accepted = nextEvent(alice.onInvitationAccepted.bind(alice));
    await bob.acceptCallInvitation(sent.invitationId);
    await accepted;
    for (const client of [alice, bob, mallory]) client.disconnect();
  });
});

describe('rate limit', () => {
  it('allows 30 invitations a minute per user, then rate_limited', async () => {
    const sender = await connectClient(server.host);
    const results = await Promise.allSettled(
      Array.from({ length: 32 }, (_, i) => sender.sendCallInvitation({ to: uniqueUser('target'), roomName: `room-${i}`, callType: 'audio_call' })),
    );
    const refused = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(30);
    expect(refused.map((result) => (result.reason as BaxCloudError).code)).toEqual(['rate_limited', 'rate_limited']);
    await sender.getPresence([sender.getState().user.userId]);
    sender.disconnect();
  });
});

describe('retries', () => {
  it('a retry arriving while the first attempt still runs shares its result', async () => {
    const alice = await openRaw(server.host);
    const frame = { type: 'invite', requestId: 'twice-at-once', to: [uniqueUser('x'), uniqueUser('y')], roomName: 'r', callType: 'audio_call' };
    alice.send(frame);
    alice.send(frame);
    const answers = () => alice.frames.filter((reply) => reply.requestId === frame.requestId);
    await expect.poll(() => answers().length).toBe(2);
    const [first, second] = answers();
    expect(first!.type).toBe('result');
    expect(second).toEqual(first);
    expect((first!.result as { existing?: boolean }).existing).toBeUndefined();
    await alice.close();
  });

  it('a retried request id gets the first result instead of acting twice', async () => {
    const alice = await openRaw(server.host);
    const bob = await connectClient(server.host);
    const frame = { type: 'invite', requestId: 'retry-1', to: bob.getState().user.userId, roomName: 'r1', callType: 'video_call' };
    const first = await alice.request(frame);
    const again = await alice.request({ ...frame });
    expect(again.result).toEqual(first.result);
    const accept = { type: 'accept', requestId: 'retry-accept', invitationId: (first.result as { invitationId: string }).invitationId };
    const bobRaw = await openRaw(server.host, bob.getState().user.userId);
    const accepted = await bobRaw.request(accept);
    expect(accepted.type).toBe('result');
    expect(await bobRaw.request({ ...accept })).toEqual(accepted);
    const history = (await alice.request({ type: 'history.list', requestId: 'h' })).result as { entries: unknown[] };
    expect(history.entries).toHaveLength(1);
    await alice.close();
    await bobRaw.close();
    bob.disconnect();
  });
});
