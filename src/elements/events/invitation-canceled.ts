import type { CallDirection } from '../../protocol/lists.js';
import type { CallType, CancelReason, UserInfo } from '../../protocol/types.js';

export interface InvitationCanceledDetail {
  invitationId: string;
  callType: CallType;
  /** `incoming` when the caller withdrew an invitation to this user, `outgoing` when this user withdrew one. */
  direction: CallDirection;
  /** The caller, for an incoming invitation; null for an outgoing one. */
  peer: UserInfo | null;
  reason: CancelReason;
}

/** Fired when a pending invitation is withdrawn before anyone answered. */
export class BaxInvitationCanceledEvent extends CustomEvent<InvitationCanceledDetail> {
  constructor(detail: InvitationCanceledDetail) {
    super('bax-invitation-canceled', { bubbles: true, composed: true, detail });
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'bax-invitation-canceled': BaxInvitationCanceledEvent;
  }
}
