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
import type { ClientEvent, ClientEvents } from './events.js';
import { reduce, type StoreInput } from './reducer.js';
import type { ClientState, Unsubscribe } from './types.js';

/**
 * The observable half of a client: its store and its `on…` events, both derived by `reduce` from what the
 * server sends and what the client does. BaxCloudClient and the in-memory test client both build on it, so
 * they cannot disagree about either.
 */
export abstract class ClientStore {
  private state: ClientState;
  private readonly listeners = new Set<(state: ClientState) => void>();
  private readonly handlers = new Map<keyof ClientEvents, Set<(payload: never) => void>>();

  constructor(state: ClientState) {
    this.state = state;
  }

  getState(): ClientState {
    return this.state;
  }

  subscribe(listener: (state: ClientState) => void): Unsubscribe {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onInvitationReceived(listener: (invitation: ReceivedInvitation) => void): Unsubscribe {
    return this.on('received', listener);
  }
  onInvitationAccepted(listener: (event: InvitationAcceptedEvent) => void): Unsubscribe {
    return this.on('accepted', listener);
  }
  onInvitationDeclined(listener: (event: InvitationDeclinedEvent) => void): Unsubscribe {
    return this.on('declined', listener);
  }
  onInvitationCanceled(listener: (event: InvitationCanceledEvent) => void): Unsubscribe {
    return this.on('canceled', listener);
  }
  onInvitationExpired(listener: (event: InvitationExpiredEvent) => void): Unsubscribe {
    return this.on('expired', listener);
  }
  onInvitationAnsweredElsewhere(listener: (event: InvitationAnsweredElsewhereEvent) => void): Unsubscribe {
    return this.on('answeredElsewhere', listener);
  }
  onInvitationDelivered(listener: (event: InvitationDeliveredEvent) => void): Unsubscribe {
    return this.on('delivered', listener);
  }
  onPresenceChanged(listener: (presence: PresenceInfo) => void): Unsubscribe {
    return this.on('presence', listener);
  }
  onMissedCallsChanged(listener: (missedCalls: number) => void): Unsubscribe {
    return this.on('missedCalls', listener);
  }

  /** Applies inputs that belong together: store subscribers hear once, after all of them; then the events go out. */
  protected dispatch(...inputs: StoreInput[]): void {
    const before = this.state;
    const events: ClientEvent[] = [];
    for (const input of inputs) {
      const transition = reduce(this.state, input);
      this.state = transition.state;
      events.push(...transition.events);
    }
    if (this.state !== before) for (const listener of [...this.listeners]) safely('store', () => listener(this.state));
    for (const [name, payload] of events) {
      for (const listener of [...(this.handlers.get(name) ?? [])]) safely(name, () => (listener as (payload: unknown) => void)(payload));
    }
  }

  private on<K extends keyof ClientEvents>(name: K, listener: (event: ClientEvents[K]) => void): Unsubscribe {
    const handlers = this.handlers.get(name) ?? new Set();
    this.handlers.set(name, handlers.add(listener));
    return () => handlers.delete(listener);
  }
}

/** One listener's failure must not keep the others from hearing. */
function safely(name: string, call: () => void): void {
  try {
    call();
  } catch (error) {
    console.error(`BaxCloud: a ${name} listener threw`, error);
  }
}
