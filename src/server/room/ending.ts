import type { LiveType, RoomEndReason } from '../../protocol/room.js';
import type { MemberRow, ParticipantRow } from './storage.js';

export interface CallShape {
  liveType: LiveType;
  /** Whether the call began (a second participant joined). */
  started: boolean;
  /** Everyone who took part, by participant. */
  members: MemberRow[];
}

/**
 * What a participant's departure does to the call: `idle` when the room is empty and its call never began (nothing
 * to end), an end reason when the call ends now, null when it goes on.
 * - A live stream ends with its last publisher (`hangup`).
 * - A 1:1 call (two publishing users ever) ends when either side leaves (`hangup`): the other is left alone.
 * - A group call ends when one participant is left (`last_participant`).
 */
export function afterDeparture(call: CallShape, departed: ParticipantRow, remaining: ParticipantRow[]): RoomEndReason | 'idle' | null {
  if (!call.started) return remaining.length === 0 ? 'idle' : null;
  const publishing = (row: { role: string }) => row.role !== 'viewer';
  if (call.liveType === 'live_streaming') return remaining.some(publishing) ? null : 'hangup';
  const publishers = new Set(call.members.filter(publishing).map((member) => member.user_id));
  const sideLeft = publishing(departed) && !remaining.some((row) => row.user_id === departed.user_id);
  if (publishers.size <= 2 && sideLeft) return 'hangup';
  return remaining.length <= 1 ? 'last_participant' : null;
}
