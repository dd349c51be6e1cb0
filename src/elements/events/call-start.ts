import type { InvitationAcceptedDetail } from './invitation-accepted.js';

/** The accepted invitation, as `bax-invitation-accepted` reports it: `peer` is the other side of the call. */
export type CallStartDetail = InvitationAcceptedDetail;

/**
 * Fired on both sides when a call is accepted. Cancelable: by default the `<bax-call-room>` on the page joins
 * `roomName` (or, with none on the page, a full-window one opens); call `preventDefault()` to join it with the
 * page's own media stack instead.
 */
export class BaxCallStartEvent extends CustomEvent<CallStartDetail> {
  constructor(detail: CallStartDetail) {
    super('bax-call-start', { bubbles: true, composed: true, cancelable: true, detail });
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'bax-call-start': BaxCallStartEvent;
  }
}
