import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ReceivedInvitation } from '../src/protocol/types.js';
import { createUserToken } from '../src/server/tokens.js';
import { DEMO, uniqueUser } from './support/clients.js';
import { frameText, openRaw, openSocket, socketUrl, upgradeStatus, type RawFrame } from './support/raw.js';
import { startServer, type RunningServer } from './support/server.js';

/** The edges an outside review found: the demo project, inbox aliases, bad paths, REST rates, shown text. */

const ACME = { projectId: 'acme', apiKey: 'acme-key', secret: 'acme-secret-0123456789' };
const BETA = { projectId: 'beta', apiKey: 'beta-key', secret: 'beta-secret-0123456789' };

let demo: RunningServer;
let bare: RunningServer;
let configured: RunningServer;

beforeAll(async () => {
  [demo, bare, configured] = await Promise.all([
    startServer(),
    startServer({ demo: false }),
    // A low REST rate so a short burst reaches it; the limit is per project secret, so BETA keeps its own.
    startServer({ demo: false, projects: [ACME, BETA], vars: { REST_RATE_PER_SECOND: '1', REST_RATE_BURST: '5' } }),
  ]);
});
afterAll(async () => {
  await Promise.all([demo?.stop(), bare?.stop(), configured?.stop()]);
});

/** The body of every refusal, REST or socket upgrade. */
interface ErrorBody {
  code: string;
  message: string;
}

interface Answer<Body> {
  status: number;
  body: Body;
  headers: Headers;
}

async function post<Body = ErrorBody>(server: RunningServer, path: string, body: unknown, secret?: string): Promise<Answer<Body>> {
  const response = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(secret ? { authorization: `Bearer ${secret}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json(), headers: response.headers };
}

async function get<Body = ErrorBody>(server: RunningServer, path: string, secret?: string): Promise<Answer<Body>> {
  const response = await fetch(`${server.url}${path}`, { headers: secret ? { authorization: `Bearer ${secret}` } : {} });
  return { status: response.status, body: await response.json(), headers: response.headers };
}

/** Opens a socket expecting a refusal; resolves with its status and JSON body (101 and null when it opened). */
function refusal(url: string): Promise<{ status: number; body: ErrorBody | null }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.on('open', () => {
      socket.close();
      resolve({ status: 101, body: null });
    });
    socket.on('unexpected-response', (_request, response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) }));
    });
    socket.on('error', reject);
  });
}

const demoToken = async (userId: string) => (await createUserToken({ projectId: DEMO.projectId, secret: DEMO.secret, userId })).token;

/** A socket on the demo project signed in with the given token, collecting what the server sends. */
async function openWithToken(server: RunningServer, userId: string, token: string) {
  const socket = openSocket(socketUrl(server.host, { userId, token }));
  const frames: RawFrame[] = [];
  socket.on('message', (data) => frames.push(JSON.parse(frameText(data)) as RawFrame));
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  const next = async (match: (frame: RawFrame) => boolean) => {
    await expect.poll(() => frames.some(match)).toBe(true);
    return frames.find(match)!;
  };
  await next((frame) => frame.type === 'snapshot');
  return {
    next,
    request(frame: RawFrame & { requestId: string }) {
      socket.send(JSON.stringify(frame));
      return next((reply) => (reply.type === 'result' || reply.type === 'error') && reply.requestId === frame.requestId);
    },
    close: () => socket.close(),
  };
}

describe('the demo project exists only where it is turned on', () => {
  for (const [label, server] of [
    ['a server with no configuration', () => bare],
    ['a server with PROJECTS only', () => configured],
  ] as const) {
    it(`${label} answers 404 on /demo/token and refuses demo sockets and secrets`, async () => {
      const minted = await post(server(), '/demo/token', { userId: 'alice' });
      expect(minted).toMatchObject({ status: 404, body: { code: 'not_found' } });
      expect(await upgradeStatus(socketUrl(server().host, { userId: 'alice', token: await demoToken('alice') }))).toBe(401);
      const rest = await post(server(), '/v1/projects/demo/tokens', { userId: 'alice' }, DEMO.secret);
      expect(rest).toMatchObject({ status: 401, body: { code: 'unauthorized' } });
    });
  }

  it('configured projects still work without it', async () => {
    const { token } = await createUserToken({ projectId: ACME.projectId, secret: ACME.secret, userId: 'ann' });
    expect(await upgradeStatus(socketUrl(configured.host, { projectId: ACME.projectId, userId: 'ann', token, apiKey: ACME.apiKey }))).toBe(101);
  });

  it('is there when turned on, as npm start and the test server do', async () => {
    expect((await post(demo, '/demo/token', { userId: 'alice' })).status).toBe(200);
  });
});

describe('an inbox is reached only by its canonical name', () => {
  const alice = uniqueUser('alice');
  const aliasUrl = (name: string, token: string) => `ws://${demo.host}/parties/user-inbox/${name}?${new URLSearchParams({ token, apiKey: DEMO.apiKey })}`;

  it('refuses percent-encoded aliases of the user and of the project with 400 invalid_request', async () => {
    const token = await demoToken(alice);
    const encodedUser = `demo:${alice.replace('a', '%61')}`;
    const encodedProject = `%64emo:${alice}`;
    for (const name of [encodedUser, encodedProject, `demo:${alice.replace('-', '%2D')}`]) {
      const answer = await refusal(aliasUrl(name, token));
      expect(answer, name).toMatchObject({ status: 400, body: { code: 'invalid_request' } });
    }
  });

  it('still opens the canonical name, ids with @ and + included', async () => {
    expect(await upgradeStatus(socketUrl(demo.host, { userId: alice, token: await demoToken(alice) }))).toBe(101);
    const email = `${alice}+x@example.com`;
    expect(await upgradeStatus(socketUrl(demo.host, { userId: email, token: await demoToken(email) }))).toBe(101);
    expect((await refusal(aliasUrl(`demo:${encodeURIComponent(email)}`, await demoToken(email)))).status).toBe(400);
  });

  it('REST decodes and validates the ids first, so an encoded path reaches the same inbox', async () => {
    const caller = await openRaw(demo.host, alice);
    const sent = await caller.request({ type: 'invite', requestId: 'alias-1', to: uniqueUser('bob'), roomName: 'alias', callType: 'audio_call' });
    const history = await get<{ entries: Array<{ invitationId: string }> }>(
      demo,
      `/v1/projects/%64emo/users/${alice.replace('a', '%61')}/history`,
      DEMO.secret,
    );
    expect(history.status).toBe(200);
    expect(history.body.entries.map((entry) => entry.invitationId)).toContain((sent.result as { invitationId: string }).invitationId);
    await caller.close();
  });
});

describe('malformed percent-encoding in a path is a 400 invalid_request, not a server fault', () => {
  const bad = '%E0%A4%A';

  it('in REST paths', async () => {
    for (const answer of [
      await post(demo, `/v1/projects/${bad}/invitations`, { to: 'bob', roomName: 'r', callType: 'video_call' }, DEMO.secret),
      await get(demo, `/v1/projects/demo/users/${bad}/history`, DEMO.secret),
      await get(demo, `/v1/projects/demo/invitations/${bad}?userId=bob`, DEMO.secret),
      await post(demo, `/v1/projects/${bad}/tokens`, { userId: 'alice' }, DEMO.secret),
      await get(demo, `/v1/projects/${bad}/session?apiKey=x&token=y`),
    ]) {
      expect(answer).toMatchObject({ status: 400, body: { code: 'invalid_request' } });
    }
  });

  it('in socket paths', async () => {
    const token = await demoToken('alice');
    for (const name of [`demo:${bad}`, `${bad}:alice`, `demo:ali${bad}`]) {
      const answer = await refusal(`ws://${demo.host}/parties/user-inbox/${name}?${new URLSearchParams({ token, apiKey: DEMO.apiKey })}`);
      expect(answer, name).toMatchObject({ status: 400, body: { code: 'invalid_request' } });
    }
  });
});

describe('REST rate limits per project secret', () => {
  it('answers 429 rate_limited with Retry-After past the burst, and other projects keep their own bucket', async () => {
    const answers = [];
    for (let i = 0; i < 8; i++) answers.push(await post(configured, '/v1/projects/acme/tokens', { userId: `u${i}` }, ACME.secret));
    const limited = answers.filter((answer) => answer.status === 429);
    expect(answers.filter((answer) => answer.status === 200).length).toBeGreaterThanOrEqual(5);
    expect(limited.length).toBeGreaterThanOrEqual(2);
    expect(limited[0]!.body).toMatchObject({ code: 'rate_limited', message: expect.any(String) });
    expect(Number(limited[0]!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await post(configured, '/v1/projects/beta/tokens', { userId: 'b' }, BETA.secret)).status).toBe(200);
  });

  it('counts requests without the secret per client, so they cannot drain the project’s bucket', async () => {
    const answers = [];
    for (let i = 0; i < 8; i++) answers.push(await get(configured, '/v1/projects/beta/presence?userIds=x', 'not-the-secret'));
    expect(answers.some((answer) => answer.status === 429 && answer.body.code === 'rate_limited')).toBe(true);
    expect((await get(configured, '/v1/projects/beta/presence?userIds=x', BETA.secret)).status).toBe(200);
  });
});

describe('names, messages and room names reach others without control or bidi-override characters', () => {
  const dirtyName = 'Mal\u202Elory\u0000\nthe\u0085\u2066great\u2069\u200F';
  const cleanName = 'Mallory the great\u200F';

  async function ringing(token: string, senderId: string, fields: Record<string, unknown>) {
    const bob = await openRaw(demo.host, uniqueUser('bob'));
    const sender = await openWithToken(demo, senderId, token);
    const sent = await sender.request({ type: 'invite', requestId: `clean-${senderId}`, to: bob.userId, callType: 'video_call', roomName: 'room', ...fields });
    expect(sent.type).toBe('result');
    const received = await bob.next((frame) => frame.type === 'invitation.received');
    return { bob, sender, invitation: received.invitation as ReceivedInvitation };
  }

  it('through a token minted over REST, an invitation and a decline', async () => {
    const senderId = uniqueUser('mallory');
    const minted = await post<{ token: string }>(demo, '/v1/projects/demo/tokens', { userId: senderId, name: dirtyName }, DEMO.secret);
    expect(minted.status).toBe(200);
    const { bob, sender, invitation } = await ringing(minted.body.token, senderId, {
      roomName: 'stand\u202Eup\u0007\r\nroom',
      message: 'hi\u202D\u0000\r\nthere\tnow\u009B',
    });
    expect(invitation.fromUser.name).toBe(cleanName);
    expect(invitation.roomName).toBe('standup room');
    expect(invitation.message).toBe('hi\nthere now');
    const declined = await bob.request({
      type: 'decline',
      requestId: 'clean-decline',
      invitationId: invitation.invitationId,
      message: 'no\u202Ethanks\u0001\n!',
    });
    expect(declined.type).toBe('result');
    const event = await sender.next((frame) => frame.type === 'invitation.declined');
    expect(event.message).toBe('nothanks\n!');
    sender.close();
    await bob.close();
  });

  it('in tokens minted elsewhere, whose unsafe avatarUrl is dropped', async () => {
    const senderId = uniqueUser('mallory');
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ name: dirtyName, avatarUrl: 'javascript:alert(1)' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(senderId)
      .setAudience(DEMO.projectId)
      .setExpirationTime(now + 60)
      .sign(new TextEncoder().encode(DEMO.secret));
    const { bob, sender, invitation } = await ringing(token, senderId, {});
    expect(invitation.fromUser).toEqual({ userId: senderId, name: cleanName, avatarUrl: null });
    sender.close();
    await bob.close();
  });

  it('in invitations an app backend sends over REST', async () => {
    const bob = await openRaw(demo.host, uniqueUser('bob'));
    const sent = await post(
      demo,
      '/v1/projects/demo/invitations',
      { from: uniqueUser('app'), fromUser: { name: dirtyName }, to: bob.userId, roomName: '\u202Eroom', callType: 'audio_call' },
      DEMO.secret,
    );
    expect(sent.status).toBe(201);
    const received = await bob.next((frame) => frame.type === 'invitation.received');
    const invitation = received.invitation as ReceivedInvitation;
    expect(invitation.fromUser.name).toBe(cleanName);
    expect(invitation.roomName).toBe('room');
    await bob.close();
  });

  it('refuses a room name with nothing visible left', async () => {
    const raw = await openRaw(demo.host);
    const answer = await raw.request({ type: 'invite', requestId: 'empty-room', to: 'bob', roomName: '\u202E\u0000', callType: 'video_call' });
    expect(answer).toMatchObject({ type: 'error', code: 'invalid_request' });
    expect(String(answer.message)).toContain('roomName');
    await raw.close();
  });
});

describe('avatarUrl must be a web URL (or an inline picture)', () => {
  it('refuses javascript: with invalid_request wherever an avatarUrl is accepted', async () => {
    const avatarUrl = 'javascript:alert(1)';
    for (const answer of [
      await post(demo, '/v1/projects/demo/tokens', { userId: 'alice', avatarUrl }, DEMO.secret),
      await post(demo, '/demo/token', { userId: 'alice', avatarUrl }),
      await post(
        demo,
        '/v1/projects/demo/invitations',
        { from: 'app', fromUser: { avatarUrl }, to: 'bob', roomName: 'r', callType: 'video_call' },
        DEMO.secret,
      ),
    ]) {
      expect(answer).toMatchObject({ status: 400, body: { code: 'invalid_request', message: expect.stringContaining('avatarUrl') } });
    }
    await expect(createUserToken({ projectId: 'demo', secret: DEMO.secret, userId: 'alice', avatarUrl })).rejects.toThrow(/avatarUrl/);
  });

  it('accepts https and data:image pictures', async () => {
    for (const avatarUrl of ['https://img.example/a.png', 'data:image/svg+xml,%3Csvg%2F%3E']) {
      expect((await post(demo, '/demo/token', { userId: 'alice', avatarUrl })).status).toBe(200);
    }
    expect((await post(demo, '/demo/token', { userId: 'alice', avatarUrl: 'data:text/html,<script>alert(1)</script>' })).status).toBe(400);
  });
});
