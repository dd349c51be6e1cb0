import type { CallType } from '../../protocol/types.js';

export interface InvitationSentDetail {
  invitationId: string;
  roomName: string;
  roomUrl: string | null;
  callType: CallType;
  to: string[];
  /** Server time (ms) when the invitation stops ringing. */
  expiresAt: number;
}

/** Fired once the server has taken an invitation this element sent. */
export class BaxInvitationSentEvent extends CustomEvent<InvitationSentDetail> {
  constructor(detail: InvitationSentDetail) {
    super('bax-invitation-sent', { bubbles: true, composed: true, detail });
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'bax-invitation-sent': BaxInvitationSentEvent;
  }
}
