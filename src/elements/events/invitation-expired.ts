import type { CallDirection } from '../../protocol/lists.js';
import type { CallType, UserInfo } from '../../protocol/types.js';

export interface InvitationExpiredDetail {
  invitationId: string;
  callType: CallType;
  /** `outgoing` when an invitee did not answer in time, `incoming` when this user did not. */
  direction: CallDirection;
  /** The invitee who did not answer, or the caller whose invitation went unanswered. */
  peer: UserInfo | null;
}

/** Fired when an invitation rang out unanswered. */
export class BaxInvitationExpiredEvent extends CustomEvent<InvitationExpiredDetail> {
  constructor(detail: InvitationExpiredDetail) {
    super('bax-invitation-expired', { bubbles: true, composed: true, detail });
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'bax-invitation-expired': BaxInvitationExpiredEvent;
  }
}
