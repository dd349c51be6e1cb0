/**
 * Lets one tab of a user ring at a time: tabs queue on a Web Lock named after the user, so when the ringing
 * tab stops or closes the next one takes over. Without Web Locks (insecure origins) every tab rings.
 */
export class RingLock {
  #held = false;
  #release: (() => void) | undefined;
  #abort: AbortController | undefined;

  constructor(private readonly onChange: (held: boolean) => void) {}

  get isHeld(): boolean {
    return this.#held;
  }

  acquire(userId: string): void {
    if (this.#held || this.#abort) return;
    const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
    if (!locks) {
      this.#set(true);
      return;
    }
    const abort = new AbortController();
    this.#abort = abort;
    locks
      .request(`baxcloud-call-ring:${userId}`, { signal: abort.signal }, () => {
        this.#abort = undefined;
        this.#set(true);
        return new Promise<void>((resolve) => {
          this.#release = resolve;
        });
      })
      .catch(() => {
        // Aborted while waiting: another tab was ringing and this one no longer needs to.
      });
  }

  releaseLock(): void {
    this.#abort?.abort();
    this.#abort = undefined;
    this.#release?.();
    this.#release = undefined;
    if (this.#held) this.#set(false);
  }

  #set(held: boolean): void {
    this.#held = held;
    this.onChange(held);
  }
}
