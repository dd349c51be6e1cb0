import { ContextConsumer } from '@lit/context';
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { CallClient, ClientState, Unsubscribe } from '../client/types.js';
import { callClientContext } from './context.js';

/** Subscriptions an element makes on a client beyond its state, such as the `on*` event listeners. */
export type ClientBinding = (client: CallClient) => Unsubscribe[];

/**
 * Connects an element to the page's `CallClient`: the element's own `client` property wins, then the nearest
 * provider of `callClientContext`: a `<bax-cloud>` around it, any other @lit/context provider, or at last the
 * page's own provider on `<html>`, which holds the page-wide client. Re-renders the host on every store change,
 * and moves its subscriptions when the client changes.
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

  /** Sets the client the host was given directly; it takes precedence over context. */
  useClient(client: CallClient | undefined): void {
    this.#explicitClient = client;
    this.#refresh();
  }

  hostConnected(): void {
    this.#connected = true;
    this.#refresh();
  }

  hostDisconnected(): void {
    this.#connected = false;
    this.#detach();
  }

  #refresh(): void {
    if (!this.#connected) return;
    const next = this.#explicitClient ?? this.#contextClient;
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
