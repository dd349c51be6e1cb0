import type { CallType, UserInfo } from '../../protocol/types.js';

export interface CallStartDetail {
  invitationId: string;
  roomName: string;
  roomUrl: string | null;
  callType: CallType;
  /** `outgoing` on the caller's side, `incoming` on the callee's side. */
  direction: 'incoming' | 'outgoing';
  /** The other side of the call. */
  peer: UserInfo;
}

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
