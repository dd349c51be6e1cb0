import type { CallDirection } from '../../protocol/lists.js';
import type { CallType, DeclineReason, UserInfo } from '../../protocol/types.js';

export interface InvitationDeclinedDetail {
  invitationId: string;
  callType: CallType;
  /** `outgoing` when an invitee declined this user's invitation, `incoming` when this user declined one. */
  direction: CallDirection;
  peer: UserInfo;
  reason: DeclineReason;
  /** The reply sent with the decline, if any. */
  message: string | null;
}

/** Fired when an invitation is declined, on the caller's and on the callee's side. */
export class BaxInvitationDeclinedEvent extends CustomEvent<InvitationDeclinedDetail> {
  constructor(detail: InvitationDeclinedDetail) {
    super('bax-invitation-declined', { bubbles: true, composed: true, detail });
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'bax-invitation-declined': BaxInvitationDeclinedEvent;
  }
}
