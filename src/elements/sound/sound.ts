/**
 * The elements' sounds, loaded on demand (in the script-tag build, the file bax-call-sound.js beside bax-call.js):
 * the ringtone of `<bax-incoming-call>` (with its ring lock and system notification), the ringback and busy tones of `<bax-call-button>`, the call-ended tone of
 * `<bax-call-room>`, and the "Turn on sound" button shown while the browser holds a sound back.
 */
import { html, nothing } from 'lit';
import type { ReactiveController, ReactiveControllerHost, TemplateResult } from 'lit';
import type { SentInvitation } from '../../protocol/types.js';
import type { Alert } from '../incoming-call/attention.js';
import { RingLock } from '../incoming-call/ring-lock.js';
import { TitleFlasher } from '../incoming-call/title-flasher.js';
import { onSoundChange, playTone, unblockSound, type Sound } from './player.js';

export { playingSounds, playTone, soundBlocked, unblockSound, type Sound, type SoundInfo } from './player.js';
export type { ToneName } from './tones.js';

/** "Turn on sound", while `sound` plays but the browser holds it back; a click is the gesture browsers wait for. */
export function soundButton(sound: Sound | undefined, label: string): TemplateResult | typeof nothing {
  return sound?.blocked ? html`<button part="sound-button" class="sound" type="button" @click=${unblockSound}>${label}</button>` : nothing;
}

const VIBRATION = [400, 200, 400, 1400, 400, 200, 400, 1400, 400, 200, 400];

/**
 * Rings for `<bax-incoming-call>` in the one tab of the user that holds the ring lock (the ringtone, fetched when
 * the ring starts, and vibration), and shows a system notification while the tab is hidden.
 */
export class Ringer {
  #ringing = false;
  #holdsLock = false;
  #sound: Sound | undefined;
  readonly #lock: RingLock;
  #unsubscribe: (() => void) | undefined;
  #notification: Notification | undefined;
  readonly #notified = new Set<string>();
  readonly #titleFlasher = new TitleFlasher();

  /** `onChange` is called when this tab takes the ring lock late, or the ringtone is blocked or unblocked, so the element syncs again. */
  constructor(private readonly onChange: () => void) {
    this.#lock = new RingLock((held) => {
      this.#holdsLock = held;
      // Releasing happens during an update, which already acts on it; only a late acquisition needs another.
      if (held) onChange();
    });
  }

  /** True while this tab rings. */
  get ringing(): boolean {
    return this.#ringing;
  }

  sync(alert: Alert | undefined): void {
    const userId = alert?.ring ? alert.userId : undefined;
    if (userId) this.#lock.acquire(userId);
    else this.#lock.releaseLock();
    if (alert && userId && this.#holdsLock) {
      if (!this.#ringing) {
        this.#ringing = true;
        this.#sound = playTone('ringtone', alert.ringtone);
        this.#unsubscribe = onSoundChange(this.onChange);
        navigator.vibrate?.(VIBRATION);
      }
    } else if (this.#ringing) {
      this.#silence();
    }
    if (alert) {
      this.#titleFlasher.start(alert.titleFlash);
      this.#notify(alert);
    } else this.#titleFlasher.stop();
    if (this.#notification && this.#notification.tag !== alert?.invitation.invitationId) this.#closeNotification();
  }

  stop(): void {
    removeEventListener('pointerdown', this.#askForPermission, { capture: true });
    removeEventListener('keydown', this.#askForPermission, { capture: true });
    if (this.#ringing) this.#silence();
    this.#lock.releaseLock();
    this.#closeNotification();
    this.#titleFlasher.stop();
  }

  /** Asks for permission to show notifications on the user's first click or key press, as browsers require. */
  askForPermission(): void {
    if (typeof Notification === 'undefined' || Notification.permission !== 'default') return;
    addEventListener('pointerdown', this.#askForPermission, { capture: true, once: true });
    addEventListener('keydown', this.#askForPermission, { capture: true, once: true });
  }

  readonly #askForPermission = () => {
    if (typeof Notification !== 'undefined' && Notification.permission === 'default') void Notification.requestPermission();
  };

  button(label: string): TemplateResult | typeof nothing {
    return soundButton(this.#sound, label);
  }

  #silence(): void {
    this.#ringing = false;
    this.#unsubscribe?.();
    this.#sound?.stop();
    this.#sound = undefined;
    navigator.vibrate?.(0);
  }

  #notify({ invitation, notify, muted, title, body }: Alert): void {
    if (
      !document.hidden ||
      !notify ||
      typeof Notification === 'undefined' ||
      Notification.permission !== 'granted' ||
      this.#notified.has(invitation.invitationId) ||
      // Like the ringtone, one tab speaks for the user; a muted tab holds no ring lock, so it shows its own.
      (!this.#holdsLock && !muted)
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

  #closeNotification(): void {
    this.#notification?.close();
    this.#notification = undefined;
  }
}

/** The element `CallerSound` serves: `<bax-call-button>`. */
type CallerHost = ReactiveControllerHost & { ringback: string };

/**
 * The caller's sounds for `<bax-call-button>`, in the tab that placed the call only: the ringback while the
 * invitation rings at a callee (the `ringback` attribute: a file, or `off`), then a busy tone if it is declined.
 */
export class CallerSound implements ReactiveController {
  /** Invitations this button sent from this tab; one it only follows (sent from another tab) makes no sound here. */
  readonly #placed = new Set<string>();
  readonly #answered = new Set<string>();
  #ringback: Sound | undefined;
  #unsubscribe: (() => void) | undefined;

  /** `followed` returns the invitation the button follows, pending or settled. */
  constructor(
    private readonly host: CallerHost,
    private readonly followed: () => SentInvitation | undefined,
  ) {
    host.addController(this);
  }

  /** This tab sent `invitationId`. */
  place(invitationId: string): void {
    this.#placed.add(invitationId);
    this.host.requestUpdate();
  }

  hostConnected(): void {
    this.#unsubscribe ??= onSoundChange(() => this.host.requestUpdate());
  }

  hostDisconnected(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#stopRingback();
  }

  hostUpdated(): void {
    const invitation = this.followed();
    const placed = invitation !== undefined && this.#placed.has(invitation.invitationId);
    const invitees = placed ? invitation.invitees : [];
    const pending = invitees.some((invitee) => invitee.state === 'pending');
    const rings = this.host.ringback !== 'off' && invitees.some((invitee) => invitee.state === 'pending' && invitee.delivered);
    if (rings) this.#ringback ??= playTone('ringback', this.host.ringback || null);
    else this.#stopRingback();
    // Declined (busy, unavailable or plain no) and nobody accepted: the busy tone, once.
    if (
      placed &&
      !pending &&
      !this.#answered.has(invitation.invitationId) &&
      invitees.some((invitee) => invitee.state === 'declined') &&
      !invitees.some((invitee) => invitee.state === 'accepted')
    ) {
      this.#answered.add(invitation.invitationId);
      playTone('busy');
    }
  }

  button(label: string): TemplateResult | typeof nothing {
    return soundButton(this.#ringback, label);
  }

  #stopRingback(): void {
    this.#ringback?.stop();
    this.#ringback = undefined;
  }
}
