import type { ReceivedInvitation } from '../../protocol/types.js';
import type { Ringer } from '../sound/sound.js';

/** The call to draw attention to, and how. */
export interface Alert {
  invitation: ReceivedInvitation;
  /** The user called: one tab per user rings. */
  userId: string | undefined;
  /** Whether this call may ring here: not when the element is muted or the call silenced. */
  ring: boolean;
  /** An audio file to ring with instead of the built-in tone. */
  ringtone: string | null;
  /** A muted tab holds no ring lock, so it shows its own notification. */
  muted: boolean;
  /** Whether system notifications are wanted at all. */
  notify: boolean;
  /** The title of the system notification. */
  title: string;
  /** The text of the system notification. */
  body: string;
  /** What the document title alternates with. */
  titleFlash: string;
}

/**
 * Draws the user's attention to an incoming call through the ringer, loaded with the element from the sound module
 * so the script-tag bundle stays small: it flashes the document title, rings and vibrates in the one tab of the user
 * holding the ring lock, and shows a system notification while the tab is hidden.
 */
export class Attention {
  #ringer: Ringer | undefined;
  #ask = false;

  /** `onChange` is called when the ringer arrives, takes the ring lock late, or its sound is blocked or unblocked. */
  constructor(onChange: () => void) {
    void import('../sound/sound.js').then(({ Ringer }) => {
      this.#ringer = new Ringer(onChange);
      if (this.#ask) this.#ringer.askForPermission();
      onChange();
    });
  }

  /** True while this tab rings. */
  get ringing(): boolean {
    return !!this.#ringer?.ringing;
  }

  /** "Turn on sound", while the browser holds the ringtone back. */
  soundButton(label: string): unknown {
    return this.#ringer?.button(label);
  }

  /** Asks for permission to show notifications on the user's first click or key press, as browsers require. */
  askForPermission(): void {
    this.#ask = true;
    this.#ringer?.askForPermission();
  }

  /** Rings in the one tab holding the lock; flashes the title and notifies while any call is up. */
  sync(alert: Alert | undefined): void {
    this.#ringer?.sync(alert);
  }

  /** Stops everything, e.g. when the element leaves the page. */
  stop(): void {
    this.#ask = false;
    this.#ringer?.stop();
  }
}
