import type { ReceivedInvitation } from '../../protocol/types.js';

export interface InvitationReceivedDetail {
  invitation: ReceivedInvitation;
}

/** Fired when an invitation to this user arrives. */
export class BaxInvitationReceivedEvent extends CustomEvent<InvitationReceivedDetail> {
  constructor(detail: InvitationReceivedDetail) {
    super('bax-invitation-received', { bubbles: true, composed: true, detail });
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'bax-invitation-received': BaxInvitationReceivedEvent;
  }
}
