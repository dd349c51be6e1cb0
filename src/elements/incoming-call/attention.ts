import type { ReceivedInvitation } from '../../protocol/types.js';
import { RingLock } from './ring-lock.js';
import type { Ringtone } from './ringtone.js';
import { TitleFlasher } from './title-flasher.js';

/** The call to draw attention to, and how. */
export interface Alert {
  invitation: ReceivedInvitation;
  /** The user called: one tab per user rings. */
  userId: string | undefined;
  /** Whether this call may ring here: not when the element is muted or the call silenced. */
  ring: boolean;
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
 * Draws the user's attention to an incoming call: rings and vibrates in the one tab of the user holding the ring
 * lock, flashes the document title, and shows a system notification while the tab is hidden.
 */
export class Attention {
  #notification: Notification | undefined;
  readonly #notified = new Set<string>();
  /** Loaded with the element, from a file of its own so the script-tag bundle stays small; see the constructor. */
  #ringtone: Ringtone | undefined;
  /** Whether this tab should be ringing: the ringtone plays from the moment it is loaded. */
  #ringtoneWanted = false;
  readonly #titleFlasher = new TitleFlasher();
  #holdsRingLock = false;
  readonly #ringLock: RingLock;

  /** `onRingLock` is called when this tab takes the ring lock late, so the element syncs again. */
  constructor(onRingLock: () => void) {
    this.#ringLock = new RingLock((held) => {
      this.#holdsRingLock = held;
      // Releasing happens during an update, which already acts on it; only a late acquisition needs another.
      if (held) onRingLock();
    });
    // Fetched as the element arrives, long before a call does; a ring that comes first starts it on arrival.
    void import('./ringtone.js').then(({ Ringtone }) => {
      this.#ringtone = new Ringtone();
      if (this.#ringtoneWanted) this.#ringtone.start();
    });
  }

  /** True while this tab rings. */
  get ringing(): boolean {
    return this.#ringtoneWanted;
  }

  /** Asks for permission to show notifications on the user's first click or key press, as browsers require. */
  askForPermission(): void {
    if (typeof Notification === 'undefined' || Notification.permission !== 'default') return;
    addEventListener('pointerdown', this.#askForPermission, { capture: true, once: true });
    addEventListener('keydown', this.#askForPermission, { capture: true, once: true });
  }

  /** Rings in the one tab holding the lock; flashes the title and notifies while any call is up. */
  sync(alert: Alert | undefined): void {
    const userId = alert?.userId;
    const wantsRing = !!alert?.ring && !!userId;
    if (wantsRing) this.#ringLock.acquire(userId);
    else this.#ringLock.releaseLock();

    if (wantsRing && this.#holdsRingLock) {
      if (!this.#ringtoneWanted) {
        this.#ringtoneWanted = true;
        this.#ringtone?.start();
        navigator.vibrate?.([400, 200, 400, 1400, 400, 200, 400, 1400, 400, 200, 400]);
      }
    } else if (this.#ringtoneWanted) {
      this.#ringtoneWanted = false;
      this.#ringtone?.stop();
      navigator.vibrate?.(0);
    }

    if (alert) {
      this.#titleFlasher.start(alert.titleFlash);
      this.#notify(alert);
    } else {
      this.#titleFlasher.stop();
    }
    if (this.#notification && this.#notification.tag !== alert?.invitation.invitationId) {
      this.#notification.close();
      this.#notification = undefined;
    }
  }

  /** Stops everything, e.g. when the element leaves the page. */
  stop(): void {
    removeEventListener('pointerdown', this.#askForPermission, { capture: true });
    removeEventListener('keydown', this.#askForPermission, { capture: true });
    if (this.#ringtoneWanted) navigator.vibrate?.(0);
    this.#ringtoneWanted = false;
    this.#ringtone?.stop();
    this.#titleFlasher.stop();
    this.#notification?.close();
    this.#notification = undefined;
    this.#ringLock.releaseLock();
  }

  #notify({ invitation, notify, muted, title, body }: Alert): void {
    if (
      !document.hidden ||
      !notify ||
      typeof Notification === 'undefined' ||
      Notification.permission !== 'granted' ||
      this.#notified.has(invitation.invitationId) ||
      // Like the ringtone, one tab speaks for the user.
      (!this.#holdsRingLock && !muted)
    ) {
      return;
    }
    this.#notified.add(invitation.invitationId);
    const notification = new Notification(title, {
      body,
      tag: invitation.invitationId,
      requireInteraction: true,
      ...(invitation.fromUser.avatarUrl ? { icon: invitation.fromUser.avatarUrl } : {}),
    });
    notification.onclick = () => {
      window.focus();
      notification.close();
    };
    this.#notification = notification;
  }

  readonly #askForPermission = () => {
    if (typeof Notification !== 'undefined' && Notification.permission === 'default') void Notification.requestPermission();
  };
}
