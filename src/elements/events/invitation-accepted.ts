import type { CallDirection } from '../../protocol/lists.js';
import type { CallType, UserInfo } from '../../protocol/types.js';

export interface InvitationAcceptedDetail {
  invitationId: string;
  roomName: string;
  roomUrl: string | null;
  callType: CallType;
  /** `outgoing` when someone accepted this user's invitation, `incoming` when this user accepted one. */
  direction: CallDirection;
  /** The other side: the invitee who accepted, or the caller whose invitation was accepted. */
  peer: UserInfo;
}

/** Fired when an invitation is accepted, on the caller's and on the callee's side. */
export class BaxInvitationAcceptedEvent extends CustomEvent<InvitationAcceptedDetail> {
  constructor(detail: InvitationAcceptedDetail) {
    super('bax-invitation-accepted', { bubbles: true, composed: true, detail });
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'bax-invitation-accepted': BaxInvitationAcceptedEvent;
  }
}
