import type { InvitationAcceptedDetail } from './invitation-accepted.js';

/** The accepted invitation, as `bax-invitation-accepted` reports it: `peer` is the other side of the call. */
export type CallStartDetail = InvitationAcceptedDetail;

/** Fired on both sides when a call is accepted: the host app joins `roomName` now. */
export class BaxCallStartEvent extends CustomEvent<CallStartDetail> {
  constructor(detail: CallStartDetail) {
    super('bax-call-start', { bubbles: true, composed: true, detail });
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'bax-call-start': BaxCallStartEvent;
  }
}
