import type { CallParticipant } from '../../client/room-types.js';

export interface ParticipantJoinedDetail {
  roomName: string;
  /** The participant as the store shows them (their stream may still be on its way). */
  participant: CallParticipant;
}

/** Fired by `<bax-call-room>` for each participant in the call when it joins, and for each who joins later. */
export class BaxParticipantJoinedEvent extends CustomEvent<ParticipantJoinedDetail> {
  constructor(detail: ParticipantJoinedDetail) {
    super('bax-participant-joined', { bubbles: true, composed: true, detail });
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'bax-participant-joined': BaxParticipantJoinedEvent;
  }
}
