import type { LeaveReason } from '../../protocol/room.js';

export interface ParticipantLeftDetail {
  roomName: string;
  participantId: string;
  userId: string;
  /** `left`: they hung up; `disconnected`: they did not come back in time; `room_ended`: the call ended. */
  reason: LeaveReason;
}

/** Fired by `<bax-call-room>` when a participant leaves the call. */
export class BaxParticipantLeftEvent extends CustomEvent<ParticipantLeftDetail> {
  constructor(detail: ParticipantLeftDetail) {
    super('bax-participant-left', { bubbles: true, composed: true, detail });
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'bax-participant-left': BaxParticipantLeftEvent;
  }
}
