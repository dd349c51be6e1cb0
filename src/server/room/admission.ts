import type { LiveType, ParticipantRole } from '../../protocol/room.js';
import type { Admission } from './types.js';

/** What admission needs to know of a room. */
export interface AdmissionContext {
  /** Whether a call is open (somebody joined since the room was last empty). */
  inCall: boolean;
  liveType: LiveType;
  /** When the room's last call ended; 0 if none did. */
  lastEndedAt: number;
  /** Users who took part in the open call. */
  members: ReadonlySet<string>;
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

/**
 * Whether an admission lets `userId` into the room now:
 * - it never reopens a call that ended after it was granted (token times have whole seconds, so a grant counts
 *   from the end of its second);
 * - into a room with no call, any admission leads (the first to arrive waits for the others);
 * - into an open call, its members come back, and others only when the call includes a party of their invitation
 *   (or the app backend vouched for them) — so naming someone else's room in an invitation admits nobody into it.
 *   A caller whose invitation still rings only waits in a room with no call.
 */
export function admissionHolds(admission: Admission, userId: string, room: AdmissionContext): boolean {
  const grantedAt = admission.source === 'grant' ? admission.grantedAt + 999 : admission.grantedAt;
  if (grantedAt < room.lastEndedAt) return false;
  if (!room.inCall || room.members.has(userId)) return true;
  if (admission.ringing) return false;
  return !admission.vouchers || admission.vouchers.some((voucher) => room.members.has(voucher));
}

/** The strongest role any admission that holds gives, or null when none holds. */
export function admit(userId: string, admissions: Admission[], room: AdmissionContext): ParticipantRole | null {
  let role: ParticipantRole | null = null;
  for (const admission of admissions) {
    if (!admissionHolds(admission, userId, room)) continue;
    const granted = roleOf(admission, room.liveType);
    role = role ? strongerRole(role, granted) : granted;
  }
  return role;
}
