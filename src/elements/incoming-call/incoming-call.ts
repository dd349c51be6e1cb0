import { LitElement, html, nothing } from 'lit';
import type { PropertyDeclarations, PropertyValues, TemplateResult } from 'lit';
import type { CallClient, Unsubscribe } from '../../client/types.js';
import type { CallType, DeclineReason, ReceivedInvitation } from '../../protocol/types.js';
import { BaxCallStartEvent } from '../events/call-start.js';
import { BaxInvitationAcceptedEvent } from '../events/invitation-accepted.js';
import { BaxInvitationCanceledEvent } from '../events/invitation-canceled.js';
import { BaxInvitationDeclinedEvent } from '../events/invitation-declined.js';
import { BaxInvitationExpiredEvent } from '../events/invitation-expired.js';
import { BaxInvitationReceivedEvent } from '../events/invitation-received.js';
import { callTypeIcon, icon } from '../icons.js';
import { StoreController } from '../store-controller.js';
import { displayName, format, initials } from '../strings.js';
import { errorMessage } from '../support.js';
import { VERSION } from '../version.js';
import { DeviceChannel, type DeviceMessage } from './device-channel.js';
import { styles } from './incoming-call.styles.js';
import { RingLock } from './ring-lock.js';
import { Ringtone } from './ringtone.js';
import { TitleFlasher } from './title-flasher.js';

/** Every visible text of `<bax-incoming-call>`. `{name}`-style placeholders are filled in. */
export interface IncomingCallStrings {
  title: string;
  video_call: string;
  audio_call: string;
  live_streaming: string;
  ringsFor: string;
  queued: string;
  accept: string;
  decline: string;
  reply: string;
  silence: string;
  /** Ready-made decline messages. */
  quickReplies: string[];
  customReply: string;
  send: string;
  canceled: string;
  missed: string;
  answeredElsewhere: string;
  accepted: string;
  declined: string;
  gone: string;
  failed: string;
  titleFlash: string;
}

export const defaultIncomingCallStrings: IncomingCallStrings = {
  title: '{name} is calling',
  video_call: 'Video call',
  audio_call: 'Audio call',
  live_streaming: 'Live stream',
  ringsFor: 'Rings for {time}',
  queued: '{count} more waiting',
  accept: 'Accept',
  decline: 'Decline',
  reply: 'Reply…',
  silence: 'Silence',
  quickReplies: ["I'm busy", "Can't talk now, I'll call back"],
  customReply: 'Your message',
  send: 'Send',
  canceled: '{name} canceled the call',
  missed: 'Missed call from {name}',
  answeredElsewhere: 'Answered on another device',
  accepted: 'Call with {name} accepted',
  declined: 'Call from {name} declined',
  gone: 'This call is no longer available',
  failed: 'Something went wrong: {error}',
  titleFlash: '📞 {name}',
};

/** How long past its expiry an invitation stays up when the server's expiry notice is late. */
const EXPIRY_GRACE_MS = 5_000;

/**
 * The incoming call: an alert dialog with the caller, a countdown, and Accept / Decline / quick replies.
 * Rings in one tab of the user at a time, flashes the title, vibrates, and shows a system notification
 * when the tab is hidden. Escape hides and silences the call on this device without declining it.
 *
 * @tag bax-incoming-call
 * @summary Rings and shows Accept / Decline when someone calls this user.
 *
 * @event {BaxInvitationReceivedEvent} bax-invitation-received - An invitation arrived.
 * @event {BaxInvitationAcceptedEvent} bax-invitation-accepted - This user accepted.
 * @event {BaxCallStartEvent} bax-call-start - This user accepted: join the room now.
 * @event {BaxInvitationDeclinedEvent} bax-invitation-declined - This user declined, maybe with a message.
 * @event {BaxInvitationCanceledEvent} bax-invitation-canceled - The caller withdrew the invitation.
 * @event {BaxInvitationExpiredEvent} bax-invitation-expired - The invitation rang out unanswered.
 *
 * @slot details - Extra content shown under the caller, e.g. what the call is about.
 *
 * @csspart dialog - The alert dialog.
 * @csspart header - The avatar, caller and call type.
 * @csspart avatar - The caller's picture, or their initials.
 * @csspart caller - The heading naming the caller.
 * @csspart call-type - The kind of call.
 * @csspart message - The caller's message.
 * @csspart countdown - The time left to answer.
 * @csspart countdown-bar - The bar that shrinks as time runs out.
 * @csspart queue - How many more calls are waiting.
 * @csspart actions - The row of buttons.
 * @csspart accept-button - Accept.
 * @csspart decline-button - Decline.
 * @csspart reply-button - Opens the quick replies.
 * @csspart silence-button - Stops the ringtone, keeps the call up.
 * @csspart replies - The quick replies panel.
 * @csspart quick-reply - One ready-made reply.
 * @csspart reply-input - The field for a custom reply.
 * @csspart send-button - Sends the custom reply.
 * @csspart notice - The live region inside the dialog.
 * @csspart announcer - The live region outside the dialog.
 *
 * @cssproperty --bax-surface-color - Dialog background.
 * @cssproperty --bax-surface-raised-color - Background of secondary buttons.
 * @cssproperty --bax-text-color - Text colour.
 * @cssproperty --bax-muted-color - Secondary text colour.
 * @cssproperty --bax-border-color - Borders.
 * @cssproperty --bax-accept-color - Accept button background.
 * @cssproperty --bax-on-accept-color - Accept button text.
 * @cssproperty --bax-decline-color - Decline button background.
 * @cssproperty --bax-on-decline-color - Decline button text.
 * @cssproperty --bax-accent-color - Avatar and countdown bar.
 * @cssproperty --bax-radius - Corner radius.
 * @cssproperty --bax-shadow - Dialog shadow.
 * @cssproperty --bax-font-family - Font of the element.
 * @cssproperty --bax-focus-ring-color - Keyboard focus outline.
 * @cssproperty --bax-backdrop - What covers the page behind the dialog.
 */
export class BaxIncomingCall extends LitElement {
  static readonly version = VERSION;
  static override styles = styles;
  // Declared here rather than with decorators: the script-tag bundle then needs none of Lit's decorator code.
  static override properties: PropertyDeclarations = {
    muted: { type: Boolean, reflect: true },
    notifications: {},
    strings: { type: Object },
    client: { attribute: false },
    dismissed: { state: true, attribute: false },
    silenced: { state: true, attribute: false },
    replyOpen: { state: true, attribute: false },
    answering: { state: true, attribute: false },
    announcement: { state: true, attribute: false },
    brokenAvatars: { state: true, attribute: false },
  };

  /** Keeps the ringtone off; the dialog, title and notification still show. */
  muted = false;

  /** `ask` requests permission for system notifications on the user's first click or key press; `off` never shows them. */
  notifications: 'ask' | 'off' = 'ask';

  /** Replaces any of the element's texts, e.g. for another language; also accepts JSON in the attribute. */
  strings: Partial<IncomingCallStrings> = {};

  /** The client to use instead of the page's one. */
  client: CallClient | undefined;

  private dismissed: ReadonlySet<string> = new Set();
  private silenced: ReadonlySet<string> = new Set();
  private replyOpen = false;
  private answering = false;
  private announcement = '';
  private brokenAvatars: ReadonlySet<string> = new Set();

  get #dialog(): HTMLDialogElement {
    return this.renderRoot.querySelector('dialog')!;
  }

  /** Every invitation seen, so events can name the caller after the store has dropped the invitation. */
  readonly #known = new Map<string, ReceivedInvitation>();
  #shownId: string | undefined;
  #returnFocus: HTMLElement | undefined;
  #ticker: ReturnType<typeof setInterval> | undefined;
  #channelUser: string | undefined;
  #notification: Notification | undefined;
  readonly #notified = new Set<string>();
  readonly #ringtone = new Ringtone();
  readonly #titleFlasher = new TitleFlasher();
  #holdsRingLock = false;
  readonly #ringLock = new RingLock((held) => {
    this.#holdsRingLock = held;
    // Releasing happens during an update, which already acts on it; only a late acquisition needs another.
    if (held) this.requestUpdate();
  });
  readonly #channel = new DeviceChannel((message) => this.#handleDeviceMessage(message));
  readonly #store = new StoreController(this, (client) => this.#listen(client));

  /** True while this tab plays the ringtone. */
  get ringing(): boolean {
    return this.#ringtone.playing;
  }

  get #text(): IncomingCallStrings {
    return { ...defaultIncomingCallStrings, ...this.strings };
  }

  /** Invitations to show, oldest first. */
  get #queue(): ReceivedInvitation[] {
    const state = this.#store.state;
    if (!state) return [];
    const now = Date.now() + state.clockOffset;
    return state.incoming.filter((invitation) => !this.dismissed.has(invitation.invitationId) && invitation.expiresAt + EXPIRY_GRACE_MS > now);
  }

  override connectedCallback(): void {
    super.connectedCallback();
    document.addEventListener('visibilitychange', this.#handleVisibilityChange);
    if (this.notifications === 'ask' && typeof Notification !== 'undefined' && Notification.permission === 'default') {
      // Browsers only show the permission prompt in response to a user gesture.
      addEventListener('pointerdown', this.#askForNotifications, { capture: true, once: true });
      addEventListener('keydown', this.#askForNotifications, { capture: true, once: true });
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    document.removeEventListener('visibilitychange', this.#handleVisibilityChange);
    removeEventListener('pointerdown', this.#askForNotifications, { capture: true });
    removeEventListener('keydown', this.#askForNotifications, { capture: true });
    this.#stopAttention();
    this.#ringLock.releaseLock();
    this.#channel.close();
    this.#channelUser = undefined;
    this.#stopTicker();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('client')) this.#store.useClient(this.client);
    const state = this.#store.state;
    if (state && state.user.userId !== this.#channelUser) {
      this.#channelUser = state.user.userId;
      this.#channel.open(state.user.userId);
    }
    for (const invitation of state?.incoming ?? []) {
      if (this.#known.has(invitation.invitationId)) continue;
      this.#known.set(invitation.invitationId, invitation);
      this.dispatchEvent(new BaxInvitationReceivedEvent({ invitation }));
    }
    const current = this.#queue[0];
    if (current?.invitationId !== this.#shownId) {
      this.#shownId = current?.invitationId;
      this.replyOpen = false;
    }
  }

  protected override updated(): void {
    this.#syncDialog();
    this.#syncAttention();
  }

  protected override render(): TemplateResult {
    const current = this.#queue[0];
    return html`
      <dialog
        part="dialog"
        role="alertdialog"
        aria-labelledby="caller"
        aria-describedby="call-type"
        @cancel=${this.#handleCancel}
        @close=${this.#handleClose}
      >
        ${current ? this.#renderCall(current) : nothing}
        <p part="notice" class="visually-hidden" role="status">${this.#dialogOpen ? this.announcement : ''}</p>
      </dialog>
      <p part="announcer" class="visually-hidden" role="status">${this.#dialogOpen ? '' : this.announcement}</p>
    `;
  }

  get #dialogOpen(): boolean {
    return this.#queue.length > 0;
  }

  #renderCall(invitation: ReceivedInvitation): TemplateResult {
    const text = this.#text;
    const caller = invitation.fromUser;
    const name = displayName(caller);
    const waiting = this.#queue.length - 1;
    const silenced = this.muted || this.silenced.has(invitation.invitationId);
    return html`
      <div part="header" class="header">
        ${this.#renderAvatar(invitation)}
        <div class="who">
          <h2 part="caller" id="caller">${format(text.title, { name })}</h2>
          <p part="call-type" id="call-type" class="call-type">${callTypeIcon(invitation.callType)}${this.#callTypeLabel(invitation.callType)}</p>
        </div>
      </div>
      ${invitation.message ? html`<p part="message" class="message">“${invitation.message}”</p>` : nothing}
      <slot name="details"></slot>
      ${this.#renderCountdown(invitation)}
      ${waiting > 0 ? html`<p part="queue" class="queue">${format(text.queued, { count: waiting })}</p>` : nothing}
      <div part="actions" class="actions">
        <button part="accept-button" class="accept" type="button" autofocus ?disabled=${this.answering} @click=${this.#handleAccept}>
          ${callTypeIcon(invitation.callType)}<span>${text.accept}</span>
        </button>
        <button part="decline-button" class="decline" type="button" ?disabled=${this.answering} @click=${() => this.#decline('declined')}>
          ${icon('hang-up')}<span>${text.decline}</span>
        </button>
        <button
          part="reply-button"
          type="button"
          aria-expanded=${this.replyOpen ? 'true' : 'false'}
          aria-controls="replies"
          ?disabled=${this.answering}
          @click=${this.#handleReplyToggle}
        >
          ${text.reply}
        </button>
        <button part="silence-button" type="button" ?hidden=${silenced} @click=${this.#handleSilence}>${text.silence}</button>
      </div>
      <div part="replies" id="replies" class="replies" ?hidden=${!this.replyOpen}>
        <ul>
          ${text.quickReplies.map(
            (reply) =>
              html`<li>
                <button part="quick-reply" type="button" ?disabled=${this.answering} @click=${() => this.#decline('declined', reply)}>${reply}</button>
              </li>`,
          )}
        </ul>
        <form class="custom" @submit=${this.#handleCustomReply}>
          <label for="reply-input">${text.customReply}</label>
          <input part="reply-input" id="reply-input" name="message" maxlength="500" autocomplete="off" required />
          <button part="send-button" type="submit" ?disabled=${this.answering}>${text.send}</button>
        </form>
      </div>
    `;
  }

  #renderAvatar(invitation: ReceivedInvitation): TemplateResult {
    const caller = invitation.fromUser;
    if (caller.avatarUrl && !this.brokenAvatars.has(caller.avatarUrl)) {
      // The heading names the caller, so the picture is decorative.
      return html`<img part="avatar" class="avatar" src=${caller.avatarUrl} alt="" @error=${() => this.#handleAvatarError(caller.avatarUrl)} />`;
    }
    return html`<span part="avatar" class="avatar initials" aria-hidden="true">${initials(caller)}</span>`;
  }

  #renderCountdown(invitation: ReceivedInvitation): TemplateResult {
    const clockOffset = this.#store.state?.clockOffset ?? 0;
    const left = Math.max(0, invitation.expiresAt - (Date.now() + clockOffset));
    const total = Math.max(1, invitation.expiresAt - invitation.createdAt);
    const seconds = Math.ceil(left / 1000);
    const time = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
    return html`
      <div class="countdown">
        <p part="countdown" role="timer">${format(this.#text.ringsFor, { time })}</p>
        <div class="track" aria-hidden="true">
          <div part="countdown-bar" class="bar" style="inline-size: ${Math.min(100, (left / total) * 100)}%"></div>
        </div>
      </div>
    `;
  }

  #callTypeLabel(callType: CallType): string {
    return this.#text[callType];
  }

  #listen(client: CallClient): Unsubscribe[] {
    return [
      client.onInvitationCanceled((event) => {
        const invitation = this.#known.get(event.invitationId);
        if (!invitation) return;
        this.dispatchEvent(
          new BaxInvitationCanceledEvent({
            invitationId: event.invitationId,
            callType: event.callType,
            direction: 'incoming',
            peer: invitation.fromUser,
            reason: event.reason,
          }),
        );
        this.#announce(format(this.#text.canceled, { name: displayName(invitation.fromUser) }));
      }),
      client.onInvitationExpired((event) => {
        if (event.direction !== 'incoming') return;
        const invitation = this.#known.get(event.invitationId);
        if (!invitation) return;
        this.dispatchEvent(
          new BaxInvitationExpiredEvent({
            invitationId: event.invitationId,
            callType: event.callType,
            direction: 'incoming',
            peer: invitation.fromUser,
          }),
        );
        this.#announce(format(this.#text.missed, { name: displayName(invitation.fromUser) }));
      }),
      client.onInvitationAnsweredElsewhere((event) => {
        if (this.#known.has(event.invitationId)) this.#announce(this.#text.answeredElsewhere);
      }),
    ];
  }

  /** Opens the dialog for the first queued call and closes it when none is left, moving focus in and back. */
  #syncDialog(): void {
    const dialog = this.#dialog;
    if (this.#dialogOpen && !dialog.open) {
      this.#returnFocus = deepActiveElement();
      dialog.showModal();
      this.#startTicker();
    } else if (!this.#dialogOpen && dialog.open) {
      dialog.close();
    }
  }

  /** Rings in the one tab holding the lock; flashes the title and notifies while any call is up. */
  #syncAttention(): void {
    const current = this.#queue[0];
    const userId = this.#store.state?.user.userId;
    const wantsRing = !!current && !!userId && !this.muted && !this.silenced.has(current.invitationId);
    if (wantsRing) this.#ringLock.acquire(userId);
    else this.#ringLock.releaseLock();

    if (wantsRing && this.#holdsRingLock) {
      if (!this.#ringtone.playing) {
        this.#ringtone.start();
        navigator.vibrate?.([400, 200, 400, 1400, 400, 200, 400, 1400, 400, 200, 400]);
      }
    } else if (this.#ringtone.playing) {
      this.#ringtone.stop();
      navigator.vibrate?.(0);
    }

    if (current) {
      this.#titleFlasher.start(format(this.#text.titleFlash, { name: displayName(current.fromUser) }));
      this.#notify(current);
    } else {
      this.#titleFlasher.stop();
    }
    if (this.#notification && this.#notification.tag !== current?.invitationId) {
      this.#notification.close();
      this.#notification = undefined;
    }
  }

  #notify(invitation: ReceivedInvitation): void {
    if (
      !document.hidden ||
      this.notifications === 'off' ||
      typeof Notification === 'undefined' ||
      Notification.permission !== 'granted' ||
      this.#notified.has(invitation.invitationId) ||
      // Like the ringtone, one tab speaks for the user.
      (!this.#holdsRingLock && !this.muted)
    ) {
      return;
    }
    this.#notified.add(invitation.invitationId);
    const text = this.#text;
    const notification = new Notification(format(text.title, { name: displayName(invitation.fromUser) }), {
      body: invitation.message ?? this.#callTypeLabel(invitation.callType),
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

  #stopAttention(): void {
    if (this.#ringtone.playing) navigator.vibrate?.(0);
    this.#ringtone.stop();
    this.#titleFlasher.stop();
    this.#notification?.close();
    this.#notification = undefined;
  }

  #startTicker(): void {
    this.#stopTicker();
    this.#ticker = setInterval(() => this.requestUpdate(), 1000);
  }

  #stopTicker(): void {
    clearInterval(this.#ticker);
    this.#ticker = undefined;
  }

  #announce(message: string): void {
    // Clearing first makes a repeated message count as a change for screen readers.
    this.announcement = '';
    requestAnimationFrame(() => {
      this.announcement = message;
    });
  }

  #dismiss(invitationId: string): void {
    this.dismissed = new Set([...this.dismissed, invitationId]);
  }

  #silence(invitationId: string): void {
    this.silenced = new Set([...this.silenced, invitationId]);
  }

  #handleDeviceMessage(message: DeviceMessage): void {
    this.#silence(message.invitationId);
    if (message.type === 'dismiss') this.#dismiss(message.invitationId);
  }

  readonly #handleVisibilityChange = () => this.requestUpdate();

  readonly #askForNotifications = () => {
    if (typeof Notification !== 'undefined' && Notification.permission === 'default') void Notification.requestPermission();
  };

  #handleAvatarError(url: string | null): void {
    if (url) this.brokenAvatars = new Set([...this.brokenAvatars, url]);
  }

  /** Escape: hide and silence here and in the user's other tabs, without declining. */
  #handleCancel(event: Event): void {
    event.preventDefault();
    const current = this.#queue[0];
    if (!current) return;
    this.#silence(current.invitationId);
    this.#dismiss(current.invitationId);
    this.#channel.post({ type: 'dismiss', invitationId: current.invitationId });
  }

  /** The browser may close the dialog itself (a second Escape); treat that like the first. */
  #handleClose(): void {
    this.#stopTicker();
    const current = this.#queue[0];
    if (current) this.#handleCancel(new Event('cancel'));
    const target = this.#returnFocus;
    this.#returnFocus = undefined;
    if (target?.isConnected) target.focus();
  }

  #handleSilence(): void {
    const current = this.#queue[0];
    if (!current) return;
    this.#silence(current.invitationId);
    this.#channel.post({ type: 'silence', invitationId: current.invitationId });
    // The Silence button disappears; keep focus in the dialog.
    void this.updateComplete.then(() => this.shadowRoot?.querySelector<HTMLButtonElement>('.accept')?.focus());
  }

  async #handleReplyToggle(): Promise<void> {
    this.replyOpen = !this.replyOpen;
    if (!this.replyOpen) return;
    await this.updateComplete;
    this.shadowRoot?.querySelector<HTMLButtonElement>('[part="quick-reply"]')?.focus();
  }

  #handleCustomReply(event: SubmitEvent): void {
    event.preventDefault();
    const input = this.shadowRoot?.querySelector<HTMLInputElement>('#reply-input');
    const message = input?.value.trim();
    if (message) void this.#decline('declined', message);
  }

  async #handleAccept(): Promise<void> {
    const client = this.#store.client;
    const invitation = this.#queue[0];
    if (!client || !invitation || this.answering) return;
    this.answering = true;
    try {
      const result = await client.acceptCallInvitation(invitation.invitationId);
      if (result.state !== 'accepted') {
        this.#announce(this.#text.gone);
        return;
      }
      const detail = {
        invitationId: invitation.invitationId,
        roomName: invitation.roomName,
        roomUrl: invitation.roomUrl,
        callType: invitation.callType,
        direction: 'incoming' as const,
        peer: invitation.fromUser,
      };
      this.#announce(format(this.#text.accepted, { name: displayName(invitation.fromUser) }));
      this.dispatchEvent(new BaxInvitationAcceptedEvent(detail));
      this.dispatchEvent(new BaxCallStartEvent(detail));
    } catch (error) {
      this.#announce(format(this.#text.failed, { error: errorMessage(error) }));
    } finally {
      this.answering = false;
    }
  }

  async #decline(reason: DeclineReason, message?: string): Promise<void> {
    const client = this.#store.client;
    const invitation = this.#queue[0];
    if (!client || !invitation || this.answering) return;
    this.answering = true;
    try {
      const result = await client.declineCallInvitation(invitation.invitationId, { reason, ...(message ? { message } : {}) });
      if (result.state !== 'declined') {
        this.#announce(this.#text.gone);
        return;
      }
      this.#announce(format(this.#text.declined, { name: displayName(invitation.fromUser) }));
      this.dispatchEvent(
        new BaxInvitationDeclinedEvent({
          invitationId: invitation.invitationId,
          callType: invitation.callType,
          direction: 'incoming',
          peer: invitation.fromUser,
          reason,
          message: message ?? null,
        }),
      );
    } catch (error) {
      this.#announce(format(this.#text.failed, { error: errorMessage(error) }));
    } finally {
      this.answering = false;
    }
  }
}

/** The focused element, looking inside shadow roots, so focus can return to a control inside another element. */
function deepActiveElement(): HTMLElement | undefined {
  let active = document.activeElement;
  while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
  return active instanceof HTMLElement && active !== document.body ? active : undefined;
}
