import type { ReactiveController, ReactiveControllerHost } from 'lit';

/**
 * Keeps the remote videos of a call room playing. Browsers let a page play sound by itself only after the user
 * has interacted with it; a call joined on load (`auto-join`) may be refused, and then the room offers a button
 * whose click (an interaction) starts them.
 */
export class Playback implements ReactiveController {
  /** Whether the browser refused to play a remote video until the user interacts. */
  blocked = false;
  /** Streams already started, so a paused video is tried once per stream. */
  readonly #tried = new WeakSet<MediaProvider>();

  constructor(private readonly host: ReactiveControllerHost & { readonly renderRoot: HTMLElement | DocumentFragment }) {
    host.addController(this);
  }

  hostUpdated(): void {
    for (const video of this.#videos()) {
      if (!video.paused || !video.srcObject || this.#tried.has(video.srcObject)) continue;
      this.#tried.add(video.srcObject);
      video.play().catch((error: unknown) => {
        if ((error as Error).name !== 'NotAllowedError' || this.blocked) return;
        this.blocked = true;
        this.host.requestUpdate();
      });
    }
  }

  /** Starts every remote video; called from the user's click. */
  readonly unblock = (): void => {
    this.blocked = false;
    this.host.requestUpdate();
    for (const video of this.#videos()) void video.play().catch(() => undefined);
  };

  #videos(): HTMLVideoElement[] {
    return [...this.host.renderRoot.querySelectorAll<HTMLVideoElement>('video[data-user-id]')];
  }
}
