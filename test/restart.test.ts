import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { BaxCloudClient } from '../src/client/client.js';
import { connectClient, nextEvent, uniqueUser, waitForState } from './support/clients.js';
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
