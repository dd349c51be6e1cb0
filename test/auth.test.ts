import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BaxCloudClient } from '../src/client/client.js';
import { createUserToken } from '../src/server/tokens.js';
import WebSocket from 'ws';
import { DEMO, connectClient, dropConnection, nextEvent, uniqueUser, waitForState } from './support/clients.js';
import { CLOCK_PROBE, CLOCK_PROBE_ANSWER, SOCKET_PROTOCOL, TOKEN_PROTOCOL_PREFIX } from '../src/protocol/socket.js';
import { frameText, openSocket, socketUrl, upgradeStatus } from './support/raw.js';
import { startServer, type RunningServer } from './support/server.js';

const ACME = { projectId: 'acme', apiKey: 'acme-key', secret: 'acme-secret-0123456789', allowedOrigins: ['https://app.acme.example'] };
let server: RunningServer;

beforeAll(async () => {
  server = await startServer({ projects: [ACME] });
});
afterAll(async () => {
  await server?.stop();
});

async function demoToken(userId: string, ttlSeconds = 60): Promise<string> {
  return (await createUserToken({ projectId: 'demo', secret: DEMO.secret, userId, ttlSeconds })).token;
}

describe('minting tokens over REST', () => {
  it('mints a token for a user with the project secret', async () => {
    const response = await fetch(`${server.url}/v1/projects/acme/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ACME.secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 'ann', name: 'Ann', avatarUrl: 'https://img.example/ann.png', ttlSeconds: 120 }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { token: string; expiresAt: number };
    expect(body.expiresAt - Date.now()).toBeGreaterThan(110_000);
    expect(body.expiresAt - Date.now()).toBeLessThanOrEqual(121_000);
    const client = await connectClient(server.host, { userId: 'ann', project: ACME });
    client.disconnect();
    const status = await upgradeStatus(socketUrl(server.host, { projectId: 'acme', userId: 'ann', token: body.token, apiKey: ACME.apiKey }));
    expect(status).toBe(101);
  });

  it('refuses a wrong secret and bad bodies with typed errors', async () => {
    const wrong = await fetch(`${server.url}/v1/projects/acme/tokens`, {
      method: 'POST',
      headers: { authorization: 'Bearer demo-secret' },
      body: JSON.stringify({ userId: 'ann' }),
    });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ code: 'unauthorized' });
    const bad = await fetch(`${server.url}/v1/projects/acme/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ACME.secret}` },
      body: JSON.stringify({ userId: 'has/slash' }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'invalid_request' });
  });
});

describe('the reserved system user', () => {
  it('cannot get a token or connect', async () => {
    const response = await fetch(`${server.url}/v1/projects/demo/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${DEMO.secret}` },
      body: JSON.stringify({ userId: 'system' }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'invalid_request' });
    await expect(createUserToken({ projectId: 'demo', secret: DEMO.secret, userId: 'system' })).rejects.toThrow(/reserved/);
    const now = Math.floor(Date.now() / 1000);
    const handMade = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('system')
      .setAudience('demo')
      .setExpirationTime(now + 60)
      .sign(new TextEncoder().encode(DEMO.secret));
    expect(await upgradeStatus(socketUrl(server.host, { userId: 'system', token: handMade }))).toBe(403);
  });
});

describe('refusing connections before the socket opens', () => {
  const userId = uniqueUser('eve');

  it('accepts a valid token (the control case)', async () => {
    expect(await upgradeStatus(socketUrl(server.host, { userId, token: await demoToken(userId) }))).toBe(101);
  });

  it('refuses a missing token with 401', async () => {
    expect(await upgradeStatus(socketUrl(server.host, { userId, token: null }))).toBe(401);
  });

  it('refuses an expired token with 401', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(userId)
      .setAudience('demo')
      .setIssuedAt(now - 120)
      .setExpirationTime(now - 60)
      .sign(new TextEncoder().encode(DEMO.secret));
    expect(await upgradeStatus(socketUrl(server.host, { userId, token: expired }))).toBe(401);
  });

  it('refuses a forged token with 401', async () => {
    const forged = (await createUserToken({ projectId: 'demo', secret: 'not-the-secret', userId })).token;
    expect(await upgradeStatus(socketUrl(server.host, { userId, token: forged }))).toBe(401);
    const tampered = (await demoToken(userId)).replace(/\.[^.]+$/, '.AAAA');
    expect(await upgradeStatus(socketUrl(server.host, { userId, token: tampered }))).toBe(401);
  });

  it("refuses another project's token", async () => {
    const acmeToken = (await createUserToken({ projectId: 'acme', secret: ACME.secret, userId })).token;
    expect(await upgradeStatus(socketUrl(server.host, { userId, token: acmeToken }))).toBe(401);
    const sameSecretOtherAudience = (await createUserToken({ projectId: 'acme', secret: DEMO.secret, userId })).token;
    expect(await upgradeStatus(socketUrl(server.host, { userId, token: sameSecretOtherAudience }))).toBe(403);
  });

  it('refuses a wrong or missing apiKey with 401', async () => {
    const token = await demoToken(userId);
    expect(await upgradeStatus(socketUrl(server.host, { userId, token, apiKey: 'wrong' }))).toBe(401);
    expect(await upgradeStatus(socketUrl(server.host, { userId, token, apiKey: null }))).toBe(401);
  });

  it("refuses a token for one user on another user's inbox with 403", async () => {
    expect(await upgradeStatus(socketUrl(server.host, { userId: 'someone-else', token: await demoToken(userId) }))).toBe(403);
  });

  it('refuses origins the project does not list, with 403', async () => {
    const token = (await createUserToken({ projectId: 'acme', secret: ACME.secret, userId })).token;
    const url = socketUrl(server.host, { projectId: 'acme', userId, token, apiKey: ACME.apiKey });
    expect(await upgradeStatus(url, { origin: 'https://evil.example' })).toBe(403);
    expect(await upgradeStatus(url, { origin: 'https://app.acme.example' })).toBe(101);
  });

  it('the client reports unauthorized instead of retrying a bad token silently', async () => {
    const client = new BaxCloudClient({
      projectId: 'demo',
      apiKey: DEMO.apiKey,
      host: server.host,
      user: { userId },
      token: (await createUserToken({ projectId: 'demo', secret: 'wrong', userId })).token,
      WebSocket,
    });
    const pending = client.getPresence([userId]);
    await waitForState(client, (state) => state.connection === 'unauthorized');
    await expect(pending).rejects.toMatchObject({ code: 'unauthorized' });
    client.disconnect();
  });
});

describe('tokens stay out of URLs', () => {
  const userId = uniqueUser('url');

  it('connects with the token offered as a subprotocol, and the server selects bax.v1', async () => {
    const socket = openSocket(socketUrl(server.host, { userId, token: await demoToken(userId) }));
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    expect(socket.protocol).toBe(SOCKET_PROTOCOL);
    socket.close();
  });

  it('answers the clock probe from the runtime, with no result frame, and the client takes its clock offset from it', async () => {
    const socket = openSocket(socketUrl(server.host, { userId, token: await demoToken(userId) }));
    const frames: string[] = [];
    socket.on('message', (data) => frames.push(frameText(data)));
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    await expect.poll(() => frames.some((frame) => frame.startsWith('{"type":"snapshot"'))).toBe(true);
    socket.send(CLOCK_PROBE);
    await expect.poll(() => frames.includes(CLOCK_PROBE_ANSWER)).toBe(true);
    // Nothing else answers it: the probe never reaches the inbox's frame handling.
    socket.send(JSON.stringify({ type: 'ping', requestId: 'after-probe' }));
    await expect.poll(() => frames.some((frame) => frame.includes('"requestId":"after-probe"'))).toBe(true);
    expect(frames.filter((frame) => frame.startsWith('{"type":"error"') || frame.startsWith('{"type":"result"'))).toHaveLength(1);
    socket.close();

    // The probe's answer corrects the snapshot's first estimate by half the round trip; here both clocks are one.
    const client = await connectClient(server.host, { userId: uniqueUser('clock') });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(Math.abs(client.getState().clockOffset)).toBeLessThan(50);
    client.disconnect();
  });

  it('refuses a token in the socket URL, even a valid one, and even beside one in the header', async () => {
    const token = await demoToken(userId);
    const { url } = socketUrl(server.host, { userId });
    expect(await upgradeStatus(`${url}&token=${token}`)).toBe(401);
    const withHeader = socketUrl(server.host, { userId, token });
    expect(await upgradeStatus({ ...withHeader, url: `${withHeader.url}&token=${token}` })).toBe(401);
  });

  it('refuses a token offered without bax.v1, or two tokens, with 400', async () => {
    const token = await demoToken(userId);
    const { url } = socketUrl(server.host, { userId });
    expect(await upgradeStatus({ url, protocols: [TOKEN_PROTOCOL_PREFIX + token] })).toBe(400);
    const another = await demoToken(userId, 120);
    expect(await upgradeStatus({ url, protocols: [SOCKET_PROTOCOL, TOKEN_PROTOCOL_PREFIX + token, TOKEN_PROTOCOL_PREFIX + another] })).toBe(400);
  });

  it('the session check takes the token as a Bearer header and refuses it in the query string', async () => {
    const { token, expiresAt } = await createUserToken({ projectId: 'demo', secret: DEMO.secret, userId });
    const session = `${server.url}/v1/projects/demo/session?apiKey=${DEMO.apiKey}`;
    const checked = await fetch(session, { headers: { authorization: `Bearer ${token}` } });
    expect(checked.status).toBe(200);
    expect(await checked.json()).toEqual({ userId, expiresAt });
    const inQuery = await fetch(`${session}&token=${token}`);
    expect(inQuery.status).toBe(401);
    expect(await inQuery.json()).toMatchObject({ code: 'unauthorized', message: expect.stringContaining('Authorization') });
    expect((await fetch(`${session}&token=${token}`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    expect((await fetch(session)).status).toBe(401);
  });

  it("answers the session check's CORS preflight for the project's origins only", async () => {
    const session = `${server.url}/v1/projects/acme/session?apiKey=${ACME.apiKey}`;
    const preflight = (origin: string) =>
      fetch(session, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } });
    const allowed = await preflight('https://app.acme.example');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.acme.example');
    expect(allowed.headers.get('access-control-allow-headers')).toContain('authorization');
    expect((await preflight('https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
    const { token } = await createUserToken({ projectId: 'acme', secret: ACME.secret, userId });
    const checked = await fetch(session, { headers: { origin: 'https://app.acme.example', authorization: `Bearer ${token}` } });
    expect(checked.status).toBe(200);
    expect(checked.headers.get('access-control-allow-origin')).toBe('https://app.acme.example');
  });

  it('the client sends no token in any URL it opens or fetches', async () => {
    const seen: string[] = [];
    const RecordingWebSocket = class extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        seen.push(url);
        super(url, protocols);
      }
    };
    const client = new BaxCloudClient({
      projectId: 'demo',
      apiKey: DEMO.apiKey,
      host: server.host,
      user: { userId },
      token: await demoToken(userId),
      WebSocket: RecordingWebSocket,
    });
    await waitForState(client, (state) => state.connection === 'open');
    client.disconnect();
    expect(seen).toHaveLength(1);
    expect(new URL(seen[0]!).searchParams.has('token')).toBe(false);
  });
});

describe('identity comes from the token only', () => {
  it('the name in the token is what invitees see, whatever the client claims', async () => {
    const aliceId = uniqueUser('alice');
    const alice = new BaxCloudClient({
      projectId: 'demo',
      apiKey: DEMO.apiKey,
      host: server.host,
      user: { userId: aliceId, name: 'Claimed Name' },
      token: (await createUserToken({ projectId: 'demo', secret: DEMO.secret, userId: aliceId, name: 'Signed Name' })).token,
      WebSocket,
    });
    await waitForState(alice, (state) => state.connection === 'open');
    const bob = await connectClient(server.host);
    const ringing = nextEvent(bob.onInvitationReceived.bind(bob));
    await alice.sendCallInvitation({ to: bob.getState().user.userId, roomName: 'r', callType: 'audio_call' });
    const invitation = await ringing;
    expect(invitation.from).toBe(aliceId);
    expect(invitation.fromUser.name).toBe('Signed Name');
    expect(alice.getState().user.name).toBe('Signed Name');
    alice.disconnect();
    bob.disconnect();
  });

  it('a token function is called again to reconnect', async () => {
    const userId = uniqueUser('refresh');
    let calls = 0;
    const client = new BaxCloudClient({
      projectId: 'demo',
      apiKey: DEMO.apiKey,
      host: server.host,
      user: { userId },
      token: async () => {
        calls++;
        // A token that is already within the refresh margin forces a new one on every connect.
        return (await createUserToken({ projectId: 'demo', secret: DEMO.secret, userId, ttlSeconds: 20 })).token;
      },
      WebSocket,
    });
    await waitForState(client, (state) => state.connection === 'open');
    const first = calls;
    dropConnection(client);
    await waitForState(client, (state) => state.connection !== 'open', 5000).catch(() => undefined);
    await waitForState(client, (state) => state.connection === 'open');
    expect(calls).toBeGreaterThan(first);
    client.disconnect();
  });
});
