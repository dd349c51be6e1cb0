import { describe, expect, it } from 'vitest';
import { initialState, reduce, type StoreInput } from '../src/client/reducer.js';
import type { ClientState } from '../src/client/types.js';
import type { InviteeStatus, ReceivedInvitation, SendInvitationResult, SentInvitation, UserInfo } from '../src/protocol/types.js';

/** The client's reducer, on its own: no server, no socket, just what each input does to the store and the events. */

const me: UserInfo = { userId: 'alice', name: 'Alice', avatarUrl: null };
const bob: UserInfo = { userId: 'bob', name: 'Bob', avatarUrl: null };
const carol: UserInfo = { userId: 'carol', name: 'Carol', avatarUrl: null };

function received(invitationId: string, from: UserInfo = bob): ReceivedInvitation {
  return {
    invitationId,
    from: from.userId,
    fromUser: from,
    to: [me.userId],
    callType: 'video_call',
    roomName: `room-${invitationId}`,
    roomUrl: null,
    message: null,
    metadata: null,
    createdAt: 1_000,
    expiresAt: 46_000,
  };
}

function invitee(user: UserInfo, fields: Partial<InviteeStatus> = {}): InviteeStatus {
  return {
    userId: user.userId,
    user: { userId: user.userId, name: null, avatarUrl: null },
    delivered: false,
    state: 'pending',
    reason: null,
    message: null,
    ...fields,
  };
}

function sent(invitationId: string, invitees: InviteeStatus[] = [invitee(bob)]): SentInvitation {
  return {
    invitationId,
    from: me.userId,
    fromUser: me,
    to: invitees.map((each) => each.userId),
    callType: 'audio_call',
    roomName: `room-${invitationId}`,
    roomUrl: 'https://rooms.example/1',
    message: 'Hi',
    metadata: null,
    createdAt: 2_000,
    expiresAt: 47_000,
    invitees,
  };
}

function open(fields: Partial<ClientState> = {}): ClientState {
  return { ...initialState(me), connection: 'open', ...fields };
}

/** Applies inputs in turn, collecting every event. */
function run(state: ClientState, ...inputs: StoreInput[]) {
  const events: unknown[] = [];
  for (const input of inputs) {
    const transition = reduce(state, input);
    state = transition.state;
    events.push(...transition.events);
  }
  return { state, events };
}

/** Freezes a state all the way down, so a reducer that mutated its input would throw. */
function frozen<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) frozen(child);
  }
  return value;
}

describe('the initial state', () => {
  it('is connecting, with the user as given and nothing pending', () => {
    expect(initialState(me)).toEqual({
      connection: 'connecting',
      user: me,
      presence: 'online',
      incoming: [],
      outgoing: [],
      lastOutgoing: null,
      presenceOf: {},
      missedCalls: 0,
      clockOffset: 0,
    });
  });
});

describe('a snapshot', () => {
  const snapshot = (incoming: ReceivedInvitation[]): StoreInput => ({
    type: 'snapshot',
    user: { ...me, name: 'Alice From Token' },
    presence: 'busy',
    incoming,
    outgoing: [sent('out-1')],
    missedCalls: 3,
    serverTime: 123,
  });

  it('opens the connection and replaces what the server decides, keeping what only the client knows', () => {
    const before = frozen({
      ...initialState(me),
      connection: 'reconnecting' as const,
      lastOutgoing: sent('old', [invitee(bob, { state: 'declined' })]),
      presenceOf: { carol: { userId: 'carol', status: 'online' as const, lastSeen: 5 } },
      clockOffset: 40,
    });
    const { state } = reduce(before, snapshot([received('in-1')]));
    expect(state).toEqual({
      connection: 'open',
      user: { ...me, name: 'Alice From Token' },
      presence: 'busy',
      incoming: [received('in-1')],
      outgoing: [sent('out-1')],
      lastOutgoing: before.lastOutgoing,
      presenceOf: before.presenceOf,
      missedCalls: 3,
      clockOffset: 40,
    });
  });

  it('rings for invitations the client did not have yet, and only those', () => {
    const before = open({ incoming: [received('known')] });
    const { events } = reduce(before, snapshot([received('known'), received('new')]));
    expect(events).toEqual([['received', received('new')]]);
  });

  it('drops invitations that ended while the client was away', () => {
    const { state } = reduce(open({ incoming: [received('gone')], outgoing: [sent('gone-too')] }), snapshot([]));
    expect(state.incoming).toEqual([]);
    expect(state.outgoing).toEqual([sent('out-1')]);
  });
});

describe('incoming invitations', () => {
  it('are added once and ring each time the server delivers them', () => {
    const first = reduce(open(), { type: 'invitation.received', invitation: received('in-1') });
    expect(first.state.incoming).toEqual([received('in-1')]);
    expect(first.events).toEqual([['received', received('in-1')]]);
    const again = reduce(first.state, { type: 'invitation.received', invitation: received('in-1') });
    expect(again.state).toBe(first.state);
    expect(again.events).toEqual([['received', received('in-1')]]);
  });

  it('stay in the order they arrived', () => {
    const { state } = run(open(), { type: 'invitation.received', invitation: received('a') }, { type: 'invitation.received', invitation: received('b') });
    expect(state.incoming.map((invitation) => invitation.invitationId)).toEqual(['a', 'b']);
  });

  it('leave when the caller cancels', () => {
    const canceled = {
      invitationId: 'in-1',
      roomName: 'room-in-1',
      callType: 'video_call' as const,
      by: 'bob',
      userId: me.userId,
      reason: 'canceled' as const,
    };
    const { state, events } = reduce(open({ incoming: [received('in-1')] }), { type: 'invitation.canceled', ...canceled });
    expect(state.incoming).toEqual([]);
    expect(events).toEqual([['canceled', canceled]]);
  });

  it('leave when they ring out, as missed calls', () => {
    const expired = { invitationId: 'in-1', roomName: 'room-in-1', callType: 'video_call' as const, userId: me.userId, direction: 'incoming' as const };
    const { state, events } = reduce(open({ incoming: [received('in-1'), received('in-2')] }), { type: 'invitation.expired', ...expired });
    expect(state.incoming).toEqual([received('in-2')]);
    expect(events).toEqual([['expired', expired]]);
  });

  it('leave when another device answers', () => {
    const { state, events } = reduce(open({ incoming: [received('in-1')] }), {
      type: 'invitation.answered_elsewhere',
      invitationId: 'in-1',
      outcome: 'declined',
    });
    expect(state.incoming).toEqual([]);
    expect(events).toEqual([['answeredElsewhere', { invitationId: 'in-1', outcome: 'declined' }]]);
  });

  it('leave once this device answered, whatever the answer was', () => {
    const { state, events } = reduce(open({ incoming: [received('in-1')] }), { type: 'answer.sent', invitationId: 'in-1' });
    expect(state.incoming).toEqual([]);
    expect(events).toEqual([]);
  });

  it('ignore answers to invitations the store does not hold', () => {
    const before = open({ incoming: [received('in-1')] });
    expect(reduce(before, { type: 'answer.sent', invitationId: 'other' }).state).toBe(before);
    expect(reduce(before, { type: 'invitation.answered_elsewhere', invitationId: 'other', outcome: 'accepted' }).state).toBe(before);
  });
});

describe('outgoing invitations', () => {
  const answered = (invitationId: string, by: UserInfo) => ({
    invitationId,
    roomName: `room-${invitationId}`,
    roomUrl: 'https://rooms.example/1',
    callType: 'audio_call' as const,
    by: by.userId,
    byUser: by,
  });

  it("arrive from the sender's other devices", () => {
    const { state, events } = reduce(open(), { type: 'invitation.sent', invitation: sent('out-1') });
    expect(state.outgoing).toEqual([sent('out-1')]);
    expect(events).toEqual([]);
  });

  it('show delivery per invitee, and report it', () => {
    const { state, events } = reduce(open({ outgoing: [sent('out-1', [invitee(bob), invitee(carol)])] }), {
      type: 'invitation.delivered',
      invitationId: 'out-1',
      userId: 'carol',
    });
    expect(state.outgoing[0]!.invitees.map((each) => each.delivered)).toEqual([false, true]);
    expect(events).toEqual([['delivered', { invitationId: 'out-1', userId: 'carol' }]]);
  });

  it('move to lastOutgoing with the final state when the invitee accepts, who is then known by name', () => {
    const { state, events } = reduce(open({ outgoing: [sent('out-1')] }), { type: 'invitation.accepted', ...answered('out-1', bob) });
    expect(state.outgoing).toEqual([]);
    expect(state.lastOutgoing).toEqual(sent('out-1', [invitee(bob, { user: bob, state: 'accepted', delivered: true })]));
    expect(events).toEqual([['accepted', answered('out-1', bob)]]);
  });

  it('keep a meeting pending while anyone may still answer, then settle it with every answer', () => {
    const meeting = sent('out-1', [invitee(bob, { delivered: true }), invitee(carol, { delivered: true })]);
    const declined = { ...answered('out-1', bob), reason: 'busy' as const, message: 'In a call' };
    const afterBob = reduce(open({ outgoing: [meeting] }), { type: 'invitation.declined', ...declined });
    expect(afterBob.state.outgoing[0]!.invitees[0]).toEqual(
      invitee(bob, { user: bob, delivered: true, state: 'declined', reason: 'busy', message: 'In a call' }),
    );
    expect(afterBob.state.lastOutgoing).toBeNull();
    expect(afterBob.events).toEqual([['declined', declined]]);

    const expired = { invitationId: 'out-1', roomName: 'room-out-1', callType: 'audio_call' as const, userId: 'carol', direction: 'outgoing' as const };
    const afterCarol = reduce(afterBob.state, { type: 'invitation.expired', ...expired });
    expect(afterCarol.state.outgoing).toEqual([]);
    expect(afterCarol.state.lastOutgoing!.invitees.map((each) => [each.userId, each.state, each.reason])).toEqual([
      ['bob', 'declined', 'busy'],
      ['carol', 'expired', null],
    ]);
    expect(afterCarol.events).toEqual([['expired', expired]]);
  });

  it('record a cancel with its reason', () => {
    const canceled = { invitationId: 'out-1', roomName: 'room-out-1', callType: 'audio_call' as const, by: me.userId, userId: 'bob', reason: 'glare' as const };
    const { state, events } = reduce(open({ outgoing: [sent('out-1')] }), { type: 'invitation.canceled', ...canceled });
    expect(state.lastOutgoing!.invitees[0]).toMatchObject({ state: 'canceled', reason: 'glare' });
    expect(events).toEqual([['canceled', canceled]]);
  });

  it('keep their order when one of them changes', () => {
    const before = open({ outgoing: [sent('a'), sent('b'), sent('c')] });
    const { state } = reduce(before, { type: 'invitation.delivered', invitationId: 'b', userId: 'bob' });
    expect(state.outgoing.map((invitation) => invitation.invitationId)).toEqual(['a', 'b', 'c']);
  });

  it('ignore news of invitations and invitees the store does not hold, but still report them', () => {
    const before = open({ outgoing: [sent('out-1')] });
    const unknown = reduce(before, { type: 'invitation.accepted', ...answered('other', bob) });
    expect(unknown.state).toBe(before);
    expect(unknown.events).toEqual([['accepted', answered('other', bob)]]);
    expect(reduce(before, { type: 'invitation.delivered', invitationId: 'out-1', userId: 'carol' }).state).toBe(before);
  });
});

describe('the answer to an invitation this client sent', () => {
  const result = (fields: Partial<SendInvitationResult> = {}): SendInvitationResult => ({
    invitationId: 'out-1',
    roomName: 'room-out-1',
    roomUrl: 'https://rooms.example/1',
    callType: 'audio_call',
    createdAt: 2_000,
    expiresAt: 47_000,
    invitees: [invitee(bob, { user: bob, delivered: true })],
    ...fields,
  });

  it('adds a pending invitation, with the message and metadata it was sent with', () => {
    const { state, events } = reduce(open(), { type: 'invite.answered', request: { message: 'Hi', metadata: { topic: 'x' } }, result: result() });
    expect(state.outgoing).toEqual([{ ...sent('out-1', [invitee(bob, { user: bob, delivered: true })]), metadata: { topic: 'x' } }]);
    expect(events).toEqual([]);
  });

  it('keeps what the store knew of an equal invitation returned as existing, with the invitees as the server has them', () => {
    const known = sent('out-1');
    const { state } = reduce(open({ outgoing: [known] }), {
      type: 'invite.answered',
      request: { message: 'other words' },
      result: { ...result(), existing: true },
    });
    expect(state.outgoing).toEqual([{ ...known, invitees: result().invitees }]);
  });

  it('settles at once when every invitee answered before the result (a busy callee)', () => {
    const busy = result({ invitees: [invitee(bob, { user: bob, state: 'declined', reason: 'busy' })] });
    const { state, events } = reduce(open(), { type: 'invite.answered', request: {}, result: busy });
    expect(state.outgoing).toEqual([]);
    expect(state.lastOutgoing).toMatchObject({ invitationId: 'out-1', invitees: busy.invitees, message: null });
    expect(events).toEqual([]);
  });

  it("joins the callee's crossing call (glare): it stops ringing, settles as accepted and is reported once", () => {
    const theirs = received('theirs', bob);
    const joined = result({
      invitationId: 'theirs',
      roomName: 'room-theirs',
      roomUrl: null,
      callType: 'video_call',
      invitees: [invitee(bob, { user: bob, delivered: true, state: 'accepted' })],
      joined: true,
      peer: bob,
    });
    const { state, events } = reduce(open({ incoming: [theirs] }), { type: 'invite.answered', request: { message: 'Hi' }, result: joined });
    expect(state.incoming).toEqual([]);
    expect(state.outgoing).toEqual([]);
    expect(state.lastOutgoing).toMatchObject({ invitationId: 'theirs', roomName: 'room-theirs', invitees: joined.invitees });
    expect(events).toEqual([
      ['accepted', { invitationId: 'theirs', roomName: 'room-theirs', roomUrl: null, callType: 'video_call', by: 'bob', byUser: bob, joined: true }],
    ]);
  });

  it('tells the winner of a glare through an accepted frame marked joined', () => {
    const frame = { invitationId: 'out-1', roomName: 'room-out-1', roomUrl: null, callType: 'audio_call' as const, by: 'bob', byUser: bob, joined: true };
    const { state, events } = reduce(open({ outgoing: [sent('out-1')] }), { type: 'invitation.accepted', ...frame });
    expect(state.lastOutgoing!.invitees[0]!.state).toBe('accepted');
    expect(events).toEqual([['accepted', frame]]);
  });
});

describe('presence', () => {
  it('of other users is remembered from reads and pushes', () => {
    const read = reduce(open(), { type: 'presence.read', presence: [{ userId: 'bob', status: 'online', lastSeen: 1 }] });
    expect(read.state.presenceOf).toEqual({ bob: { userId: 'bob', status: 'online', lastSeen: 1 } });
    expect(read.events).toEqual([]);
    const pushed = reduce(read.state, { type: 'presence.changed', userId: 'bob', status: 'busy', lastSeen: 2 });
    expect(pushed.state.presenceOf['bob']).toEqual({ userId: 'bob', status: 'busy', lastSeen: 2 });
    expect(pushed.events).toEqual([['presence', { userId: 'bob', status: 'busy', lastSeen: 2 }]]);
  });

  it('of this user follows its other devices and its own requests', () => {
    const pushed = reduce(open(), { type: 'presence.changed', userId: me.userId, status: 'busy', lastSeen: 3 });
    expect(pushed.state.presence).toBe('busy');
    expect(pushed.state.presenceOf).toEqual({});
    expect(pushed.events).toEqual([['presence', { userId: me.userId, status: 'busy', lastSeen: 3 }]]);
    expect(reduce(pushed.state, { type: 'presence.set', status: 'online' }).state.presence).toBe('online');
  });

  it('changes nothing when it is already so', () => {
    const before = open({ presence: 'busy' });
    expect(reduce(before, { type: 'presence.set', status: 'busy' }).state).toBe(before);
    expect(reduce(before, { type: 'presence.read', presence: [] }).state).toBe(before);
  });
});

describe('missed calls, the connection and the clock', () => {
  it('report a new missed-call count, and only a new one', () => {
    const changed = reduce(open({ missedCalls: 1 }), { type: 'missed_calls.changed', missedCalls: 0 });
    expect(changed.state.missedCalls).toBe(0);
    expect(changed.events).toEqual([['missedCalls', 0]]);
    const same = reduce(changed.state, { type: 'missed_calls.changed', missedCalls: 0 });
    expect(same.state).toBe(changed.state);
    expect(same.events).toEqual([]);
  });

  it('take the connection status and the clock as measured, quietly', () => {
    const { state, events } = run(open(), { type: 'connection', connection: 'reconnecting' }, { type: 'clock', clockOffset: -25 });
    expect(state).toMatchObject({ connection: 'reconnecting', clockOffset: -25 });
    expect(events).toEqual([]);
    expect(reduce(state, { type: 'connection', connection: 'reconnecting' }).state).toBe(state);
    expect(reduce(state, { type: 'clock', clockOffset: -25 }).state).toBe(state);
  });
});

describe('the reducer', () => {
  it('never changes the state it is given', () => {
    const before = frozen(
      open({
        incoming: [received('in-1')],
        outgoing: [sent('out-1', [invitee(bob), invitee(carol)])],
        presenceOf: { bob: { userId: 'bob', status: 'online', lastSeen: 1 } },
      }),
    );
    const copy = structuredClone(before);
    const inputs: StoreInput[] = [
      { type: 'invitation.delivered', invitationId: 'out-1', userId: 'bob' },
      { type: 'invitation.accepted', invitationId: 'out-1', roomName: 'r', roomUrl: null, callType: 'audio_call', by: 'bob', byUser: bob },
      { type: 'invitation.canceled', invitationId: 'in-1', roomName: 'r', callType: 'video_call', by: 'bob', userId: me.userId, reason: 'canceled' },
      { type: 'presence.changed', userId: 'bob', status: 'offline', lastSeen: 9 },
      { type: 'answer.sent', invitationId: 'in-1' },
      { type: 'missed_calls.changed', missedCalls: 4 },
    ];
    for (const input of inputs) expect(() => reduce(before, input)).not.toThrow();
    expect(before).toEqual(copy);
  });
});
