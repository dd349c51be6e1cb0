import type { LiveType, ParticipantRole } from '../../protocol/room.js';
import type { Admission } from './types.js';

/** What admission needs to know of a room. */
export interface AdmissionContext {
  /** Whether a call is open (somebody joined since the room was last empty). */
  inCall: boolean;
  liveType: LiveType;
  /** When the room's last call ended; 0 if none did. */
  lastEndedAt: number;
  /** Who took part in the open call, each in the strongest role they had. */
  members: ReadonlyMap<string, ParticipantRole>;
}

const RANK: Record<ParticipantRole, number> = { viewer: 0, participant: 1, host: 2 };

export function strongerRole(a: ParticipantRole, b: ParticipantRole): ParticipantRole {
  return RANK[b] > RANK[a] ? b : a;
}

/** The role an admission gives in a room of this type: an invitee of a live stream is one of its hosts. */
export function roleOf(admission: Admission, liveType: LiveType): ParticipantRole {
  if (admission.source === 'grant') return admission.role ?? 'viewer';
  if (admission.source === 'sent') return 'host';
  return liveType === 'live_streaming' ? 'host' : 'participant';
}

const publishes = (role: ParticipantRole | undefined) => role !== undefined && role !== 'viewer';

/** Whether the admission was granted before the room's last call ended (token times have whole seconds). */
function predatesLastEnd(admission: Admission, room: AdmissionContext): boolean {
  const grantedAt = admission.source === 'grant' ? admission.grantedAt + 999 : admission.grantedAt;
  return grantedAt < room.lastEndedAt;
}

/**
 * Whether an admission lets `userId` into the room now, in its role:
 * - it never reopens a call that ended after it was granted;
 * - into a room with no call, any admission leads (the first to arrive waits for the others);
 * - into an open call, only when the call includes another party of the invitation who publishes there (or the
 *   app backend vouched for it): naming someone else's room in an invitation admits nobody into it, and a viewer
 *   brings no one into a live stream; a caller whose invitation still rings only waits in a call nobody else joined.
 */
export function admissionHolds(admission: Admission, userId: string, room: AdmissionContext): boolean {
  if (predatesLastEnd(admission, room)) return false;
  if (!room.inCall) return true;
  if (admission.ringing) return [...room.members.keys()].every((member) => member === userId);
  return !admission.vouchers || admission.vouchers.some((voucher) => voucher !== userId && publishes(room.members.get(voucher)));
}

/**
 * The role `userId` joins in, or null when they may not. The strongest admission that holds decides; a member
 * of the open call (back after a reload, or alone while the others have not come) returns in the role they had,
 * as long as an admission of theirs still stands, but never gains a stronger one that way.
 */
export function admit(userId: string, admissions: Admission[], room: AdmissionContext): ParticipantRole | null {
  let role: ParticipantRole | null = null;
  for (const admission of admissions) {
    if (!admissionHolds(admission, userId, room)) continue;
    const granted = roleOf(admission, room.liveType);
    role = role ? strongerRole(role, granted) : granted;
  }
  const memberRole = room.members.get(userId);
  if (memberRole && admissions.some((admission) => !predatesLastEnd(admission, room))) return role ? strongerRole(role, memberRole) : memberRole;
  return role;
}
