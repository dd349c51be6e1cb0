import { ContextProvider } from '@lit/context';
import { html } from 'lit';
import type { PropertyDeclarations, PropertyValues, TemplateResult } from 'lit';
import type { BaxCloudClientOptions } from '../../client/client.js';
import type { CallClient } from '../../client/types.js';
import { BaxElement } from '../base-element.js';
import { isSoundMuted, setSoundMuted } from '../sound/mute.js';
import { callClientContext, configure, release, setPageClient } from '../context.js';
import { styles } from './bax-cloud.styles.js';
import { TokenFetcher } from './token-fetcher.js';

/**
 * Configures the page's calling client from attributes and shares it: through @lit/context with the elements
 * inside it, and as the page-wide client with every other element. However many elements, the page keeps one
 * connection. Until it has a client, the elements inside it use the one around it, as if it were not there.
 *
 * @tag bax-cloud
 * @summary Connects the page to BaxCloud Call as one user.
 *
 * @slot - Any content; calling elements inside get the client through context.
 * @cssproperty --bax-color-scheme - `light` or `dark`: the scheme of the calling elements inside; `theme` sets it.
 */
export class BaxCloud extends BaxElement {
  static override styles = styles;
  // Declared here rather than with decorators: the script-tag bundle then needs none of Lit's decorator code.
  static override properties: PropertyDeclarations = {
    host: {},
    projectId: { attribute: 'project-id' },
    apiKey: { attribute: 'api-key' },
    userId: { attribute: 'user-id' },
    userName: { attribute: 'user-name' },
    userAvatar: { attribute: 'user-avatar' },
    token: {},
    tokenUrl: { attribute: 'token-url' },
    muted: { type: Boolean, noAccessor: true },
    theme: { reflect: true },
  };

  /** The signaling server: "calls.example.com", "127.0.0.1:8787" or a full http(s) URL; defaults to this page's host. */
  host = '';

  /** The project id. */
  projectId = '';

  /** The project's public API key. */
  apiKey = '';

  /** The signed-in user's id; the token must be for this user. */
  userId = '';

  /** The user's display name, shown to the people they call. */
  userName = '';

  /** A URL of the user's picture. */
  userAvatar = '';

  /** A user token minted by the app's backend. Prefer `token-url`, which renews tokens before they expire. */
  token = '';

  /**
   * The app's endpoint that mints tokens: it is POSTed `{ userId, name, avatarUrl }` with the page's cookies and
   * answers `{ token, expiresAt }`.
   */
  tokenUrl = '';

  /** Mutes every sound of the elements, in all the user's tabs, and remembers it (the page-wide switch, `setSoundMuted`). */
  get muted(): boolean {
    return isSoundMuted();
  }

  set muted(muted: boolean) {
    setSoundMuted(muted);
  }
  /**
   * Light or dark colours for the calling elements inside: `auto` follows the page's CSS `color-scheme` (not the
   * visitor's system setting); any other value counts as `auto`.
   */
  theme: 'auto' | 'light' | 'dark' = 'auto';

  /** A client to share instead of creating one from the attributes. */
  declare client: CallClient | undefined;

  readonly #provider = new ContextProvider(this, { context: callClientContext });
  #ownClient: CallClient | undefined;

  /** The client the elements share, once configured. */
  get activeClient(): CallClient | undefined {
    return this.client ?? this.#ownClient;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.#share();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    // Moving the element within the page reconnects it at once; only a real removal closes the connection.
    queueMicrotask(() => {
      if (this.isConnected || !this.#ownClient) return;
      release(this.#ownClient);
      this.#ownClient = undefined;
    });
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    // Only its own properties choose the client. An update for a new client around it just passes that on:
    // otherwise two <bax-cloud>s for different users would take the page from each other in turn.
    if (changed.size > 0) this.#share();
    else this.#provide();
  }

  protected override render(): TemplateResult {
    return html`<slot></slot>`;
  }

  /** Builds the client options from the attributes, or undefined while some are missing. */
  #options(): BaxCloudClientOptions | undefined {
    const host = this.host || location.host;
    if (!host || !this.projectId || !this.apiKey || !this.userId || !(this.token || this.tokenUrl)) return undefined;
    const user = {
      userId: this.userId,
      ...(this.userName ? { name: this.userName } : {}),
      ...(this.userAvatar ? { avatarUrl: this.userAvatar } : {}),
    };
    const token = this.token || new TokenFetcher(new URL(this.tokenUrl, document.baseURI).href, user).fetch;
    return { host, projectId: this.projectId, apiKey: this.apiKey, user, token };
  }

  #share(): void {
    if (!this.isConnected) return;
    let client = this.client;
    if (client) {
      if (this.#ownClient && this.#ownClient !== client) release(this.#ownClient);
      this.#ownClient = undefined;
      setPageClient(client);
    } else {
      const options = this.#options();
      client = options ? configure(options) : undefined;
      if (this.#ownClient && this.#ownClient !== client) release(this.#ownClient);
      this.#ownClient = client;
    }
    this.#provide();
  }

  /** Gives the elements inside its client or, while it has none, the one around it. */
  #provide(): void {
    const provided = this.activeClient ?? this.store.client;
    if (this.#provider.value !== provided) this.#provider.setValue(provided);
  }
}
