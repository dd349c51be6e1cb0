import { html, nothing } from 'lit';
import type { ReactiveController, ReactiveControllerHost, TemplateResult } from 'lit';
import type { CallClient, ClientState } from '../../client/types.js';
import { BaxCalleeAvailableEvent, type CalleeAvailableDetail } from '../events/callee-available.js';
import { format } from '../strings.js';
import type { CallButtonStrings } from '../translation.js';

/**
 * "Tell me when free", which `<bax-call-button>` loads and offers when its one callee answers busy: a toggle that
 * watches the callee's presence (in the client's store) and tells the caller once, as soon as they are online and
 * not busy, with a `bax-callee-available` event, a browser notification if the visitor allows them, and the call
 * button's label. A module of its own so that the script-tag bundle carries none of it until someone is busy.
 */
export class FreeWatch implements ReactiveController {
  /** The busy callee the toggle is offered for. */
  #offered: CalleeAvailableDetail | undefined;
  /** The callee watched, until they are free or the caller gives up. */
  #watched: CalleeAvailableDetail | undefined;
  /** Set once the subscription read the callee's presence afresh: until then the store may hold an older status. */
  #armed = false;
  /** The notification's title, in the texts of the moment the watch began. */
  #title = '';
  /** The callee found free, until the caller calls. */
  #free: CalleeAvailableDetail | undefined;

  constructor(
    private readonly host: ReactiveControllerHost & HTMLElement & { to: string },
    private readonly store: { client?: CallClient | undefined; state?: ClientState | undefined },
  ) {
    host.addController(this);
    // Calling again, anyone, ends it all.
    host.addEventListener('bax-invitation-sent', () => this.stop());
  }

  hostUpdate(): void {
    // So does calling someone else.
    if (this.#offered && this.host.to.trim() !== this.#offered.userId) this.stop();
    const watched = this.#watched;
    if (!watched || !this.#armed || this.store.state?.presenceOf[watched.userId]?.status !== 'online') return;
    this.#watched = undefined;
    this.#free = watched;
    this.host.dispatchEvent(new BaxCalleeAvailableEvent(watched));
    if (globalThis.Notification?.permission === 'granted') new Notification(this.#title).onclick = () => focus();
  }

  /** Offers the toggle for a callee who just answered busy. */
  offer(callee: CalleeAvailableDetail): void {
    this.stop();
    this.#offered = callee;
    this.host.requestUpdate();
  }

  /** Withdraws the offer, ends the watch and forgets a callee found free. */
  stop(): void {
    this.#offered = this.#watched = this.#free = undefined;
  }

  /** The call button's label once the callee is free. */
  label(text: CallButtonStrings): string | undefined {
    return this.#free && format(text.freeNowCall, { name: this.#free.name });
  }

  /** The button's status once the callee is free, in place of their busy answer. */
  status(text: CallButtonStrings): string | undefined {
    return this.#free && format(text.freeNow, { name: this.#free.name });
  }

  /** The toggle; pressed, while watching, it takes the call button's accent look (call-button.styles.ts). */
  render(text: CallButtonStrings): TemplateResult | typeof nothing {
    return this.#offered && !this.#free
      ? html`<button part="notify-button" class=${this.#watched ? 'call' : ''} type="button" aria-pressed=${!!this.#watched} @click=${() => this.#toggle(text)}>
          ${text.notifyWhenFree}
        </button>`
      : nothing;
  }

  #toggle(text: CallButtonStrings): void {
    const client = this.store.client;
    const callee = this.#offered;
    if (this.#watched || !callee || !client) {
      this.#watched = undefined;
    } else {
      const watched = (this.#watched = callee);
      this.#title = format(text.freeNow, { name: callee.name });
      this.#armed = false;
      // The click is the user gesture browsers ask for; a refusal only means no notification.
      if (globalThis.Notification?.permission === 'default') Notification.requestPermission().catch(() => {});
      // Presence is a hint: should the subscription fail, the store's status (the button's own subscription) still counts.
      const arm = (): void => {
        this.#armed = this.#watched === watched;
        this.host.requestUpdate();
      };
      client.subscribePresence([callee.userId]).then(arm, arm);
    }
    this.host.requestUpdate();
  }
}
