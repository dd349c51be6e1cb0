import { LitElement } from 'lit';
import type { PropertyDeclarations, PropertyValues } from 'lit';
import type { CallClient, Unsubscribe } from '../client/types.js';
import { LocalizeController } from './localize.js';
import { StoreController } from './store-controller.js';
import { VERSION } from './version.js';

/**
 * What every BaxCloud Call element shares: its version, which `defineElement` compares when a page loads two
 * copies; the client it finds through `callClientContext` unless its `client` property names one; the store
 * controller that renders it again on every change of that client's state; and its texts, in the language
 * set by `lang` on it, an ancestor or `<html>`.
 */
export class BaxElement extends LitElement {
  static readonly version = VERSION;
  // Declared here rather than with decorators: the script-tag bundle then needs none of Lit's decorator code.
  static override properties: PropertyDeclarations = {
    client: { attribute: false },
  };

  /** The client to use instead of the page's one. */
  client: CallClient | undefined;

  /** The client in use, and its latest state. */
  protected readonly store = new StoreController(this, (client) => this.listen(client));

  /** The element's language and texts. */
  protected readonly localize = new LocalizeController(this);

  /** Subscribes to the client's events beyond its state; called for each client the element uses. */
  protected listen(_client: CallClient): Unsubscribe[] {
    return [];
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('client')) this.store.useClient(this.client);
  }
}
