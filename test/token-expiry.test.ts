import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { BaxCloudClient } from '../src/client/client.js';
import type { ConnectionStatus } from '../src/client/types.js';
import { TOKEN_EXPIRED_CLOSE_CODE } from '../src/protocol/socket.js';
import { createUserToken } from '../src/server/tokens.js';
import { DEMO, uniqueUser, waitForState } from './support/clients.js';
import { frameText, openSocket, socketUrl, type RawFrame } from './support/raw.js';
import { startServer, type RunningServer } from './support/server.js';

/**
 * A socket lives only as long as its token: the server closes it with 4001 when the token expires, unless the
 * client sent a newer one over the open socket (`auth.refresh`) first.
 */

let server: RunningServer;

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.stop();
});

async function token(userId: string, ttlSeconds?: number): Promise<{ token: string; expiresAt: number }> {
  return createUserToken({ projectId: DEMO.projectId, secret: DEMO.secret, userId, ...(ttlSeconds ? { ttlSeconds } : {}) });
}

/** A bare socket signed in with `signedIn`, collecting what the server sends and how the socket closed. */
async function openWith(userId: string, signedIn: string) {
  const socket = openSocket(socketUrl(server.host, { userId, token: signedIn }));
  const frames: RawFrame[] = [];
  socket.on('message', (data) => frames.push(JSON.parse(frameText(data)) as RawFrame));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  let counter = 0;
  const request = async (frame: Omit<RawFrame, 'requestId'>): Promise<RawFrame> => {
    const requestId = `r-${++counter}`;
    socket.send(JSON.stringify({ ...frame, requestId }));
    await expect.poll(() => frames.some((reply) => reply.requestId === requestId)).toBe(true);
    return frames.find((reply) => reply.requestId === requestId)!;
  };
  return { socket, closed, request };
}

describe('an expired token', () => {
  it('closes an idle socket with 4001 "token expired" once the token expires', async () => {
    const userId = uniqueUser('idle');
    const signedIn = await token(userId, 2);
    const { socket, closed } = await openWith(userId, signedIn.token);
    // When the close frame arrives: the local runtime may hold the connection itself a few seconds longer.
    await expect.poll(() => socket.readyState, { timeout: 8000, interval: 50 }).not.toBe(WebSocket.OPEN);
    expect(Date.now()).toBeGreaterThanOrEqual(signedIn.expiresAt);
    expect(Date.now() - signedIn.expiresAt).toBeLessThan(3000);
    expect(await closed).toMatchObject({ code: TOKEN_EXPIRED_CLOSE_CODE, reason: 'token expired' });
  });

  it('turns a client with a fixed token to unauthorized when the token expires', async () => {
    const userId = uniqueUser('fixed');
    const client = new BaxCloudClient({
      projectId: DEMO.projectId,
      apiKey: DEMO.apiKey,
      host: server.host,
      user: { userId },
      token: (await token(userId, 2)).token,
      WebSocket,
    });
    await waitForState(client, (state) => state.connection === 'open');
    await waitForState(client, (state) => state.connection === 'unauthorized');
    client.disconnect();
  });
});

describe('refreshing the token over the open socket', () => {
  it('keeps the socket open past the first token, until the new one expires', async () => {
    const userId = uniqueUser('refresh');
    const first = await token(userId, 2);
    const { socket, closed, request } = await openWith(userId, first.token);
    const second = await token(userId, 5);
    expect(await request({ type: 'auth.refresh', token: second.token })).toMatchObject({ type: 'result', result: { expiresAt: second.expiresAt } });
    await new Promise((resolve) => setTimeout(resolve, first.expiresAt - Date.now() + 1500));
    expect(socket.readyState).toBe(WebSocket.OPEN);
    expect(await request({ type: 'ping' })).toMatchObject({ type: 'result' });
    expect(await closed).toMatchObject({ code: TOKEN_EXPIRED_CLOSE_CODE });
  });

  it("refuses another user's token as forbidden, and a bad or expired one as unauthorized, leaving the socket as it was", async () => {
    const userId = uniqueUser('owner');
    const { socket, request } = await openWith(userId, (await token(userId)).token);
    const other = await token(uniqueUser('other'));
    expect(await request({ type: 'auth.refresh', token: other.token })).toMatchObject({ type: 'error', code: 'forbidden' });
    expect(await request({ type: 'auth.refresh', token: 'not.a.token' })).toMatchObject({ type: 'error', code: 'unauthorized' });
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(userId)
      .setAudience('demo')
      .setIssuedAt(now - 120)
      .setExpirationTime(now - 60)
      .sign(new TextEncoder().encode(DEMO.secret));
    expect(await request({ type: 'auth.refresh', token: expired })).toMatchObject({ type: 'error', code: 'unauthorized' });
    const forged = (await createUserToken({ projectId: 'demo', secret: 'not-the-secret', userId })).token;
    expect(await request({ type: 'auth.refresh', token: forged })).toMatchObject({ type: 'error', code: 'unauthorized' });
    expect(socket.readyState).toBe(WebSocket.OPEN);
    expect(await request({ type: 'ping' })).toMatchObject({ type: 'result' });
    socket.close();
  });

  it('a client with a token function stays connected across several expiries, with no reconnect, and its requests work', async () => {
    const userId = uniqueUser('steady');
    let tokenCalls = 0;
    const client = new BaxCloudClient({
      projectId: DEMO.projectId,
      apiKey: DEMO.apiKey,
      host: server.host,
      user: { userId },
      token: async () => {
        tokenCalls++;
        return (await token(userId, 3)).token;
      },
      WebSocket,
    });
    const statuses: ConnectionStatus[] = [client.getState().connection];
    client.subscribe((state) => {
      if (state.connection !== statuses.at(-1)) statuses.push(state.connection);
    });
    await waitForState(client, (state) => state.connection === 'open');
    // Three token lifetimes: each would have closed the socket without a refresh.
    for (let round = 0; round < 3; round++) {
      await new Promise((resolve) => setTimeout(resolve, 3000));
      expect(await client.getPresence([userId])).toMatchObject([{ userId, status: 'online' }]);
    }
    expect(statuses).toEqual(['connecting', 'open']);
    expect(tokenCalls).toBeGreaterThanOrEqual(4);
    client.disconnect();
  });
});
