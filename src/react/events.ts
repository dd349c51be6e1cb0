import type { EventName } from '@lit/react';
import type {
  BaxCalleeAvailableEvent,
  BaxCallEndEvent,
  BaxCallRequestEvent,
  BaxCallStartEvent,
  BaxInvitationAcceptedEvent,
  BaxInvitationCanceledEvent,
  BaxInvitationDeclinedEvent,
  BaxInvitationExpiredEvent,
  BaxInvitationReceivedEvent,
  BaxInvitationSentEvent,
  BaxParticipantJoinedEvent,
  BaxParticipantLeftEvent,
} from '../elements/events/index.js';

/** The event props of `BaxCallButton`: each `bax-…` event `<bax-call-button>` fires, with its type. */
export const callButtonEvents = {
  onCallRequest: 'bax-call-request' as EventName<BaxCallRequestEvent>,
  onInvitationSent: 'bax-invitation-sent' as EventName<BaxInvitationSentEvent>,
  onInvitationAccepted: 'bax-invitation-accepted' as EventName<BaxInvitationAcceptedEvent>,
  onInvitationDeclined: 'bax-invitation-declined' as EventName<BaxInvitationDeclinedEvent>,
  onInvitationExpired: 'bax-invitation-expired' as EventName<BaxInvitationExpiredEvent>,
  onInvitationCanceled: 'bax-invitation-canceled' as EventName<BaxInvitationCanceledEvent>,
  onCallStart: 'bax-call-start' as EventName<BaxCallStartEvent>,
  onCalleeAvailable: 'bax-callee-available' as EventName<BaxCalleeAvailableEvent>,
};

/** The event props of `BaxIncomingCall`: each `bax-…` event `<bax-incoming-call>` fires, with its type. */
export const incomingCallEvents = {
  onInvitationReceived: 'bax-invitation-received' as EventName<BaxInvitationReceivedEvent>,
  onInvitationAccepted: 'bax-invitation-accepted' as EventName<BaxInvitationAcceptedEvent>,
  onInvitationDeclined: 'bax-invitation-declined' as EventName<BaxInvitationDeclinedEvent>,
  onInvitationCanceled: 'bax-invitation-canceled' as EventName<BaxInvitationCanceledEvent>,
  onInvitationExpired: 'bax-invitation-expired' as EventName<BaxInvitationExpiredEvent>,
  onCallStart: 'bax-call-start' as EventName<BaxCallStartEvent>,
};

/** The event props of `BaxCallRoom`: each `bax-…` event `<bax-call-room>` fires, with its type. */
export const callRoomEvents = {
  onCallEnd: 'bax-call-end' as EventName<BaxCallEndEvent>,
  onParticipantJoined: 'bax-participant-joined' as EventName<BaxParticipantJoinedEvent>,
  onParticipantLeft: 'bax-participant-left' as EventName<BaxParticipantLeftEvent>,
};

/** Every event the elements fire: they bubble out of shadow roots, so `BaxCloud` hears those of all inside it. */
export const allEvents = { ...callButtonEvents, ...incomingCallEvents, ...callRoomEvents };
