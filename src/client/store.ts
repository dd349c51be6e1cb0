import type { ClientEvent, ClientEvents } from './events.js';
import { reduce, type StoreInput } from './reducer.js';
import type { ClientState, Unsubscribe } from './types.js';

/**
 * The observable half of a client: its store and its `on…` events, both derived by `reduce` from what the
 * server sends and what the client does. BaxCloudClient and the in-memory test client both hold one, so they
 * cannot disagree about either. (Held, not inherited: the script-tag build shortens private member names file
 * by file, so a class and its subclass in two files would hand out the same short names.)
 */
export class ClientStore {
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

  /** Applies inputs that belong together: store subscribers hear once, after all of them; then the events go out. */
  dispatch(...inputs: StoreInput[]): void {
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

  on<K extends keyof ClientEvents>(name: K, listener: (event: ClientEvents[K]) => void): Unsubscribe {
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
