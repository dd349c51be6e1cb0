import { afterAll, beforeAll, expect, it } from 'vitest';
import type { BaxCloudClient } from '../src/client/client.js';
import { connectClient, nextEvent, uniqueUser, waitForState } from './support/clients.js';
import { startServer, type RunningServer } from './support/server.js';

/**
 * workerd evicts a Durable Object 10 s after its last event and keeps its hibernatable sockets open
 * (workerd src/workerd/server/server.c++, ActorContainer::handleShutdown; wrangler dev runs the same code); the next
 * frame constructs the object again. Nothing of the inbox may depend on memory across that: no timers, no pending
 * promises, no state kept only in memory (see docs/architecture.md, "Hibernation"). This test goes idle for longer
 * than that and then goes on over the same sockets. It cannot see the eviction itself (nothing of ours observes
 * it); `npm run bench` shows the memory of idle users beside a bare object's.
 */
const EVICTED_AFTER_IDLE_MS = 10_000;

let server: RunningServer;
const clients: BaxCloudClient[] = [];

beforeAll(async () => {
  // A slow refill, so that the frame allowance must survive the eviction in the connection's state.
  server = await startServer({ vars: { FRAMES_PER_SECOND: '0.5', FRAME_BURST: '8' } });
});

afterAll(async () => {
  for (const client of clients) client.disconnect();
  await server?.stop();
});

it('an inbox woken after going idle has everything it needs, over the sockets it had', { timeout: 60_000 }, async () => {
  const aliceId = uniqueUser('alice');
  const bobId = uniqueUser('bob');
  const alice = await connectClient(server.host, { userId: aliceId });
  const bob = await connectClient(server.host, { userId: bobId });
  clients.push(alice, bob);
  const dropped: string[] = [];
  for (const [name, client] of [
    ['alice', alice],
    ['bob', bob],
  ] as const) {
    client.subscribe((state) => {
      if (state.connection !== 'open') dropped.push(`${name}: ${state.connection}`);
    });
  }
  const ring = nextEvent(bob.onInvitationReceived.bind(bob));
  const sent = await alice.sendCallInvitation({ to: bobId, roomName: 'after-idle', callType: 'audio_call', timeoutSeconds: 120 });
  await ring;

  // Idle: no frame, no event on either inbox for longer than workerd waits before evicting them.
  await new Promise((resolve) => setTimeout(resolve, EVICTED_AFTER_IDLE_MS + 2_500));

  const accepted = nextEvent(alice.onInvitationAccepted.bind(alice), (event) => event.invitationId === sent.invitationId);
  const answer = await bob.acceptCallInvitation(sent.invitationId);
  expect(answer.state).toBe('accepted');
  expect((await accepted).by).toBe(bobId);
  // The same sockets: no reconnect, no new snapshot was needed.
  expect(dropped).toEqual([]);
  const history = await alice.getCallHistory();
  expect(history.entries.find((entry) => entry.invitationId === sent.invitationId)?.outcome).toBe('accepted');
});

it(
  "a new user's first connect stores nothing: their profile outlives the eviction in the connection's state and is stored when they leave",
  { timeout: 60_000 },
  async () => {
    const hostId = uniqueUser('host');
    const niaId = uniqueUser('nia');
    const omarId = uniqueUser('omar');
    const host = await connectClient(server.host, { userId: hostId });
    const nia = await connectClient(server.host, { userId: niaId, name: 'Nia Newcomer' });
    const omar = await connectClient(server.host, { userId: omarId, name: 'Omar Onlyonce' });
    clients.push(host, nia, omar);
    // A subscriber of a connected new user is stored though nothing else is: it must outlive the eviction.
    await host.subscribePresence([niaId]);

    await new Promise((resolve) => setTimeout(resolve, EVICTED_AFTER_IDLE_MS + 2_500));

    // Nia's inbox was started again with nothing stored: the name its invitation carries came from her socket's state.
    const ring = nextEvent(host.onInvitationReceived.bind(host), (invitation) => invitation.from === niaId);
    await nia.sendCallInvitation({ to: hostId, roomName: 'first-words', callType: 'audio_call' });
    expect((await ring).fromUser).toEqual({ userId: niaId, name: 'Nia Newcomer', avatarUrl: null });
    nia.disconnect();
    await waitForState(host, (state) => state.presenceOf[niaId]?.status === 'offline');

    // Omar leaves without having stored anything: his leaving stores his profile, which his inbox, evicted once more,
    // reads back from storage.
    const left = Date.now();
    omar.disconnect();
    await new Promise((resolve) => setTimeout(resolve, EVICTED_AFTER_IDLE_MS + 2_500));
    const sent = await host.sendCallInvitation({ to: omarId, roomName: 'after-leaving', callType: 'audio_call' });
    expect(sent.invitees[0]).toMatchObject({ userId: omarId, user: { userId: omarId, name: 'Omar Onlyonce', avatarUrl: null }, delivered: false });
    const [presence] = await host.getPresence([omarId]);
    expect(presence).toMatchObject({ userId: omarId, status: 'offline' });
    expect(presence!.lastSeen).toBeGreaterThanOrEqual(left - 1_000);
  },
);
