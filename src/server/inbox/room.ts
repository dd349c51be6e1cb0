// The inbox's side of calls: admission from this user's own invitations and token grants, the requests of this
// user's devices to a room's CallRoom (src/server/room/), and what the rooms tell this user.
import type { ClientFrame } from '../../protocol/frames.js';
import { SYSTEM_USER_ID } from '../../protocol/limits.js';
import type { RoomGrants, RoomJoinResult, RoomParticipant } from '../../protocol/room.js';
import type { CallType } from '../../protocol/types.js';
import { callSettingsOf, projectsFrom } from '../config.js';
import { callRoom } from '../room/call-room.js';
import { iceServersFor } from '../room/turn.js';
import type { Admission, RoomDelivery, RoomNotice } from '../room/types.js';
import type { Inbox, Requester } from './inbox.js';
import { presenceUpdated } from './presence.js';
import { RequestError } from './request-error.js';
import type { RoomDeviceRow } from './rows.js';

/** Header the Worker sets with the token's room grants (JSON `ConnectionGrants`), after verifying the token. */
export const ROOM_GRANTS_HEADER = 'x-bax-rooms';

/** A connection's room grants, from its token: roles by room name, and when the token was minted. */
export interface ConnectionGrants {
  rooms: RoomGrants;
  grantedAt: number;
}

export type RoomFrame = Extract<ClientFrame, { type: 'room.join' | 'room.leave' | 'room.signal' | 'room.media' }>;

/** A device asking over a socket, with the grants its token carried. */
export interface RoomRequester extends Requester {
  grants: ConnectionGrants | null;
}

export function handleRoomFrame(inbox: Inbox, requester: RoomRequester, frame: RoomFrame): Promise<unknown> {
  switch (frame.type) {
    case 'room.join':
      return joinRoom(inbox, requester, frame);
    case 'room.leave':
      return leaveRoom(inbox, requester, frame.roomName);
    case 'room.signal':
      return relaySignal(inbox, requester, frame);
    case 'room.media':
      return setMedia(inbox, requester, frame);
  }
}

/** Every reason this user may join the room: a token grant, invitations sent or accepted naming it. */
function admissionsFor(inbox: Inbox, roomName: string, grants: ConnectionGrants | null, now: number): Admission[] {
  const admissions: Admission[] = [];
  if (grants && Object.hasOwn(grants.rooms, roomName)) admissions.push({ source: 'grant', role: grants.rooms[roomName]!, grantedAt: grants.grantedAt });
  for (const row of inbox.store.sentNamingRoom(roomName, now)) {
    const accepted = JSON.parse(row.accepted) as string[];
    const callType = row.call_type as CallType;
    admissions.push(
      accepted.length > 0
        ? { source: 'sent', grantedAt: row.created_at, callType, vouchers: accepted }
        : { source: 'sent', grantedAt: row.created_at, callType, vouchers: JSON.parse(row.to_ids) as string[], ringing: true },
    );
  }
  for (const row of inbox.store.acceptedNamingRoom(roomName)) {
    // The app backend's own invitations name rooms it manages: it vouches for them, as for a grant.
    const vouchers = row.from_id === SYSTEM_USER_ID ? {} : { vouchers: [row.from_id] };
    admissions.push({ source: 'accepted', grantedAt: row.created_at, callType: row.call_type as CallType, ...vouchers });
  }
  return admissions;
}

/** Runs a change to this user's rooms, and tells watchers when it starts or ends their being in a call. */
function changeRooms(inbox: Inbox, change: () => void): void {
  const wasInCall = inbox.store.inAnyRoom();
  change();
  if (inbox.store.inAnyRoom() !== wasInCall) presenceUpdated(inbox);
}

async function joinRoom(inbox: Inbox, requester: RoomRequester, frame: Extract<RoomFrame, { type: 'room.join' }>): Promise<RoomJoinResult> {
  const now = Date.now();
  const admissions = admissionsFor(inbox, frame.roomName, requester.grants, now);
  if (admissions.length === 0) {
    throw new RequestError(
      'forbidden',
      'you are not a party to this room: join with an invitation you sent or accepted naming it, or a room grant in your token',
    );
  }
  const outcome = await callRoom(inbox.env, inbox.projectId, frame.roomName).join({
    user: inbox.me(),
    deviceId: requester.deviceId,
    connectionId: requester.connectionId,
    ...(frame.liveType ? { liveType: frame.liveType } : {}),
    admissions,
  });
  if (!outcome.ok) throw new RequestError(outcome.code, outcome.message);
  const { room, self, callId } = outcome.result;
  const row = { room_name: frame.roomName, device_id: requester.deviceId, participant_id: self, connection_id: requester.connectionId, call_id: callId };
  changeRooms(inbox, () => inbox.store.enterRoom(row));
  const settings = callSettingsOf(projectsFrom(inbox.env).get(inbox.projectId));
  return { room, self, iceServers: await iceServersFor(settings, inbox.userId, now), iceTransportPolicy: settings.iceTransportPolicy };
}

async function leaveRoom(inbox: Inbox, requester: Requester, roomName: string): Promise<{ left: boolean }> {
  const row = inbox.store.roomDevice(roomName, requester.deviceId);
  if (!row) return { left: false };
  const result = await callRoom(inbox.env, inbox.projectId, roomName).leave(row.participant_id);
  changeRooms(inbox, () => inbox.store.leaveRoom(roomName, requester.deviceId));
  return result;
}

/** The participant this device is in the room as; only a device that joined may signal or report media. */
function participantOf(inbox: Inbox, requester: Requester, roomName: string): string {
  const row = inbox.store.roomDevice(roomName, requester.deviceId);
  if (!row) throw new RequestError('forbidden', 'join the room first');
  return row.participant_id;
}

async function relaySignal(inbox: Inbox, requester: Requester, frame: Extract<RoomFrame, { type: 'room.signal' }>): Promise<{ relayed: boolean }> {
  const from = participantOf(inbox, requester, frame.roomName);
  if (!frame.description && frame.candidate === undefined) throw new RequestError('invalid_request', 'a signal carries a description or a candidate');
  const outcome = await callRoom(inbox.env, inbox.projectId, frame.roomName).signal({
    from,
    to: frame.to,
    ...(frame.description ? { description: frame.description } : {}),
    ...(frame.candidate !== undefined ? { candidate: frame.candidate } : {}),
  });
  if (!outcome.ok) throw new RequestError(outcome.code, outcome.message);
  return outcome.result;
}

async function setMedia(inbox: Inbox, requester: Requester, frame: Extract<RoomFrame, { type: 'room.media' }>): Promise<RoomParticipant> {
  const participantId = participantOf(inbox, requester, frame.roomName);
  const { camera, microphone, screen } = frame;
  const outcome = await callRoom(inbox.env, inbox.projectId, frame.roomName).media({ participantId, camera, microphone, screen });
  if (!outcome.ok) throw new RequestError(outcome.code, outcome.message);
  return outcome.result;
}

// ---- what rooms tell this inbox -----------------------------------------------------------------------------

/** After a room frame went to this user's devices: a call that ended no longer counts as one they are in. */
export function roomFrameDelivered(inbox: Inbox, delivery: RoomDelivery): void {
  const { frame } = delivery;
  if (frame.type === 'room.ended') changeRooms(inbox, () => inbox.store.roomEnded(frame.roomName, delivery.callId));
}

/** RPC from a CallRoom's outbox: a participant of this user was removed, or a call they took part in began or ended. */
export function applyRoomNotice(inbox: Inbox, notice: RoomNotice): void {
  const { store } = inbox;
  if (notice.type === 'left') {
    changeRooms(inbox, () => store.participantLeftRoom(notice.roomName, notice.participantId, notice.callId));
    return;
  }
  store.recordRoomCall(notice.roomName, notice, notice.endedAt ?? Date.now());
  if (notice.endedAt !== null) changeRooms(inbox, () => store.roomEnded(notice.roomName, notice.callId));
}

/** A connection closed: the rooms its device joined over it mark the participant `reconnecting`. */
export async function roomConnectionClosed(inbox: Inbox, connectionId: string): Promise<void> {
  await connectionsLost(inbox, inbox.store.roomsOfConnection(connectionId));
}

/**
 * A device connected: rooms joined over connections that are gone without a close (the server restarted, say)
 * learn it now, so their participants run out the reconnect grace rather than stay in the call for good.
 */
export async function roomConnectionsSwept(inbox: Inbox, isOpen: (connectionId: string) => boolean): Promise<void> {
  await connectionsLost(
    inbox,
    inbox.store.roomDevices().filter((row) => !isOpen(row.connection_id)),
  );
}

async function connectionsLost(inbox: Inbox, rows: RoomDeviceRow[]): Promise<void> {
  for (const row of rows) {
    const known = await callRoom(inbox.env, inbox.projectId, row.room_name)
      .disconnected(row.participant_id, row.connection_id)
      .catch((error: unknown) => (console.error('telling the room of a closed connection failed', error), true));
    // The room no longer has this participant (its call ended meanwhile): neither has this inbox.
    if (!known) changeRooms(inbox, () => inbox.store.leaveRoom(row.room_name, row.device_id));
  }
}

/**
 * An invitation naming a room this user is in was accepted (by this user or by its invitee): the role it gives
 * applies at once — a viewer of a live stream whom a host invites, or who calls a host, becomes a co-host.
 */
export async function readmitForInvitation(inbox: Inbox, invitationId: string): Promise<void> {
  const devices = inbox.store.devicesInRoomOfInvitation(invitationId);
  if (devices.length === 0) return;
  const roomName = devices[0]!.room_name;
  const admissions = admissionsFor(inbox, roomName, null, Date.now());
  const room = callRoom(inbox.env, inbox.projectId, roomName);
  await Promise.all(devices.map((row) => room.readmit(row.participant_id, admissions))).catch((error: unknown) => console.error('readmission failed', error));
}

/** Whether this user is in a call: their presence then says `busy`. */
export function inCall(inbox: Inbox): boolean {
  return inbox.store.inAnyRoom();
}

/** Whether a new invitation is declined with `busy` now: the project opts in and this user is in a call. */
export function declinesWhileInCall(inbox: Inbox): boolean {
  return callSettingsOf(projectsFrom(inbox.env).get(inbox.projectId)).busyWhileInCall && inCall(inbox);
}
