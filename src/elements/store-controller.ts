import { ContextConsumer } from '@lit/context';
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { CallClient, ClientState, Unsubscribe } from '../client/types.js';
import { callClientContext, getPageClient, onPageClientChange } from './context.js';

/** Subscriptions an element makes on a client beyond its state, such as the `on*` event listeners. */
export type ClientBinding = (client: CallClient) => Unsubscribe[];

/**
 * Connects an element to the page's `CallClient`: the element's own `client` property wins, then the nearest
 * `<bax-cloud>` (or any @lit/context provider), then the page-wide client. Re-renders the host on every store
 * change, and moves its subscriptions when the client changes.
 */
export class StoreController implements ReactiveController {
  /** The client in use, if any. */
  client: CallClient | undefined;
  /** The client's latest state; undefined until there is a client. */
  state: ClientState | undefined;

  #explicitClient: CallClient | undefined;
  #contextClient: CallClient | undefined;
  #connected = false;
  #subscriptions: Unsubscribe[] = [];
  #stopWatchingPage: Unsubscribe | undefined;

  constructor(
    private readonly host: ReactiveControllerHost & HTMLElement,
    private readonly bind: ClientBinding = () => [],
  ) {
    host.addController(this);
    new ContextConsumer(host, {
      context: callClientContext,
      subscribe: true,
      callback: (client) => {
        this.#contextClient = client;
        this.#refresh();
      },
    });
  }

  /** Sets the client the host was given directly; it takes precedence over context and the page client. */
  useClient(client: CallClient | undefined): void {
    this.#explicitClient = client;
    this.#refresh();
  }

  hostConnected(): void {
    this.#connected = true;
    this.#stopWatchingPage = onPageClientChange(() => this.#refresh());
    this.#refresh();
  }

  hostDisconnected(): void {
    this.#connected = false;
    this.#stopWatchingPage?.();
    this.#stopWatchingPage = undefined;
    this.#detach();
  }

  #refresh(): void {
    if (!this.#connected) return;
    const next = this.#explicitClient ?? this.#contextClient ?? getPageClient();
    if (next === this.client) return;
    this.#detach();
    this.client = next;
    this.state = next?.getState();
    if (next) {
      this.#subscriptions = [
        next.subscribe((state) => {
          this.state = state;
          this.host.requestUpdate();
        }),
        ...this.bind(next),
      ];
    }
    this.host.requestUpdate();
  }

  #detach(): void {
    for (const unsubscribe of this.#subscriptions) unsubscribe();
    this.#subscriptions = [];
    this.client = undefined;
    this.state = undefined;
  }
}
