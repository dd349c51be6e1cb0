import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BaxCloudClient } from '../src/client/client.js';
import { BaxCloudError } from '../src/client/errors.js';
import { connectClient, nextEvent, uniqueUser, waitForState } from './support/clients.js';
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

async function user(name = 'user', deviceId?: string, userId = uniqueUser(name)): Promise<BaxCloudClient> {
  const client = await connectClient(server.host, { userId, name: `${name} name`, ...(deviceId ? { deviceId } : {}) });
  open.push(client);
  return client;
}

const idOf = (client: BaxCloudClient) => client.getState().user.userId;

async function rejection(promise: Promise<unknown>): Promise<BaxCloudError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(BaxCloudError);
    return error as BaxCloudError;
  }
  throw new Error('expected the request to be refused');
}

describe('sending and ringing', () => {
  it('rings the invitee with every field, reports delivery and returns server-assigned ids and times', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const ringing = nextEvent(bob.onInvitationReceived.bind(bob));
    const before = Date.now();
    const sent = await alice.sendCallInvitation({
      to: idOf(bob),
      roomName: 'standup',
      callType: 'audio_call',
      message: 'quick question',
      roomUrl: 'https://meet.example/standup',
      timeoutSeconds: 30,
      metadata: { ticket: 42 },
    });
    expect(sent.invitationId).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(sent.createdAt).toBeGreaterThanOrEqual(before - 1000);
    expect(sent.expiresAt - sent.createdAt).toBe(30_000);
    expect(sent.invitees).toEqual([
      { userId: idOf(bob), user: { userId: idOf(bob), name: 'bob name', avatarUrl: null }, delivered: true, state: 'pending', reason: null, message: null },
    ]);

    const invitation = await ringing;
    expect(invitation).toEqual({
      invitationId: sent.invitationId,
      from: idOf(alice),
      fromUser: { userId: idOf(alice), name: 'alice name', avatarUrl: null },
      to: [idOf(bob)],
      callType: 'audio_call',
      roomName: 'standup',
      roomUrl: 'https://meet.example/standup',
      message: 'quick question',
      metadata: { ticket: 42 },
      createdAt: sent.createdAt,
      expiresAt: sent.expiresAt,
    });
    expect(bob.getState().incoming.map((entry) => entry.invitationId)).toEqual([sent.invitationId]);
    expect(alice.getState().outgoing.map((entry) => entry.invitationId)).toEqual([sent.invitationId]);
  });

  it('defaults the timeout to 45 seconds', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const sent = await alice.sendCallInvitation({ to: idOf(bob), roomName: 'r', callType: 'video_call' });
    expect(sent.expiresAt - sent.createdAt).toBe(45_000);
  });

  it('accept: the sender hears it with room, type and who answered', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const sent = await alice.sendCallInvitation({ to: idOf(bob), roomName: 'room-a', roomUrl: 'https://x.example/a', callType: 'video_call' });
    const accepted = nextEvent(alice.onInvitationAccepted.bind(alice));
    await expect(bob.acceptCallInvitation(sent.invitationId)).resolves.toEqual({ invitationId: sent.invitationId, state: 'accepted' });
    expect(await accepted).toMatchObject({
      invitationId: sent.invitationId,
      roomName: 'room-a',
      roomUrl: 'https://x.example/a',
      callType: 'video_call',
      by: idOf(bob),
      byUser: { userId: idOf(bob), name: 'bob name' },
    });
    await waitForState(alice, (state) => state.outgoing.length === 0);
    expect(bob.getState().incoming).toEqual([]);
  });

  it('decline carries the reason and message to the sender', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const sent = await alice.sendCallInvitation({ to: idOf(bob), roomName: 'r', callType: 'audio_call' });
    const declined = nextEvent(alice.onInvitationDeclined.bind(alice));
    await bob.declineCallInvitation(sent.invitationId, { reason: 'busy', message: "Can't talk now, I'll call back" });
    expect(await declined).toMatchObject({
      invitationId: sent.invitationId,
      by: idOf(bob),
      reason: 'busy',
      message: "Can't talk now, I'll call back",
      roomName: 'r',
    });
  });

  it('decline defaults its reason to "declined"', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const sent = await alice.sendCallInvitation({ to: idOf(bob), roomName: 'r', callType: 'audio_call' });
    const declined = nextEvent(alice.onInvitationDeclined.bind(alice));
    await bob.declineCallInvitation(sent.invitationId);
    expect(await declined).toMatchObject({ reason: 'declined', message: null });
  });

  it('cancel stops the ringing; answering afterwards is not_pending', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const sent = await alice.sendCallInvitation({ to: idOf(bob), roomName: 'r', callType: 'video_call' });
    const canceled = nextEvent(bob.onInvitationCanceled.bind(bob));
    await expect(alice.cancelCallInvitation(sent.invitationId)).resolves.toEqual({ invitationId: sent.invitationId, canceled: [idOf(bob)] });
    expect(await canceled).toMatchObject({ invitationId: sent.invitationId, by: idOf(alice), reason: 'canceled' });
    expect(bob.getState().incoming).toEqual([]);
    expect((await rejection(bob.acceptCallInvitation(sent.invitationId))).code).toBe('not_pending');
  });

  it('cancel after the invitee answered rejects with not_pending, so callers can catch it', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const sent = await alice.sendCallInvitation({ to: idOf(bob), roomName: 'r', callType: 'video_call' });
    await bob.acceptCallInvitation(sent.invitationId);
    expect((await rejection(alice.cancelCallInvitation(sent.invitationId))).code).toBe('not_pending');
  });
});

describe('offline invitees and expiry', () => {
  it('an offline invitee is "not yet delivered"; connecting before expiry rings and tells the sender', async () => {
    const alice = await user('alice');
    const bobId = uniqueUser('bob');
    const sent = await alice.sendCallInvitation({ to: bobId, roomName: 'r', callType: 'video_call', timeoutSeconds: 60 });
    expect(sent.invitees[0]).toMatchObject({ userId: bobId, delivered: false, state: 'pending' });
    const delivered = nextEvent(alice.onInvitationDelivered.bind(alice));
    const bob = await user('bob', undefined, bobId);
    expect(bob.getState().incoming.map((entry) => entry.invitationId)).toEqual([sent.invitationId]);
    expect(await delivered).toEqual({ invitationId: sent.invitationId, userId: bobId });
    await waitForState(alice, (state) => state.outgoing[0]?.invitees[0]?.delivered === true);
  });

  it('the server expires an unanswered invitation with no client connected and records a missed call', async () => {
    const alice = await user('alice');
    const bobId = uniqueUser('bob');
    const sent = await alice.sendCallInvitation({ to: bobId, roomName: 'r', callType: 'audio_call', timeoutSeconds: 5 });
    const expired = await nextEvent(alice.onInvitationExpired.bind(alice), () => true, 15_000);
    expect(expired).toMatchObject({ invitationId: sent.invitationId, userId: bobId, direction: 'outgoing' });
    expect(Date.now()).toBeGreaterThanOrEqual(sent.expiresAt - 50);

    const bob = await user('bob', undefined, bobId);
    expect(bob.getState().incoming).toEqual([]);
    expect(bob.getState().missedCalls).toBe(1);
    const history = await bob.getCallHistory();
    expect(history.entries[0]).toMatchObject({
      invitationId: sent.invitationId,
      direction: 'incoming',
      outcome: 'missed',
      counterpart: { userId: idOf(alice) },
    });
  });

  it('both sides get an expired event when nobody answers a ringing invitation', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const bobExpired = nextEvent(bob.onInvitationExpired.bind(bob), () => true, 15_000);
    const aliceExpired = nextEvent(alice.onInvitationExpired.bind(alice), () => true, 15_000);
    const missed = nextEvent(bob.onMissedCallsChanged.bind(bob), () => true, 15_000);
    const sent = await alice.sendCallInvitation({ to: idOf(bob), roomName: 'r', callType: 'audio_call', timeoutSeconds: 5 });
    expect(await bobExpired).toMatchObject({ invitationId: sent.invitationId, direction: 'incoming', userId: idOf(bob) });
    expect(await aliceExpired).toMatchObject({ invitationId: sent.invitationId, direction: 'outgoing', userId: idOf(bob) });
    expect(await missed).toBe(1);
    expect((await rejection(bob.acceptCallInvitation(sent.invitationId))).code).toBe('not_pending');
  });
});

describe('several devices of one user', () => {
  it('both devices ring; answering on one tells the other "answered elsewhere"', async () => {
    const alice = await user('alice');
    const bobId = uniqueUser('bob');
    const phone = await user('bob', 'phone', bobId);
    const laptop = await user('bob', 'laptop', bobId);
    const phoneRings = nextEvent(phone.onInvitationReceived.bind(phone));
    const laptopRings = nextEvent(laptop.onInvitationReceived.bind(laptop));
    const sent = await alice.sendCallInvitation({ to: bobId, roomName: 'r', callType: 'video_call' });
    await Promise.all([phoneRings, laptopRings]);
    const elsewhere = nextEvent(laptop.onInvitationAnsweredElsewhere.bind(laptop));
    await phone.acceptCallInvitation(sent.invitationId);
    expect(await elsewhere).toEqual({ invitationId: sent.invitationId, outcome: 'accepted' });
    expect(laptop.getState().incoming).toEqual([]);
    expect((await rejection(laptop.declineCallInvitation(sent.invitationId))).code).toBe('not_pending');

    const laptopHistory = await laptop.getCallHistory();
    expect(laptopHistory.entries[0]).toMatchObject({ invitationId: sent.invitationId, outcome: 'answered_elsewhere' });
    const phoneHistory = await phone.getCallHistory();
    expect(phoneHistory.entries[0]).toMatchObject({ invitationId: sent.invitationId, outcome: 'accepted' });
  });

  it('a decline on one device also stops the other', async () => {
    const alice = await user('alice');
    const bobId = uniqueUser('bob');
    const phone = await user('bob', 'phone', bobId);
    const laptop = await user('bob', 'laptop', bobId);
    const laptopRings = nextEvent(laptop.onInvitationReceived.bind(laptop));
    const sent = await alice.sendCallInvitation({ to: bobId, roomName: 'r', callType: 'video_call' });
    await laptopRings;
    const elsewhere = nextEvent(phone.onInvitationAnsweredElsewhere.bind(phone));
    await laptop.declineCallInvitation(sent.invitationId, { reason: 'unavailable' });
    expect(await elsewhere).toEqual({ invitationId: sent.invitationId, outcome: 'declined' });
  });

  it("the sender's other devices see the outgoing call too", async () => {
    const aliceId = uniqueUser('alice');
    const aliceDesk = await user('alice', 'desk', aliceId);
    const aliceTablet = await user('alice', 'tablet', aliceId);
    const bob = await user('bob');
    const sent = await aliceDesk.sendCallInvitation({ to: idOf(bob), roomName: 'r', callType: 'video_call' });
    await waitForState(aliceTablet, (state) => state.outgoing.some((entry) => entry.invitationId === sent.invitationId));
    await bob.acceptCallInvitation(sent.invitationId);
    await waitForState(aliceTablet, (state) => state.outgoing.length === 0);
  });
});

describe('exactly one outcome', () => {
  it('accept racing cancel: exactly one wins, the loser gets not_pending, 25 times over', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    let accepts = 0;
    let cancels = 0;
    for (let round = 0; round < 25; round++) {
      const ringing = nextEvent(bob.onInvitationReceived.bind(bob));
      const sent = await alice.sendCallInvitation({ to: idOf(bob), roomName: `race-${round}`, callType: 'audio_call' });
      await ringing;
      const [accept, cancel] = await Promise.allSettled([bob.acceptCallInvitation(sent.invitationId), alice.cancelCallInvitation(sent.invitationId)]);
      const winners = [accept, cancel].filter((outcome) => outcome.status === 'fulfilled');
      expect(winners).toHaveLength(1);
      const loser = [accept, cancel].find((outcome) => outcome.status === 'rejected') as PromiseRejectedResult;
      expect((loser.reason as BaxCloudError).code).toBe('not_pending');
      if (accept.status === 'fulfilled') accepts++;
      else cancels++;
      const history = await bob.getCallHistory({ limit: 1 });
      // It rang on Bob's device, so a cancel that wins makes it a missed call for him (the reason says canceled).
      expect(history.entries[0]).toMatchObject(
        accept.status === 'fulfilled' ? { outcome: 'accepted', missed: false } : { outcome: 'missed', reason: 'canceled', missed: true },
      );
    }
    expect(accepts + cancels).toBe(25);
  });

  it('accept racing decline from two devices: one wins', async () => {
    const alice = await user('alice');
    const bobId = uniqueUser('bob');
    const phone = await user('bob', 'phone', bobId);
    const laptop = await user('bob', 'laptop', bobId);
    for (let round = 0; round < 10; round++) {
      const ringing = nextEvent(laptop.onInvitationReceived.bind(laptop));
      const sent = await alice.sendCallInvitation({ to: bobId, roomName: `race-${round}`, callType: 'audio_call' });
      await ringing;
      const outcomes = await Promise.allSettled([phone.acceptCallInvitation(sent.invitationId), laptop.declineCallInvitation(sent.invitationId)]);
      expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    }
  });
});

describe('meetings', () => {
  it('a group of three ends with mixed outcomes, each reported once', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const carol = await user('carol');
    const danId = uniqueUser('dan');
    const sent = await alice.sendCallInvitation({ to: [idOf(bob), idOf(carol), danId], roomName: 'team', callType: 'video_call', timeoutSeconds: 6 });
    expect(sent.invitees).toHaveLength(3);
    expect(Object.fromEntries(sent.invitees.map((invitee) => [invitee.userId, invitee.delivered]))).toEqual({
      [idOf(bob)]: true,
      [idOf(carol)]: true,
      [danId]: false,
    });

    const accepted = nextEvent(alice.onInvitationAccepted.bind(alice));
    const declined = nextEvent(alice.onInvitationDeclined.bind(alice));
    const expired = nextEvent(alice.onInvitationExpired.bind(alice), () => true, 15_000);
    await bob.acceptCallInvitation(sent.invitationId);
    await carol.declineCallInvitation(sent.invitationId, { reason: 'busy' });
    expect((await accepted).by).toBe(idOf(bob));
    expect(await declined).toMatchObject({ by: idOf(carol), reason: 'busy' });
    expect((await expired).userId).toBe(danId);
    await waitForState(alice, (state) => state.outgoing.length === 0);
    const history = await alice.getCallHistory();
    const outcomes = Object.fromEntries(
      history.entries.filter((entry) => entry.invitationId === sent.invitationId).map((entry) => [entry.counterpart.userId, entry.outcome]),
    );
    expect(outcomes).toEqual({ [idOf(bob)]: 'accepted', [idOf(carol)]: 'declined', [danId]: 'missed' });
  });

  it('cancel can target some invitees of a meeting', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const carol = await user('carol');
    const sent = await alice.sendCallInvitation({ to: [idOf(bob), idOf(carol)], roomName: 'team', callType: 'video_call' });
    const bobCanceled = nextEvent(bob.onInvitationCanceled.bind(bob));
    await expect(alice.cancelCallInvitation(sent.invitationId, { userIds: [idOf(bob)] })).resolves.toEqual({
      invitationId: sent.invitationId,
      canceled: [idOf(bob)],
    });
    await bobCanceled;
    expect(carol.getState().incoming.map((entry) => entry.invitationId)).toEqual([sent.invitationId]);
    await carol.acceptCallInvitation(sent.invitationId);
  });
});

describe('glare, busy and duplicates', () => {
  it('inviting someone who is already calling you joins their call', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const ringing = nextEvent(alice.onInvitationReceived.bind(alice));
    const bobsCall = await bob.sendCallInvitation({ to: idOf(alice), roomName: 'bob-room', callType: 'video_call' });
    await ringing;
    const bobHearsAccept = nextEvent(bob.onInvitationAccepted.bind(bob));
    const aliceStarts = nextEvent(alice.onInvitationAccepted.bind(alice));
    const result = await alice.sendCallInvitation({ to: idOf(bob), roomName: 'alice-room', callType: 'video_call' });
    expect(result).toMatchObject({
      invitationId: bobsCall.invitationId,
      roomName: 'bob-room',
      joined: true,
      invitees: [{ userId: idOf(bob), state: 'accepted' }],
    });
    expect(await bobHearsAccept).toMatchObject({ invitationId: bobsCall.invitationId, by: idOf(alice) });
    expect(await aliceStarts).toMatchObject({ invitationId: bobsCall.invitationId, roomName: 'bob-room', joined: true });
    expect(alice.getState().incoming).toEqual([]);
  });

  it('two invitations sent at the same moment end as one call, 20 times over', async () => {
    for (let round = 0; round < 20; round++) {
      const alice = await user('alice');
      const bob = await user('bob');
      const aliceCall = nextEvent(alice.onInvitationAccepted.bind(alice));
      const bobCall = nextEvent(bob.onInvitationAccepted.bind(bob));
      const [fromAlice, fromBob] = await Promise.all([
        alice.sendCallInvitation({ to: idOf(bob), roomName: `a-${round}`, callType: 'video_call' }),
        bob.sendCallInvitation({ to: idOf(alice), roomName: `b-${round}`, callType: 'video_call' }),
      ]);
      const [a, b] = await Promise.all([aliceCall, bobCall]);
      expect(a.invitationId).toBe(b.invitationId);
      expect(a.roomName).toBe(b.roomName);
      // Both sends answer with the one call: the other one's as joined to it.
      expect(fromAlice.invitationId).toBe(a.invitationId);
      expect(fromBob.invitationId).toBe(a.invitationId);
      const joinedSide = [fromAlice, fromBob].filter((result) => result.joined);
      expect(joinedSide).toHaveLength(1);
      expect(joinedSide[0]!.invitees[0]!.state).toBe('accepted');
      await waitForState(alice, (state) => state.incoming.length === 0 && state.outgoing.length === 0);
      await waitForState(bob, (state) => state.incoming.length === 0 && state.outgoing.length === 0);
      alice.disconnect();
      bob.disconnect();
    }
  });

  it('a busy user declines new invitations at once with reason busy', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    await bob.setPresence('busy');
    let rang = false;
    bob.onInvitationReceived(() => (rang = true));
    const declined = nextEvent(alice.onInvitationDeclined.bind(alice));
    const sent = await alice.sendCallInvitation({ to: idOf(bob), roomName: 'r', callType: 'audio_call' });
    expect(sent.invitees[0]).toMatchObject({ state: 'declined', reason: 'busy' });
    expect(await declined).toMatchObject({ invitationId: sent.invitationId, reason: 'busy', by: idOf(bob) });
    await bob.setPresence('online');
    const again = await alice.sendCallInvitation({ to: idOf(bob), roomName: 'r2', callType: 'audio_call' });
    expect(again.invitees[0]!.state).toBe('pending');
    expect(rang).toBe(true);
  });

  it('a second invitation to the same user and room while one is pending returns the pending one', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const first = await alice.sendCallInvitation({ to: idOf(bob), roomName: 'same', callType: 'video_call' });
    const second = await alice.sendCallInvitation({ to: idOf(bob), roomName: 'same', callType: 'video_call' });
    expect(second.invitationId).toBe(first.invitationId);
    expect(second.existing).toBe(true);
    await waitForState(bob, (state) => state.incoming.length === 1);
    const other = await alice.sendCallInvitation({ to: idOf(bob), roomName: 'other', callType: 'video_call' });
    expect(other.invitationId).not.toBe(first.invitationId);
  });

  it('the invitee cannot be the sender', async () => {
    const alice = await user('alice');
    expect((await rejection(alice.sendCallInvitation({ to: idOf(alice), roomName: 'r', callType: 'video_call' }))).code).toBe('invalid_request');
  });
});

describe('the caller goes away', () => {
  it("cancels the caller's pending invitations once the grace period after its last connection closed is over", async () => {
    const aliceId = uniqueUser('alice');
    const alice = await connectClient(server.host, { userId: aliceId });
    const bob = await user('bob');
    const sent = await alice.sendCallInvitation({ to: idOf(bob), roomName: 'r', callType: 'video_call', timeoutSeconds: 120 });
    const canceled = nextEvent(bob.onInvitationCanceled.bind(bob), () => true, GRACE_MS + 15_000);
    const closedAt = Date.now();
    alice.disconnect();
    const event = await canceled;
    expect(event).toMatchObject({ invitationId: sent.invitationId, reason: 'caller_disconnected' });
    expect(Date.now() - closedAt).toBeGreaterThanOrEqual(GRACE_MS - 1000);
  });

  it('a caller who comes back within the grace period keeps its invitations', async () => {
    const aliceId = uniqueUser('alice');
    const first = await connectClient(server.host, { userId: aliceId });
    const bob = await user('bob');
    const carol = await user('carol');
    await bob.subscribePresence([aliceId]);
    const sent = await first.sendCallInvitation({ to: idOf(bob), roomName: 'r', callType: 'video_call', timeoutSeconds: 120 });
    const gone = nextEvent(bob.onPresenceChanged.bind(bob), (info) => info.userId === aliceId && info.status === 'offline');
    first.disconnect();
    // Alice's inbox has seen her last connection close: the grace period runs until graceEnd at the latest.
    await gone;
    const graceEnd = Date.now() + GRACE_MS;
    const back = await user('alice', undefined, aliceId);
    expect(back.getState().outgoing.map((entry) => entry.invitationId)).toEqual([sent.invitationId]);

    // A call to Alice that nobody answers expires in her inbox after the grace period would have ended; by then
    // a cancel from that inbox would have reached Bob.
    const clock = await carol.sendCallInvitation({ to: aliceId, roomName: 'clock', callType: 'audio_call', timeoutSeconds: 5 });
    expect(clock.expiresAt).toBeGreaterThan(graceEnd);
    await nextEvent(back.onInvitationExpired.bind(back), (event) => event.invitationId === clock.invitationId, 15_000);
    expect(bob.getState().incoming.map((entry) => entry.invitationId)).toEqual([sent.invitationId]);
    expect(back.getState().outgoing.map((entry) => entry.invitationId)).toEqual([sent.invitationId]);
    await bob.acceptCallInvitation(sent.invitationId);
  });
});
