/** Renew a token this long before the time the endpoint says it expires. */
const RENEW_MARGIN_MS = 60_000;

/** Gets user tokens from the app's own endpoint, reusing one until shortly before it expires. */
export class TokenFetcher {
  #cached: { token: string; expiresAt: number } | undefined;
  #inFlight: Promise<string> | undefined;

  constructor(
    private readonly url: string,
    private readonly user: { userId: string; name?: string; avatarUrl?: string },
  ) {}

  /** Passed to the client as its token function, which calls it on every (re)connect and before expiry. */
  readonly fetch = (): Promise<string> => {
    if (this.#cached && this.#cached.expiresAt - RENEW_MARGIN_MS > Date.now()) return Promise.resolve(this.#cached.token);
    this.#inFlight ??= this.#request().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  };

  async #request(): Promise<string> {
    const response = await fetch(this.url, {
      method: 'POST',
      // The app's endpoint knows who is signed in from its own session cookie.
      credentials: 'include',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(this.user),
    });
    if (!response.ok) throw new Error(`The token endpoint answered ${response.status}.`);
    const body = (await response.json()) as { token?: unknown; expiresAt?: unknown };
    if (typeof body.token !== 'string') throw new Error('The token endpoint answered without a token.');
    this.#cached = { token: body.token, expiresAt: typeof body.expiresAt === 'number' ? body.expiresAt : 0 };
    return body.token;
  }
}
