import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, uniqueUser } from './support/clients.js';
import { OpenApiChecker } from './support/openapi.js';
import { openRaw, type RawFrame, type RawSocket } from './support/raw.js';
import { startServer, type RunningServer } from './support/server.js';

/**
 * What one user can make the server hold or do is bounded (issue 9): frames per connection, connections per user,
 * presence subscriptions and watchers, pending invitations, the connect snapshot, history and the outbox. Each
 * server here sets small limits through the Worker variables.
 */

// wrangler's Local Explorer (on by default) writes a table naming the object into every Durable Object it runs; off,
// the storage folder shows only what the server itself stores.
process.env.X_LOCAL_EXPLORER = 'false';

let counter = 0;
const rid = (prefix = 'req') => `${prefix}-${++counter}`;
const sockets: RawSocket[] = [];

async function raw(server: RunningServer, userId?: string, deviceId?: string): Promise<RawSocket> {
  const socket = await openRaw(server.host, userId, deviceId);
  sockets.push(socket);
  return socket;
}

async function closeAll(): Promise<void> {
  await Promise.all(sockets.splice(0).map((socket) => socket.close()));
}

function result<T>(frame: RawFrame): T {
  expect(frame, JSON.stringify(frame)).toMatchObject({ type: 'result' });
  return frame.result as T;
}

function invite(to: string, roomName: string, extra: Record<string, unknown> = {}) {
  return { type: 'invite', requestId: rid('invite'), to, roomName, callType: 'audio_call', ...extra };
}

async function rest(server: RunningServer, method: string, path: string, body?: unknown, auth: string | null = DEMO.secret) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { ...(auth ? { authorization: `Bearer ${auth}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/** The files of every user inbox's storage: each object the runtime ran has its own SQLite database. */
function inboxFiles(server: RunningServer): string[] {
  const root = join(server.stateDir, 'v3', 'do');
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((name) => name.endsWith('-UserInbox'))
    .flatMap((name) => readdirSync(join(root, name)).map((file) => join(name, file)));
}

describe('with the default caps, a small frame rate and a short history', () => {
  let server: RunningServer;
  const HISTORY_MAX_AGE_MS = 3000;

  beforeAll(async () => {
    server = await startServer({ vars: { FRAMES_PER_SECOND: '5', FRAME_BURST: '10', HISTORY_MAX_AGE_MS: String(HISTORY_MAX_AGE_MS) } });
  });
  afterAll(async () => {
    await closeAll();
    await server?.stop();
  });

  it('reading the presence of user ids nobody ever used stores nothing for them', async () => {
    const alice = await raw(server);
    // A subscription to someone who never signed in still shows them coming online.
    const newcomer = uniqueUser('newcomer');
    expect(result(await alice.request({ type: 'presence.subscribe', requestId: rid(), userIds: [newcomer] }))).toEqual([
      { userId: newcomer, status: 'offline', lastSeen: null },
    ]);
    const online = alice.next((frame) => frame.type === 'presence.changed' && frame.userId === newcomer && frame.status === 'online');
    await raw(server, newcomer);
    await online;
    const before = new Set(inboxFiles(server));
    expect(before.size).toBeGreaterThan(0);

    const ghosts = (n: number) => Array.from({ length: n }, () => uniqueUser('ghost'));
    const read = ghosts(40);
    const presence = result<unknown[]>(await alice.request({ type: 'presence.get', requestId: rid(), userIds: read }));
    expect(presence).toEqual(read.map((userId) => ({ userId, status: 'offline', lastSeen: null })));
    const followed = ghosts(40);
    const subscribed = result<unknown[]>(await alice.request({ type: 'presence.subscribe', requestId: rid(), userIds: followed }));
    expect(subscribed).toEqual(followed.map((userId) => ({ userId, status: 'offline', lastSeen: null })));
    const viaRest = await rest(server, 'GET', `/v1/projects/demo/presence?userIds=${ghosts(40).join(',')}`);
    expect(viaRest.status).toBe(200);
    const history = await rest(server, 'GET', `/v1/projects/demo/users/${read[0]}/history`);
    expect(history.body).toEqual({ entries: [], nextBefore: null, missedCalls: 0 });
    // The local runtime opens a database file for every object it runs, even one that stores nothing. Once those
    // objects went idle, what is left of them must be empty databases: a single 4 KB page, not one table in it.
    const leftOver = () => inboxFiles(server).filter((file) => !before.has(file));
    await expect
      .poll(() => leftOver().filter((file) => !file.endsWith('.sqlite') || statSync(join(server.stateDir, 'v3', 'do', file)).size > 4096), {
        timeout: 45_000,
        interval: 1000,
      })
      .toEqual([]);
    expect(leftOver().length).toBeLessThanOrEqual(120);
  });

  it('answers frames past the burst with rate_limited and their requestId, handles every other one, and refills', async () => {
    const socket = await raw(server);
    const ids = Array.from({ length: 16 }, () => rid('burst'));
    for (const requestId of ids) socket.send({ type: 'ping', requestId });
    // Bad frames count too, and past the burst get the same answer.
    socket.send('{"type": "ping", "requestId": "malformed-past-the-burst"');
    await expect.poll(() => socket.frames.filter((frame) => ids.includes(String(frame.requestId))).length).toBe(ids.length);
    const answers = ids.map((requestId) => socket.frames.filter((frame) => frame.requestId === requestId));
    // Every frame is answered exactly once: the burst handled, the rest refused, nothing dropped.
    expect(answers.every((list) => list.length === 1)).toBe(true);
    const handled = answers.filter(([frame]) => frame!.type === 'result');
    const refused = answers.filter(([frame]) => frame!.type === 'error');
    // Ten at once, and one more for each 200 ms the server took over them.
    expect(handled.length).toBeGreaterThanOrEqual(10);
    expect(handled.length).toBeLessThanOrEqual(12);
    expect(answers.slice(0, 10).every(([frame]) => frame!.type === 'result')).toBe(true);
    expect(refused.length).toBe(ids.length - handled.length);
    for (const [frame] of refused) expect(frame).toMatchObject({ type: 'error', code: 'rate_limited', requestId: expect.stringMatching(/^burst-/) });
    expect(String(refused[0]![0]!.message)).toContain('5 frames a second');
    expect(await socket.next((frame) => frame.requestId === 'malformed-past-the-burst')).toMatchObject({ type: 'error', code: 'rate_limited' });

    // The allowance is per connection: the same user's other device is not held back.
    const other = await raw(server, socket.userId);
    expect((await other.request({ type: 'ping', requestId: rid() })).type).toBe('result');
    // A second later the bucket holds five frames again.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    for (let i = 0; i < 4; i++) expect((await socket.request({ type: 'ping', requestId: rid() })).type).toBe('result');
  });

  it('settled invitations leave the history once they are older than HISTORY_MAX_AGE_MS', async () => {
    const alice = await raw(server);
    const bob = await raw(server);
    const old = result<{ invitationId: string }>(await alice.request(invite(bob.userId, 'old')));
    result(await bob.request({ type: 'decline', requestId: rid(), invitationId: old.invitationId }));
    const page = (socket: RawSocket) =>
      socket.request({ type: 'history.list', requestId: rid() }).then((frame) => result<{ entries: Array<{ roomName: string }> }>(frame));
    expect((await page(alice)).entries.map((entry) => entry.roomName)).toEqual(['old']);
    await new Promise((resolve) => setTimeout(resolve, HISTORY_MAX_AGE_MS + 500));
    // The next invitation each inbox stores prunes what aged out.
    result(await alice.request(invite(bob.userId, 'new')));
    expect((await page(alice)).entries.map((entry) => entry.roomName)).toEqual(['new']);
    expect((await page(bob)).entries.map((entry) => entry.roomName)).toEqual(['new']);
  });
});

describe('with small caps', () => {
  let server: RunningServer;
  let openapi: OpenApiChecker;

  beforeAll(async () => {
    server = await startServer({
      vars: {
        MAX_CONNECTIONS_PER_USER: '2',
        MAX_PRESENCE_SUBSCRIPTIONS: '3',
        MAX_PRESENCE_WATCHERS: '2',
        MAX_PENDING_INVITATIONS: '3',
        SNAPSHOT_MAX_INVITATIONS: '2',
        HISTORY_MAX_ENTRIES: '5',
      },
    });
    openapi = new OpenApiChecker(await (await fetch(`${server.url}/v1/openapi.json`)).json());
  });
  afterAll(async () => {
    await closeAll();
    await server?.stop();
  });

  it("a connection past the user's cap closes their oldest with close code 4008", async () => {
    const userId = uniqueUser('many');
    const first = await raw(server, userId, 'first');
    const second = await raw(server, userId, 'second');
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      first.socket.once('close', (code, reason) => resolve({ code, reason: String(reason) })),
    );
    const third = await raw(server, userId, 'third');
    expect(await closed).toEqual({ code: 4008, reason: 'too many devices: at most 2 connections per user' });
    for (const device of [second, third]) expect((await device.request({ type: 'ping', requestId: rid() })).type).toBe('result');
    // Another user is not affected.
    expect((await (await raw(server)).request({ type: 'ping', requestId: rid() })).type).toBe('result');
  });

  it('caps how many users one follows, and how many followers one inbox keeps, with limit_exceeded', async () => {
    const alice = await raw(server);
    const tooMany = await alice.request({ type: 'presence.subscribe', requestId: rid(), userIds: [1, 2, 3, 4].map(() => uniqueUser('x')) });
    expect(tooMany).toMatchObject({ type: 'error', code: 'limit_exceeded' });
    expect(String(tooMany.message)).toContain('at most 3');

    for (const target of [(await raw(server)).userId, uniqueUser('never-seen')]) {
      const [one, two, three] = [await raw(server), await raw(server), await raw(server)];
      result(await one.request({ type: 'presence.subscribe', requestId: rid(), userIds: [target] }));
      result(await two.request({ type: 'presence.subscribe', requestId: rid(), userIds: [target] }));
      // Subscribing again takes no second place.
      result(await two.request({ type: 'presence.subscribe', requestId: rid(), userIds: [target] }));
      const refused = await three.request({ type: 'presence.subscribe', requestId: rid(), userIds: [target, uniqueUser('other')] });
      expect(refused).toMatchObject({ type: 'error', code: 'limit_exceeded' });
      expect(String(refused.message)).toContain(target);
    }
  });

  it('caps the invitations one user has waiting for an answer, with limit_exceeded (429 over REST)', async () => {
    const alice = await raw(server);
    const sent = [];
    for (let i = 0; i < 3; i++) sent.push(result<{ invitationId: string }>(await alice.request(invite(uniqueUser('offline'), `room-${i}`))));
    const fourth = await alice.request(invite(uniqueUser('offline'), 'room-3'));
    expect(fourth).toMatchObject({ type: 'error', code: 'limit_exceeded', requestId: expect.stringMatching(/^invite-/) });

    const viaRest = await rest(server, 'POST', '/v1/projects/demo/invitations', {
      from: alice.userId,
      to: uniqueUser('offline'),
      roomName: 'rest',
      callType: 'audio_call',
    });
    expect(viaRest.status).toBe(429);
    expect(viaRest.body.code).toBe('limit_exceeded');
    openapi.check('POST', '/v1/projects/{projectId}/invitations', viaRest.status, viaRest.body);

    // An invitation that ends frees its place.
    result(await alice.request({ type: 'cancel', requestId: rid(), invitationId: sent[0]!.invitationId }));
    result(await alice.request(invite(uniqueUser('offline'), 'room-4')));
  });

  it('the connect snapshot carries the newest pending invitations each way and says when there are more', async () => {
    const bobId = uniqueUser('bob');
    const senders = [await raw(server), await raw(server), await raw(server)];
    const sent: string[] = [];
    for (const [index, sender] of senders.entries()) {
      sent.push(result<{ invitationId: string }>(await sender.request(invite(bobId, `call-${index}`))).invitationId);
    }
    const bob = await raw(server, bobId);
    const snapshot = bob.frames.find((frame) => frame.type === 'snapshot')!;
    expect((snapshot.incoming as Array<{ invitationId: string }>).map((invitation) => invitation.invitationId).sort()).toEqual(sent.slice(1).sort());
    expect(snapshot.more).toEqual({ incoming: true, outgoing: false });

    const alice = await raw(server);
    for (let i = 0; i < 3; i++) result(await alice.request(invite(uniqueUser('offline'), `out-${i}`)));
    const again = await raw(server, alice.userId);
    const aliceSnapshot = again.frames.find((frame) => frame.type === 'snapshot')!;
    expect((aliceSnapshot.outgoing as Array<{ roomName: string }>).map((invitation) => invitation.roomName)).toEqual(['out-1', 'out-2']);
    expect(aliceSnapshot.more).toEqual({ incoming: false, outgoing: true });
    expect(senders[0]!.frames.find((frame) => frame.type === 'snapshot')).not.toHaveProperty('more');
  });

  it('history keeps the newest HISTORY_MAX_ENTRIES entries on both sides', async () => {
    const alice = await raw(server);
    const bob = await raw(server);
    for (let i = 1; i <= 7; i++) {
      const sent = result<{ invitationId: string }>(await alice.request(invite(bob.userId, `r${i}`)));
      const declined = alice.next((frame) => frame.type === 'invitation.declined' && frame.invitationId === sent.invitationId);
      result(await bob.request({ type: 'decline', requestId: rid(), invitationId: sent.invitationId }));
      await declined;
    }
    for (const socket of [alice, bob]) {
      const page = result<{ entries: Array<{ roomName: string; outcome: string }> }>(
        await socket.request({ type: 'history.list', requestId: rid(), limit: 100 }),
      );
      expect(page.entries.map((entry) => entry.roomName)).toEqual(['r7', 'r6', 'r5', 'r4', 'r3']);
    }
  });
});

describe('an outbox message that keeps failing', () => {
  let server: RunningServer | undefined;
  const stateDir = mkdtempSync(join(tmpdir(), 'bax-limits-'));
  const OUTBOX_MAX_AGE_MS = 2000;

  afterAll(async () => {
    await closeAll();
    await server?.stop();
    rmSync(stateDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  });

  it('becomes a dead letter after OUTBOX_MAX_AGE_MS, no longer retried, listed by the REST API', async () => {
    // Bob's inbox storage gets damaged while the server is down: every delivery to him fails from then on.
    server = await startServer({ stateDir });
    const bobId = uniqueUser('bob');
    const before = new Set(inboxFiles(server));
    await (await openRaw(server.host, bobId)).close();
    const bobFiles = inboxFiles(server).filter((file) => !before.has(file));
    expect(bobFiles.some((file) => file.endsWith('.sqlite'))).toBe(true);
    await server.stop();
    const root = join(stateDir, 'v3', 'do');
    for (const file of bobFiles) rmSync(join(root, file));
    writeFileSync(
      join(
        root,
        bobFiles.find((file) => file.endsWith('.sqlite'))!,
      ),
      'not a database '.repeat(100),
    );

    server = await startServer({ stateDir, vars: { OUTBOX_MAX_AGE_MS: String(OUTBOX_MAX_AGE_MS) } });
    const openapi = new OpenApiChecker(await (await fetch(`${server.url}/v1/openapi.json`)).json());
    const alice = await raw(server);
    const sent = result<{ invitationId: string; invitees: Array<{ delivered: boolean }> }>(
      await alice.request(invite(bobId, 'doomed', { timeoutSeconds: 120 })),
    );
    expect(sent.invitees[0]!.delivered).toBe(false);

    const path = '/v1/projects/{projectId}/users/{userId}/dead-letters';
    const list = async () => {
      const answer = await rest(server!, 'GET', `/v1/projects/demo/users/${alice.userId}/dead-letters`);
      openapi.check('GET', path, answer.status, answer.body);
      return answer.body.deadLetters as Array<Record<string, unknown>>;
    };
    expect(await list()).toEqual([]);
    await expect.poll(list, { timeout: 20_000, interval: 500 }).toHaveLength(1);
    const [letter] = await list();
    expect(letter).toMatchObject({
      target: bobId,
      kind: 'deliver',
      payload: { invitationId: sent.invitationId, roomName: 'doomed' },
      error: expect.any(String),
    });
    expect(Number(letter!.failedAt) - Number(letter!.createdAt)).toBeGreaterThanOrEqual(OUTBOX_MAX_AGE_MS);

    // No more attempts after it: the server's log stops growing with failed deliveries to bob.
    const failures = () => server!.logs().split(`outbox deliver to ${bobId} failed`).length - 1;
    const seen = failures();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(failures()).toBe(seen);

    const refused = await rest(server, 'GET', `/v1/projects/demo/users/${alice.userId}/dead-letters`, undefined, null);
    expect(refused.status).toBe(401);
    openapi.check('GET', path, refused.status, refused.body);
  });
});
