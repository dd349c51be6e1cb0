import type { CallClient } from '../../client/types.js';
import type { CallStartDetail } from '../events/call-start.js';
import { connectedRooms, type BaxCallRoom } from './call-room.js';
import './define.js';

/** The full-window rooms this module opened; they stay on the page, closed, between calls. */
const opened = new WeakSet<BaxCallRoom>();

/**
 * Joins an accepted call: in the page's own `<bax-call-room>` (the first connected one that is not full-window),
 * else in a full-window one, opened for it on `document.body` with the client of the element that started the call.
 */
export function joinCall(detail: CallStartDetail, client: CallClient): void {
  const rooms = [...connectedRooms];
  const room = rooms.find((candidate) => !candidate.fullWindow) ?? rooms.find((candidate) => candidate.fullWindow) ?? openWindow();
  if (opened.has(room)) room.client = client;
  // A failure shows in the room itself.
  room.join({ roomName: detail.roomName, liveType: detail.callType }).catch(() => undefined);
}

function openWindow(): BaxCallRoom {
  const room = document.createElement('bax-call-room');
  room.fullWindow = true;
  opened.add(room);
  document.body.append(room);
  return room;
}
