import type {
  InvitationAcceptedEvent,
  InvitationAnsweredElsewhereEvent,
  InvitationCanceledEvent,
  InvitationDeclinedEvent,
  InvitationDeliveredEvent,
  InvitationExpiredEvent,
  PresenceInfo,
  ReceivedInvitation,
} from '../protocol/types.js';
import type { ParticipantEvent, ParticipantLeftEvent, RoomEndedEvent } from './room-types.js';

/** The payload of each `on…` event of a client, by a short name. */
export interface ClientEvents {
  received: ReceivedInvitation;
  accepted: InvitationAcceptedEvent;
  declined: InvitationDeclinedEvent;
  canceled: InvitationCanceledEvent;
  expired: InvitationExpiredEvent;
  answeredElsewhere: InvitationAnsweredElsewhereEvent;
  delivered: InvitationDeliveredEvent;
  presence: PresenceInfo;
  missedCalls: number;
  participantJoined: ParticipantEvent;
  participantLeft: ParticipantLeftEvent;
  participantUpdated: ParticipantEvent;
  roomEnded: RoomEndedEvent;
}

/** One event to report to the `on…` listeners, as `[name, payload]`. */
export type ClientEvent = { [K in keyof ClientEvents]: [name: K, payload: ClientEvents[K]] }[keyof ClientEvents];
