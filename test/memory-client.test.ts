import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BaxCloudClient } from '../src/client/client.js';
import { BaxCloudError } from '../src/client/errors.js';
import type { CallClient, ClientState } from '../src/client/types.js';
import { MemoryCallClient, type MemoryCallClientOptions } from '../src/elements/testing/memory-client.js';
import type { UserInfo } from '../src/protocol/types.js';
import { connectClient, nextEvent, recordEvents, uniqueUser, waitForState } from './support/clients.js';
import { startServer, type RunningServer } from './support/server.js';

/**
 * The in-memory test client beside the real one: the same steps, taken through a MemoryCallClient and through a
 * BaxCloudClient on the real server, give the same results, errors, events and store, so element tests and
 * stories see what apps will see.
 */

let server: RunningServer;
const open: BaxCloudClient[] = [];

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.stop();
});
afterEach(() => {
  for (const client of open.splice(0)) client.disconnect();
});

const ALICE: UserInfo = { userId: 'alice', name: 'Alice', avatarUrl: null };
const BOB: UserInfo = { userId: 'bob', name: 'Bob', avatarUrl: null };

/** Alice and Bob on the real server, with fresh user ids. */
async function realPair() {
  const [aliceId, bobId] = [uniqueUser('alice'), uniqueUser('bob')];
  const alice = await connectClient(server.host, { userId: aliceId, name: 'Alice' });
  const bob = await connectClient(server.host, { userId: bobId, name: 'Bob' });
  open.push(alice, bob);
  return {
    alice,
    bob,
    aliceId,
    bobId,
    events: recordEvents(alice),
    ids: new Map([
      [aliceId, 'alice'],
      [bobId, 'bob'],
    ]),
  };
}

/** Alice on a memory client that simulates Bob. */
function memoryAlice(options: MemoryCallClientOptions = {}) {
  const alice = new MemoryCallClient({ user: ALICE, people: [BOB], presenceOf: { bob: 'online' }, ...options });
  return { alice, aliceId: 'alice', bobId: 'bob', events: recordEvents(alice), ids: new Map<string, string>() };
}

/** The error code and message a request was refused with. */
async function refusal(request: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await request;
  } catch (error) {
    if (error instanceof BaxCloudError) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected the request to be refused');
}

/** The part of the store both sides must agree on. */
function store(client: CallClient): Partial<ClientState> {
  const { connection, presence, incoming, outgoing, lastOutgoing, missedCalls } = client.getState();
  return { connection, presence, incoming, outgoing, lastOutgoing, missedCalls };
}

const CLOCK_READINGS = new Set(['createdAt', 'expiresAt', 'endedAt', 'lastSeen', 'serverTime', 'nextBefore']);

/** Makes a log comparable: user ids become the users' names, invitation ids their order of appearance, clock readings go. */
function comparable(log: unknown, ids: Map<string, string>): unknown {
  const invitations = new Map<string, string>();
  const walk = (value: unknown, key?: string): unknown => {
    if (typeof value === 'string') {
      if (key === 'invitationId' && !invitations.has(value)) invitations.set(value, `invitation-${invitations.size + 1}`);
      return invitations.get(value) ?? ids.get(value) ?? value;
    }
    if (Array.isArray(value)) return value.map((item) => walk(item));
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value)
          .filter(([name]) => !CLOCK_READINGS.has(name))
          .map(([name, item]) => [name, walk(item, name)]),
      );
    }
    return value;
  };
  return walk(log);
}

/** Runs one scenario on both sides and compares what Alice saw. */
async function same(real: () => Promise<{ log: unknown; ids: Map<string, string> }>, memory: () => Promise<{ log: unknown; ids: Map<string, string> }>) {
  const fromServer = await real();
  const fromMemory = await memory();
  expect(comparable(fromMemory.log, fromMemory.ids)).toEqual(comparable(fromServer.log, fromServer.ids));
  return comparable(fromServer.log, fromServer.ids);
}

describe('the memory client answers as the server does', () => {
  it('when the callee accepts', async () => {
    const log = await same(
      async () => {
        const { alice, bob, bobId, events, ids } = await realPair();
        const ringing = nextEvent(bob.onInvitationReceived.bind(bob));
        const result = await alice.sendCallInvitation({ to: bobId, roomName: 'r1', callType: 'audio_call', message: 'Hi' });
        await bob.acceptCallInvitation((await ringing).invitationId);
        await waitForState(alice, (state) => state.lastOutgoing !== null);
        return { log: { result, events, store: store(alice) }, ids };
      },
      async () => {
        const { alice, bobId, events, ids } = memoryAlice({ answer: () => ({ outcome: 'accepted' }) });
        const result = await alice.sendCallInvitation({ to: bobId, roomName: 'r1', callType: 'audio_call', message: 'Hi' });
        await waitForState(alice, (state) => state.lastOutgoing !== null);
        return { log: { result, events, store: store(alice) }, ids };
      },
    );
    expect(log).toMatchObject({
      events: [
        ['onInvitationDelivered', {}],
        ['onInvitationAccepted', { by: 'bob' }],
      ],
    });
  });

  it('when the callee declines with a message, in the events and the history', async () => {
    await same(
      async () => {
        const { alice, bob, bobId, events, ids } = await realPair();
        const ringing = nextEvent(bob.onInvitationReceived.bind(bob));
        const result = await alice.sendCallInvitation({ to: bobId, roomName: 'r2', callType: 'video_call', message: 'Now?' });
        await bob.declineCallInvitation((await ringing).invitationId, { message: 'Later' });
        await waitForState(alice, (state) => state.lastOutgoing !== null);
        return { log: { result, events, store: store(alice), history: await alice.getCallHistory() }, ids };
      },
      async () => {
        const { alice, bobId, events, ids } = memoryAlice({ answer: () => ({ outcome: 'declined', message: 'Later' }) });
        const result = await alice.sendCallInvitation({ to: bobId, roomName: 'r2', callType: 'video_call', message: 'Now?' });
        await waitForState(alice, (state) => state.lastOutgoing !== null);
        return { log: { result, events, store: store(alice), history: await alice.getCallHistory() }, ids };
      },
    );
  });

  it('when the callee is busy: declined at once, before the send returns', async () => {
    await same(
      async () => {
        const { alice, bob, bobId, events, ids } = await realPair();
        await bob.setPresence('busy');
        const result = await alice.sendCallInvitation({ to: bobId, roomName: 'r3', callType: 'video_call' });
        return { log: { result, events, store: store(alice) }, ids };
      },
      async () => {
        const { alice, bobId, events, ids } = memoryAlice({ presenceOf: { bob: 'busy' } });
        const result = await alice.sendCallInvitation({ to: bobId, roomName: 'r3', callType: 'video_call' });
        return { log: { result, events, store: store(alice) }, ids };
      },
    );
  });

  it('when the caller cancels, and for requests the server refuses', async () => {
    const steps = async (alice: CallClient, aliceId: string, bobId: string) => {
      const sent = await alice.sendCallInvitation({ to: bobId, roomName: 'r4', callType: 'video_call' });
      return {
        canceled: await alice.cancelCallInvitation(sent.invitationId),
        again: await refusal(alice.cancelCallInvitation(sent.invitationId)),
        unknown: await refusal(alice.cancelCallInvitation('no-such-invitation')),
        acceptOwn: await refusal(alice.acceptCallInvitation(sent.invitationId)),
        declineUnknown: await refusal(alice.declineCallInvitation('no-such-invitation')),
        inviteSelf: await refusal(alice.sendCallInvitation({ to: aliceId, roomName: 'r4', callType: 'video_call' })),
        badRoom: await refusal(alice.sendCallInvitation({ to: bobId, roomName: '', callType: 'video_call' })),
      };
    };
    const log = await same(
      async () => {
        const { alice, aliceId, bobId, events, ids } = await realPair();
        return { log: { steps: await steps(alice, aliceId, bobId), events, store: store(alice) }, ids };
      },
      async () => {
        const { alice, aliceId, bobId, events, ids } = memoryAlice();
        return { log: { steps: await steps(alice, aliceId, bobId), events, store: store(alice) }, ids };
      },
    );
    expect(log).toMatchObject({ steps: { again: { code: 'not_pending' }, unknown: { code: 'not_found' }, acceptOwn: { code: 'forbidden' } } });
  });

  it('when a call comes in and is answered, and answered again', async () => {
    const steps = async (alice: CallClient, invitationId: string) => ({
      accepted: await alice.acceptCallInvitation(invitationId),
      again: await refusal(alice.acceptCallInvitation(invitationId)),
      cancelTheirs: await refusal(alice.cancelCallInvitation(invitationId)),
    });
    await same(
      async () => {
        const { alice, bob, aliceId, events, ids } = await realPair();
        const ringing = nextEvent(alice.onInvitationReceived.bind(alice));
        await bob.sendCallInvitation({ to: aliceId, roomName: 'r5', callType: 'audio_call' });
        return { log: { steps: await steps(alice, (await ringing).invitationId), events, store: store(alice) }, ids };
      },
      async () => {
        const { alice, events, ids } = memoryAlice();
        const invitation = alice.simulateIncoming(BOB, { roomName: 'r5', callType: 'audio_call' });
        return { log: { steps: await steps(alice, invitation.invitationId), events, store: store(alice) }, ids };
      },
    );
  });

  it('when the caller cancels a call coming in', async () => {
    await same(
      async () => {
        const { alice, bob, aliceId, events, ids } = await realPair();
        const ringing = nextEvent(alice.onInvitationReceived.bind(alice));
        const sent = await bob.sendCallInvitation({ to: aliceId, roomName: 'r6', callType: 'video_call' });
        await ringing;
        const canceled = nextEvent(alice.onInvitationCanceled.bind(alice));
        await bob.cancelCallInvitation(sent.invitationId);
        await canceled;
        return { log: { decline: await refusal(alice.declineCallInvitation(sent.invitationId)), events, store: store(alice) }, ids };
      },
      async () => {
        const { alice, events, ids } = memoryAlice();
        const invitation = alice.simulateIncoming(BOB, { roomName: 'r6' });
        alice.simulateIncomingCanceled(invitation.invitationId);
        return { log: { decline: await refusal(alice.declineCallInvitation(invitation.invitationId)), events, store: store(alice) }, ids };
      },
    );
  });

  it('when the caller is calling already (glare): the send joins their call', async () => {
    const log = await same(
      async () => {
        const { alice, bob, aliceId, bobId, events, ids } = await realPair();
        const ringing = nextEvent(alice.onInvitationReceived.bind(alice));
        await bob.sendCallInvitation({ to: aliceId, roomName: 'theirs', callType: 'video_call' });
        await ringing;
        const result = await alice.sendCallInvitation({ to: bobId, roomName: 'ours', callType: 'video_call' });
        return { log: { result, events, store: store(alice) }, ids };
      },
      async () => {
        const { alice, bobId, events, ids } = memoryAlice();
        alice.simulateIncoming(BOB, { roomName: 'theirs' });
        const result = await alice.sendCallInvitation({ to: bobId, roomName: 'ours', callType: 'video_call' });
        return { log: { result, events, store: store(alice) }, ids };
      },
    );
    expect(log).toMatchObject({
      result: { joined: true, roomName: 'theirs' },
      events: [
        ['onInvitationReceived', {}],
        ['onInvitationAccepted', { joined: true }],
      ],
    });
  });

  it('for presence and the missed-call count', async () => {
    const steps = async (alice: CallClient, aliceId: string, bobId: string) => ({
      busy: await alice.setPresence('busy'),
      subscribed: await alice.subscribePresence([bobId, aliceId, bobId]),
      read: await alice.getPresence([aliceId, bobId]),
      seen: await alice.markMissedCallsSeen(),
    });
    await same(
      async () => {
        const { alice, aliceId, bobId, events, ids } = await realPair();
        return { log: { steps: await steps(alice, aliceId, bobId), events, store: store(alice) }, ids };
      },
      async () => {
        const { alice, aliceId, bobId, events, ids } = memoryAlice();
        return { log: { steps: await steps(alice, aliceId, bobId), events, store: store(alice) }, ids };
      },
    );
  });
});
