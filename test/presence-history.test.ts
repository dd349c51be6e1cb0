import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BaxCloudClient } from '../src/client/client.js';
import { connectClient, dropConnection, nextEvent, uniqueUser, waitForState } from './support/clients.js';
import { openRaw } from './support/raw.js';
import { startServer, type RunningServer } from './support/server.js';

let server: RunningServer;
const open: BaxCloudClient[] = [];
/** The caller-disconnect and busy grace periods of this file's server (15 s by default). */
const GRACE_MS = 3000;

beforeAll(async () => {
  server = await startServer({ vars: { CALLER_GRACE_MS: String(GRACE_MS), BUSY_GRACE_MS: String(GRACE_MS) } });
});
afterAll(async () => {
  await server?.stop();
});
afterEach(() => {
  for (const client of open.splice(0)) client.disconnect();
});

async function user(name = 'user', userId = uniqueUser(name), deviceId?: string): Promise<BaxCloudClient> {
  const client = await connectClient(server.host, { userId, name, ...(deviceId ? { deviceId } : {}) });
  open.push(client);
  return client;
}
const idOf = (client: BaxCloudClient) => client.getState().user.userId;

describe('presence', () => {
  it('reads online, busy and offline with lastSeen for a list of users', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const neverSeen = uniqueUser('ghost');
    await bob.setPresence('busy');
    const list = await alice.getPresence([idOf(bob), neverSeen, idOf(alice)]);
    expect(list).toEqual([
      { userId: idOf(bob), status: 'busy', lastSeen: expect.any(Number) },
      { userId: neverSeen, status: 'offline', lastSeen: null },
      { userId: idOf(alice), status: 'online', lastSeen: expect.any(Number) },
    ]);
    expect(alice.getState().presenceOf[idOf(bob)]?.status).toBe('busy');
  });

  it("shows a user's own device its coming online in its snapshot alone, and their subscribers by a push", async () => {
    const alice = await user('alice');
    const bobId = uniqueUser('bob');
    await alice.subscribePresence([bobId]);
    const online = nextEvent(alice.onPresenceChanged.bind(alice), (info) => info.userId === bobId && info.status === 'online');
    const bob = await openRaw(server.host, bobId);
    try {
      await online;
      expect(bob.frames[0]).toMatchObject({ type: 'snapshot', presence: 'online' });
      // A socket's frames arrive in order: a presence frame sent on connect would come before this answer.
      const answer = await bob.request({ type: 'presence.get', requestId: 'own', userIds: [bobId] });
      expect(answer).toMatchObject({ type: 'result', result: [{ userId: bobId, status: 'online' }] });
      expect(bob.frames.map((frame) => frame.type)).toEqual(['snapshot', 'result']);
    } finally {
      await bob.close();
    }
  });

  it('pushes changes to subscribers in real time', async () => {
    const alice = await user('alice');
    const bobId = uniqueUser('bob');
    const initial = await alice.subscribePresence([bobId]);
    expect(initial).toEqual([{ userId: bobId, status: 'offline', lastSeen: null }]);

    const online = nextEvent(alice.onPresenceChanged.bind(alice), (info) => info.userId === bobId && info.status === 'online');
    const bob = await connectClient(server.host, { userId: bobId });
    await online;
    const busy = nextEvent(alice.onPresenceChanged.bind(alice), (info) => info.userId === bobId && info.status === 'busy');
    await bob.setPresence('busy');
    await busy;
    expect(alice.getState().presenceOf[bobId]?.status).toBe('busy');
    const offline = nextEvent(alice.onPresenceChanged.bind(alice), (info) => info.userId === bobId && info.status === 'offline');
    const leftAt = Date.now();
    bob.disconnect();
    const gone = await offline;
    expect(gone.lastSeen).toBeGreaterThanOrEqual(leftAt - 1000);
  });

  it("a user's own busy status syncs to their other devices and survives reconnects", async () => {
    const id = uniqueUser('carol');
    const phone = await user('carol', id, 'phone');
    const laptop = await user('carol', id, 'laptop');
    await phone.setPresence('busy');
    await waitForState(laptop, (state) => state.presence === 'busy');
    phone.disconnect();
    laptop.disconnect();
    const again = await user('carol', id, 'tablet');
    expect(again.getState().presence).toBe('busy');
  });

  it('busy ends once the grace period after the last device went away is over', async () => {
    const id = uniqueUser('dave');
    const erin = await user('erin');
    await erin.subscribePresence([id]);
    const first = await connectClient(server.host, { userId: id });
    await first.setPresence('busy');
    const gone = nextEvent(erin.onPresenceChanged.bind(erin), (info) => info.userId === id && info.status === 'offline');
    first.disconnect();
    await gone;
    const graceEnd = Date.now() + GRACE_MS;
    // A call to Dave that nobody answers expires in his inbox after busy would have ended. (Reconnecting any
    // earlier would keep him busy.)
    const clock = await erin.sendCallInvitation({ to: id, roomName: 'clock', callType: 'audio_call', timeoutSeconds: 5 });
    expect(clock.invitees[0]).toMatchObject({ state: 'pending' });
    expect(clock.expiresAt).toBeGreaterThan(graceEnd);
    await nextEvent(erin.onInvitationExpired.bind(erin), (event) => event.invitationId === clock.invitationId, 15_000);
    const back = await user('dave', id);
    expect(back.getState().presence).toBe('online');
  });
});

describe('call history', () => {
  it('lists sent and received calls newest first with counterpart, direction, type, outcome and times', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const first = await alice.sendCallInvitation({ to: idOf(bob), roomName: 'one', callType: 'audio_call', message: 'hi' });
    await bob.declineCallInvitation(first.invitationId, { reason: 'busy', message: 'in a meeting' });
    const second = await bob.sendCallInvitation({ to: idOf(alice), roomName: 'two', callType: 'video_call' });
    await alice.acceptCallInvitation(second.invitationId);
    const third = await alice.sendCallInvitation({ to: idOf(bob), roomName: 'three', callType: 'live_streaming' });
    await alice.cancelCallInvitation(third.invitationId);

    const page = await alice.getCallHistory();
    expect(page.entries.map((entry) => [entry.roomName, entry.direction, entry.outcome])).toEqual([
      ['three', 'outgoing', 'canceled'],
      ['two', 'incoming', 'accepted'],
      ['one', 'outgoing', 'declined'],
    ]);
    expect(page.entries[2]).toMatchObject({
      invitationId: first.invitationId,
      counterpart: { userId: idOf(bob), name: 'bob' },
      callType: 'audio_call',
      message: 'hi',
      reason: 'busy',
      replyMessage: 'in a meeting',
      createdAt: first.createdAt,
      endedAt: expect.any(Number),
    });
    expect(page.entries[1]!.counterpart).toEqual({ userId: idOf(bob), name: 'bob', avatarUrl: null });
    expect(page.nextBefore).toBeNull();
  });

  it('pages with limit and before, missing and repeating nothing', async () => {
    const alice = await user('alice');
    const invitees = Array.from({ length: 5 }, () => uniqueUser('p'));
    const sent: string[] = [];
    for (let i = 0; i < 7; i++) {
      const result = await alice.sendCallInvitation({ to: i === 3 ? invitees : invitees[i % 5]!, roomName: `room-${i}`, callType: 'audio_call' });
      sent.push(result.invitationId);
    }
    const seen: string[] = [];
    let before: number | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = await alice.getCallHistory({ limit: 3, ...(before ? { before } : {}) });
      seen.push(...page.entries.map((entry) => `${entry.invitationId}:${entry.counterpart.userId}`));
      if (page.nextBefore === null) break;
      before = page.nextBefore;
    }
    // Six 1:1 invitations plus one meeting of five.
    expect(seen).toHaveLength(11);
    expect(new Set(seen).size).toBe(11);
    expect([...new Set(seen.map((key) => key.split(':')[0]))]).toEqual([...sent].reverse());
  });

  it('counts missed calls and "mark seen" clears them on every device', async () => {
    const alice = await user('alice');
    const bobId = uniqueUser('bob');
    const phone = await user('bob', bobId, 'phone');
    const laptop = await user('bob', bobId, 'laptop');
    const missed = nextEvent(laptop.onMissedCallsChanged.bind(laptop), (count) => count === 1, 15_000);
    await alice.sendCallInvitation({ to: bobId, roomName: 'r', callType: 'audio_call', timeoutSeconds: 5 });
    await missed;
    expect((await phone.getCallHistory()).missedCalls).toBe(1);
    const cleared = nextEvent(laptop.onMissedCallsChanged.bind(laptop), (count) => count === 0);
    await phone.markMissedCallsSeen();
    await cleared;
    expect(phone.getState().missedCalls).toBe(0);
    expect((await laptop.getCallHistory()).entries[0]).toMatchObject({ outcome: 'missed' });
  });
});

describe('reconnect sync', () => {
  it('a new connection gets a snapshot of pending incoming and outgoing invitations and the missed-call count', async () => {
    const aliceId = uniqueUser('alice');
    const bobId = uniqueUser('bob');
    const alice = await user('alice', aliceId);
    const carol = await user('carol');
    const toBob = await alice.sendCallInvitation({ to: bobId, roomName: 'out', callType: 'video_call', timeoutSeconds: 60 });
    const fromCarol = await carol.sendCallInvitation({ to: aliceId, roomName: 'in', callType: 'audio_call', timeoutSeconds: 60 });
    await carol.sendCallInvitation({ to: aliceId, roomName: 'missed', callType: 'audio_call', timeoutSeconds: 5 });
    await waitForState(alice, (state) => state.missedCalls === 1, 15_000);

    const reloaded = await user('alice', aliceId, 'same-tab');
    const state = reloaded.getState();
    expect(state.outgoing.map((entry) => [entry.invitationId, entry.invitees[0]!.state, entry.invitees[0]!.delivered])).toEqual([
      [toBob.invitationId, 'pending', false],
    ]);
    expect(state.incoming.map((entry) => entry.invitationId)).toEqual([fromCarol.invitationId]);
    expect(state.missedCalls).toBe(1);
    expect(Math.abs(state.clockOffset)).toBeLessThan(2000);
  });

  it('a dropped connection reconnects by itself, resyncs, and replays requests made meanwhile', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    dropConnection(alice, 4000);
    await waitForState(alice, (state) => state.connection === 'reconnecting');
    // Made while disconnected: goes out once the connection is back.
    const sending = alice.sendCallInvitation({ to: idOf(bob), roomName: 'after-drop', callType: 'video_call' });
    const ringing = nextEvent(bob.onInvitationReceived.bind(bob));
    await waitForState(alice, (state) => state.connection === 'open');
    const sent = await sending;
    expect((await ringing).invitationId).toBe(sent.invitationId);
  });
});
