import type { RoomEndedEvent } from '../../client/room-types.js';

export interface CallEndDetail {
  roomName: string;
  /** How long the call lasted, from the moment a second participant joined; 0 when nobody else came. */
  durationMs: number;
  /** `left`: this user hung up or left; `hangup`: the other side of a 1:1 call did; `last_participant`: everyone else left. */
  reason: RoomEndedEvent['reason'];
}

/** Fired by `<bax-call-room>` when the call it shows ends, for whatever reason. */
export class BaxCallEndEvent extends CustomEvent<CallEndDetail> {
  constructor(detail: CallEndDetail) {
    super('bax-call-end', { bubbles: true, composed: true, detail });
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'bax-call-end': BaxCallEndEvent;
  }
}
