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
import type { ClientStore } from './store.js';
import type { ClientState, ParticipantEvent, ParticipantLeftEvent, RoomEndedEvent, Unsubscribe } from './types.js';

/**
 * The store half of a `CallClient`: `getState`, `subscribe` and every `on…` event, read from one ClientStore.
 * BaxCloudClient and the in-memory test client both extend it, so they expose the same events the same way.
 */
export abstract class StoreClient {
  protected readonly store: ClientStore;

  protected constructor(store: ClientStore) {
    this.store = store;
  }

  getState(): ClientState {
    return this.store.getState();
  }

  subscribe(listener: (state: ClientState) => void): Unsubscribe {
    return this.store.subscribe(listener);
  }

  onInvitationReceived(listener: (invitation: ReceivedInvitation) => void): Unsubscribe {
    return this.store.on('received', listener);
  }
  onInvitationAccepted(listener: (event: InvitationAcceptedEvent) => void): Unsubscribe {
    return this.store.on('accepted', listener);
  }
  onInvitationDeclined(listener: (event: InvitationDeclinedEvent) => void): Unsubscribe {
    return this.store.on('declined', listener);
  }
  onInvitationCanceled(listener: (event: InvitationCanceledEvent) => void): Unsubscribe {
    return this.store.on('canceled', listener);
  }
  onInvitationExpired(listener: (event: InvitationExpiredEvent) => void): Unsubscribe {
    return this.store.on('expired', listener);
  }
  onInvitationAnsweredElsewhere(listener: (event: InvitationAnsweredElsewhereEvent) => void): Unsubscribe {
    return this.store.on('answeredElsewhere', listener);
  }
  onInvitationDelivered(listener: (event: InvitationDeliveredEvent) => void): Unsubscribe {
    return this.store.on('delivered', listener);
  }
  onPresenceChanged(listener: (presence: PresenceInfo) => void): Unsubscribe {
    return this.store.on('presence', listener);
  }
  onMissedCallsChanged(listener: (missedCalls: number) => void): Unsubscribe {
    return this.store.on('missedCalls', listener);
  }
  onParticipantJoined(listener: (event: ParticipantEvent) => void): Unsubscribe {
    return this.store.on('participantJoined', listener);
  }
  onParticipantLeft(listener: (event: ParticipantLeftEvent) => void): Unsubscribe {
    return this.store.on('participantLeft', listener);
  }
  onParticipantUpdated(listener: (event: ParticipantEvent) => void): Unsubscribe {
    return this.store.on('participantUpdated', listener);
  }
  onRoomEnded(listener: (event: RoomEndedEvent) => void): Unsubscribe {
    return this.store.on('roomEnded', listener);
  }
}
