import type { ServerFrame } from '../protocol/frames.js';
import type { InviteeStatus, PresenceInfo, SendInvitationResult, SentInvitation, UserInfo } from '../protocol/types.js';
import type { ClientEvent } from './events.js';
import type { CallParticipant, RoomEndedEvent, RoomState } from './room-types.js';
import type { ClientState, ConnectionStatus, SendCallInvitationOptions } from './types.js';

/** What the server pushes: every frame but the answers to requests. */
export type ServerEvent = Exclude<ServerFrame, { type: 'result' } | { type: 'error' }>;

/** What the client did or saw itself. A snapshot frame, not one of these, means the connection is open. */
export type LocalEvent =
  | { type: 'connection'; connection: ConnectionStatus }
  | { type: 'clock'; clockOffset: number }
  /** The server answered an invitation this client sent. */
  | { type: 'invite.answered'; request: Pick<SendCallInvitationOptions, 'message' | 'metadata'>; result: SendInvitationResult }
  /** This device accepted or declined an invitation, or tried to: whatever the answer, it stops ringing here. */
  | { type: 'answer.sent'; invitationId: string }
  /** Presence the client asked for or subscribed to. */
  | { type: 'presence.read'; presence: PresenceInfo[] }
  /** The server took this user's new presence. */
  | { type: 'presence.set'; status: 'online' | 'busy' }
  /**
   * The media layer's view of the call (it consumes the server's room.* frames and the peer connections): the
   * whole room, or null once left. `left` names why participants went; `ended` is set when the call ended.
   */
  | { type: 'room.state'; room: RoomState | null; left?: Record<string, 'left' | 'disconnected' | 'room_ended'>; ended?: RoomEndedEvent };

export type StoreInput = ServerEvent | LocalEvent;

/** The store after one input, and the `on…` events that input raises. */
export interface Transition {
  state: ClientState;
  events: ClientEvent[];
}

/** The store of a client that has not heard from the server yet. */
export function initialState(user: UserInfo): ClientState {
  return {
    connection: 'connecting',
    user,
    presence: 'online',
    incoming: [],
    outgoing: [],
    lastOutgoing: null,
    presenceOf: {},
    missedCalls: 0,
    clockOffset: 0,
    room: null,
  };
}

/**
 * The one place a client's store changes: BaxCloudClient feeds it what the socket brings, the in-memory test
 * client what its simulated server sends, so both keep the same store and report the same events. Pure: the
 * state it returns is a new object only when something changed.
 */
export function reduce(state: ClientState, input: StoreInput): Transition {
  switch (input.type) {
    case 'snapshot': {
      const known = new Set(state.incoming.map((invitation) => invitation.invitationId));
      const { user, presence, incoming, outgoing, missedCalls } = input;
      return {
        state: { ...state, connection: 'open', user, presence, incoming, outgoing, missedCalls },
        // Invitations that arrived while the client was away ring now.
        events: incoming.filter((invitation) => !known.has(invitation.invitationId)).map((invitation) => ['received', invitation]),
      };
    }
    case 'invitation.received': {
      const known = state.incoming.some((invitation) => invitation.invitationId === input.invitation.invitationId);
      return { state: known ? state : { ...state, incoming: [...state.incoming, input.invitation] }, events: [['received', input.invitation]] };
    }
    case 'invitation.sent':
      return quiet(withOutgoing(state, input.invitation));
    case 'invitation.delivered': {
      const { type: _type, ...event } = input;
      return { state: patchInvitee(state, event.invitationId, event.userId, { delivered: true }), events: [['delivered', event]] };
    }
    case 'invitation.accepted': {
      const { type: _type, ...event } = input;
      const patch = { state: 'accepted', delivered: true, user: event.byUser } as const;
      return { state: patchInvitee(withoutIncoming(state, event.invitationId), event.invitationId, event.by, patch), events: [['accepted', event]] };
    }
    case 'invitation.declined': {
      const { type: _type, ...event } = input;
      const patch = { state: 'declined', reason: event.reason, message: event.message, user: event.byUser } as const;
      return { state: patchInvitee(state, event.invitationId, event.by, patch), events: [['declined', event]] };
    }
    case 'invitation.canceled': {
      const { type: _type, ...event } = input;
      // On the invitee's side the canceled invitee is this user; on the sender's side, one of its invitees.
      const next =
        event.userId === state.user.userId
          ? withoutIncoming(state, event.invitationId)
          : patchInvitee(state, event.invitationId, event.userId, { state: 'canceled', reason: event.reason });
      return { state: next, events: [['canceled', event]] };
    }
    case 'invitation.expired': {
      const { type: _type, ...event } = input;
      const next =
        event.direction === 'incoming'
          ? withoutIncoming(state, event.invitationId)
          : patchInvitee(state, event.invitationId, event.userId, { state: 'expired' });
      return { state: next, events: [['expired', event]] };
    }
    case 'invitation.answered_elsewhere': {
      const { type: _type, ...event } = input;
      return { state: withoutIncoming(state, event.invitationId), events: [['answeredElsewhere', event]] };
    }
    case 'presence.changed': {
      const { type: _type, ...info } = input;
      const own = info.userId === state.user.userId && info.status !== 'offline';
      return { state: own ? withPresence(state, info.status as 'online' | 'busy') : withPresenceOf(state, [info]), events: [['presence', info]] };
    }
    case 'missed_calls.changed':
      if (input.missedCalls === state.missedCalls) return quiet(state);
      return { state: { ...state, missedCalls: input.missedCalls }, events: [['missedCalls', input.missedCalls]] };
    case 'connection':
      return quiet(input.connection === state.connection ? state : { ...state, connection: input.connection });
    case 'clock':
      return quiet(input.clockOffset === state.clockOffset ? state : { ...state, clockOffset: input.clockOffset });
    case 'invite.answered':
      return inviteAnswered(state, input.request, input.result);
    case 'answer.sent':
      return quiet(withoutIncoming(state, input.invitationId));
    case 'presence.read':
      return quiet(withPresenceOf(state, input.presence));
    case 'presence.set':
      return quiet(withPresence(state, input.status));
    case 'room.participant_joined':
    case 'room.participant_updated':
    case 'room.participant_left':
    case 'room.signal':
    case 'room.ended':
      // The media layer consumes room frames and reports the room through `room.state`.
      return quiet(state);
    case 'room.state':
      return roomChanged(state, input.room, input.left ?? {}, input.ended);
  }
}

/** Replaces the room and reports who joined, changed and left since the last room state, and the end of the call. */
function roomChanged(state: ClientState, room: RoomState | null, left: Record<string, 'left' | 'disconnected' | 'room_ended'>, ended: RoomEndedEvent | undefined): Transition {
  const before = state.room;
  const events: ClientEvent[] = [];
  const roomName = room?.roomName ?? before?.roomName ?? '';
  const previous = new Map((before?.roomName === room?.roomName ? before?.participants : [])?.map((participant) => [participant.participantId, participant]));
  for (const participant of room?.participants ?? []) {
    const was = previous.get(participant.participantId);
    if (!was) events.push(['participantJoined', { roomName, participant }]);
    else if (participantChanged(was, participant)) events.push(['participantUpdated', { roomName, participant }]);
    previous.delete(participant.participantId);
  }
  for (const gone of previous.values()) {
    events.push(['participantLeft', { roomName, participantId: gone.participantId, userId: gone.userId, reason: left[gone.participantId] ?? 'left' }]);
  }
  if (ended) events.push(['roomEnded', ended]);
  if (room === before) return { state, events };
  return { state: { ...state, room }, events };
}

/** What `onParticipantUpdated` reports: media, connection and stream changes, not speaking or quality ticks. */
function participantChanged(was: CallParticipant, now: CallParticipant): boolean {
  return (
    was.camera !== now.camera ||
    was.microphone !== now.microphone ||
    was.screen !== now.screen ||
    was.connection !== now.connection ||
    was.stream !== now.stream ||
    was.role !== now.role
  );
}

function quiet(state: ClientState): Transition {
  return { state, events: [] };
}

function inviteAnswered(state: ClientState, request: Pick<SendCallInvitationOptions, 'message' | 'metadata'>, result: SendInvitationResult): Transition {
  // An equal invitation still pending comes back as it is (`existing`); a new one is described by the result.
  const known = state.outgoing.find((sent) => sent.invitationId === result.invitationId);
  const invitation: SentInvitation = {
    ...(known ?? {
      invitationId: result.invitationId,
      from: state.user.userId,
      fromUser: state.user,
      to: result.invitees.map((invitee) => invitee.userId),
      callType: result.callType,
      roomName: result.roomName,
      roomUrl: result.roomUrl,
      message: request.message ?? null,
      metadata: request.metadata ?? null,
      createdAt: result.createdAt,
      expiresAt: result.expiresAt,
    }),
    invitees: result.invitees,
  };
  if (!result.joined) return quiet(withOutgoing(state, invitation));
  // The callee was calling us too (glare): we are in their call now, and it no longer rings here. `by` names
  // the peer, as on their side.
  const peer = result.invitees[0]!;
  const { invitationId, roomName, roomUrl, callType } = result;
  return {
    state: withOutgoing(withoutIncoming(state, invitationId), invitation),
    events: [['accepted', { invitationId, roomName, roomUrl, callType, by: peer.userId, byUser: result.peer ?? peer.user, joined: true }]],
  };
}

function withoutIncoming(state: ClientState, invitationId: string): ClientState {
  const incoming = state.incoming.filter((invitation) => invitation.invitationId !== invitationId);
  return incoming.length === state.incoming.length ? state : { ...state, incoming };
}

/** Puts an outgoing invitation in its place; once nobody is pending, it moves to `lastOutgoing`. */
function withOutgoing(state: ClientState, invitation: SentInvitation): ClientState {
  const others = state.outgoing.filter((sent) => sent.invitationId !== invitation.invitationId);
  if (!invitation.invitees.some((invitee) => invitee.state === 'pending')) return { ...state, outgoing: others, lastOutgoing: invitation };
  if (others.length === state.outgoing.length) return { ...state, outgoing: [...others, invitation] };
  return { ...state, outgoing: state.outgoing.map((sent) => (sent.invitationId === invitation.invitationId ? invitation : sent)) };
}

/** Updates one invitee of a pending outgoing invitation; unknown invitations and invitees change nothing. */
function patchInvitee(state: ClientState, invitationId: string, userId: string, patch: Partial<InviteeStatus>): ClientState {
  const invitation = state.outgoing.find((sent) => sent.invitationId === invitationId);
  if (!invitation?.invitees.some((invitee) => invitee.userId === userId)) return state;
  const invitees = invitation.invitees.map((invitee) => (invitee.userId === userId ? { ...invitee, ...patch } : invitee));
  return withOutgoing(state, { ...invitation, invitees });
}

function withPresence(state: ClientState, presence: 'online' | 'busy'): ClientState {
  return presence === state.presence ? state : { ...state, presence };
}

function withPresenceOf(state: ClientState, list: PresenceInfo[]): ClientState {
  if (list.length === 0) return state;
  const presenceOf = { ...state.presenceOf };
  for (const info of list) presenceOf[info.userId] = info;
  return { ...state, presenceOf };
}
