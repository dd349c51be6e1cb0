import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { BaxCloudClient } from '../src/client/client.js';
import { connectClient, nextEvent, uniqueUser, userToken, waitForState } from './support/clients.js';
import { startServer, type RunningServer } from './support/server.js';

const stateDir = mkdtempSync(join(tmpdir(), 'bax-restart-'));
const running: RunningServer[] = [];
const clients: BaxCloudClient[] = [];

afterAll(async () => {
  for (const client of clients) client.disconnect();
  for (const server of running) await server.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

it('a crash mid-flow loses nothing: pending invitations survive, still expire on time, history is intact', async () => {
  const first = await startServer({ stateDir });
  running.push(first);
  const aliceId = uniqueUser('alice');
  const bobId = uniqueUser('bob');
  const carolId = uniqueUser('carol');
  const alice = await connectClient(first.host, { userId: aliceId, requestTimeoutMs: 30_000 });
  clients.push(alice);
  const bob = await connectClient(first.host, { userId: bobId });

  const answered = await alice.sendCallInvitation({ to: bobId, roomName: 'before-crash', callType: 'video_call' });
  await bob.acceptCallInvitation(answered.invitationId);
  bob.disconnect();
  const toCarol = await alice.sendCallInvitation({ to: carolId, roomName: 'survives', callType: 'audio_call', timeoutSeconds: 120 });
  const toBob = await alice.sendCallInvitation({ to: bobId, roomName: 'expires', callType: 'audio_call', timeoutSeconds: 12 });

  await first.kill();
  const second = await startServer({ stateDir, port: first.port });
  running.push(second);

  // The client reconnects by itself and its snapshot still holds both pending invitations.
  await waitForState(alice, (state) => state.connection === 'open' && state.outgoing.length === 2, 30_000);
  expect(
    alice
      .getState()
      .outgoing.map((entry) => entry.invitationId)
      .sort(),
  ).toEqual([toCarol.invitationId, toBob.invitationId].sort());

  const carol = await connectClient(second.host, { userId: carolId });
  clients.push(carol);
  expect(carol.getState().incoming.map((entry) => entry.invitationId)).toEqual([toCarol.invitationId]);
  const accepted = nextEvent(alice.onInvitationAccepted.bind(alice));
  await carol.acceptCallInvitation(toCarol.invitationId);
  expect((await accepted).invitationId).toBe(toCarol.invitationId);

  // Nobody of Bob's is connected: the alarm set before the crash still expires the call, on time.
  const expired = await nextEvent(alice.onInvitationExpired.bind(alice), (event) => event.invitationId === toBob.invitationId, 30_000);
  expect(expired.userId).toBe(bobId);
  expect(Date.now()).toBeGreaterThanOrEqual(toBob.expiresAt - 50);
  expect(Date.now()).toBeLessThan(toBob.expiresAt + 5000);

  const bobAgain = await connectClient(second.host, { userId: bobId });
  clients.push(bobAgain);
  expect(bobAgain.getState().missedCalls).toBe(1);
  const history = await alice.getCallHistory();
  expect(history.entries.map((entry) => [entry.roomName, entry.outcome])).toEqual([
    ['expires', 'missed'],
    ['survives', 'accepted'],
    ['before-crash', 'accepted'],
  ]);
});

it('a dropped client does not ask the server why at every failed reconnect, and still learns of a refusal', async () => {
  const project = { projectId: 'rotating', apiKey: 'rotating-key', secret: 'secret-before' };
  const ownState = mkdtempSync(join(tmpdir(), 'bax-restart-'));
  const first = await startServer({ stateDir: ownState, projects: [project] });
  running.push(first);
  const userId = uniqueUser('dropped');
  let sockets = 0;
  class CountedWebSocket extends WebSocket {
    constructor(...args: ConstructorParameters<typeof WebSocket>) {
      super(...args);
      sockets++;
    }
  }
  /** The socket count at each time the client asked the server why it was refused. */
  const asked: number[] = [];
  const realFetch = globalThis.fetch;
  globalThis.fetch = (input, init) => {
    const url = input instanceof Request ? input.url : input instanceof URL ? input.href : input;
    if (url.includes('/session')) asked.push(sockets);
    return realFetch(input, init);
  };
  try {
    const client = new BaxCloudClient({ ...project, host: first.host, user: { userId }, token: await userToken(project, userId), WebSocket: CountedWebSocket });
    clients.push(client);
    await waitForState(client, (state) => state.connection === 'open');
    expect(sockets).toBe(1);

    // The server comes back with the project's secret rotated: the token the client holds is refused from now on.
    await first.kill();
    const second = await startServer({ stateDir: ownState, port: first.port, projects: [{ ...project, secret: 'secret-after' }] });
    running.push(second);
    await waitForState(client, (state) => state.connection === 'unauthorized', 50_000);
    // Seven failed reconnects went by without a question (the old client asked at each); the eighth asked.
    expect(asked.length).toBeGreaterThanOrEqual(1);
    expect(asked[0]).toBe(1 + 8);
  } finally {
    globalThis.fetch = realFetch;
    rmSync(ownState, { recursive: true, force: true });
  }
}, 90_000);
