import { html, nothing } from 'lit';
import type { PropertyDeclarations, PropertyValues, TemplateResult } from 'lit';
import type { CallClient, Unsubscribe } from '../../client/types.js';
import type { DeclineReason, ReceivedInvitation } from '../../protocol/types.js';
import { BaxCallStartEvent } from '../events/call-start.js';
import { BaxInvitationAcceptedEvent } from '../events/invitation-accepted.js';
import { BaxInvitationCanceledEvent } from '../events/invitation-canceled.js';
import { BaxInvitationDeclinedEvent } from '../events/invitation-declined.js';
import { BaxInvitationExpiredEvent } from '../events/invitation-expired.js';
import { BaxInvitationReceivedEvent } from '../events/invitation-received.js';
import { avatarTemplate } from '../avatar.js';
import { BaxElement } from '../base-element.js';
import { startCall } from '../call-room/start-call.js';
import { callTypeIcon } from '../icons.js';
import { displayName, format } from '../strings.js';
import { deepActiveElement, errorMessage } from '../support.js';
import type { IncomingCallStrings } from '../translation.js';
import { Attention, type Alert } from './attention.js';
import { DeviceChannel, type DeviceMessage } from './device-channel.js';
import { styles } from './incoming-call.styles.js';
import { actionsTemplate, countdownTemplate, repliesTemplate } from './incoming-call.templates.js';

/** How long past its expiry an invitation stays up when the server's expiry notice is late. */
const EXPIRY_GRACE_MS = 5_000;

/**
 * The incoming call: an alert dialog with the caller, a countdown, and Accept / Decline / quick replies.
 * Rings in one tab of the user at a time, flashes the title, vibrates, and shows a system notification
 * when the tab is hidden. Escape hides and silences the call on this device without declining it.
 * While this user is in a call, a new one shows as waiting, without the ringtone: "End & accept" hangs up first.
 * A quiet invitation (sent with `ring: false`) neither rings nor opens the dialog: it shows as a small notice in a
 * corner, "Alice started a meeting", with Join and Dismiss.
 *
 * @tag bax-incoming-call
 * @summary Rings and shows Accept / Decline when someone calls this user.
 *
 * @event {BaxInvitationReceivedEvent} bax-invitation-received - An invitation arrived.
 * @event {BaxInvitationAcceptedEvent} bax-invitation-accepted - This user accepted.
 * @event {BaxCallStartEvent} bax-call-start - Cancelable. This user accepted: the page's `<bax-call-room>` (or a full-window one) joins the call unless prevented.
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
 * @csspart waiting - "Waiting · you are in a call", while this user is in another call.
 * @csspart actions - The row of buttons.
 * @csspart accept-button - Accept, or "End & accept" for a waiting call.
 * @csspart decline-button - Decline.
 * @csspart reply-button - Opens the quick replies.
 * @csspart silence-button - Stops the ringtone, keeps the call up.
 * @csspart sound-button - "Turn on sound", while the browser holds the ringtone back until the user interacts with the page.
 * @csspart replies - The quick replies panel.
 * @csspart quick-reply - One ready-made reply.
 * @csspart reply-input - The field for a custom reply.
 * @csspart send-button - Sends the custom reply.
 * @csspart quiet - The list of quiet notices (invitations sent with `ring: false`).
 * @csspart quiet-notice - One quiet notice.
 * @csspart join-button - Joins a quiet invitation's call.
 * @csspart dismiss-button - Hides a quiet notice without declining.
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
export class BaxIncomingCall extends BaxElement {
  static override styles = styles;
  // Declared here rather than with decorators: the script-tag bundle then needs none of Lit's decorator code.
  static override properties: PropertyDeclarations = {
    muted: { type: Boolean, reflect: true },
    ringtone: {},
    notifications: {},
    strings: { type: Object },
    dismissed: { state: true, attribute: false },
    silenced: { state: true, attribute: false },
    replyOpen: { state: true, attribute: false },
    answering: { state: true, attribute: false },
    announcement: { state: true, attribute: false },
    brokenAvatars: { state: true, attribute: false },
  };

  /** Keeps the ringtone off; the dialog, title and notification still show. */
  muted = false;

  /** The URL of an audio file to ring with, fetched when a ring starts; the built-in tone when empty. */
  ringtone = '';

  /** `ask` requests permission for system notifications on the user's first click or key press; `off` never shows them. */
  notifications: 'ask' | 'off' = 'ask';

  /** Replaces any of the element's texts, over those registered for its language; also accepts JSON in the attribute. */
  strings: Partial<IncomingCallStrings> = {};

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
  readonly #attention = new Attention(() => this.requestUpdate());
  readonly #channel = new DeviceChannel((message) => this.#handleDeviceMessage(message));

  /** True while this tab plays the ringtone. */
  get ringing(): boolean {
    return this.#attention.ringing;
  }

  get #text(): IncomingCallStrings {
    return this.localize.texts('incomingCall', this.strings);
  }

  /** Invitations that ring, to show in the dialog, oldest first. */
  get #queue(): ReceivedInvitation[] {
    return this.#live.filter((invitation) => invitation.ring !== false);
  }

  /** Invitations not dismissed here nor run out, oldest first: those that ring and quiet ones (`ring: false`). */
  get #live(): ReceivedInvitation[] {
    const state = this.store.state;
    if (!state) return [];
    const now = Date.now() + state.clockOffset;
    return state.incoming.filter((invitation) => !this.dismissed.has(invitation.invitationId) && invitation.expiresAt + EXPIRY_GRACE_MS > now);
  }

  /** The quiet-notice module (quiet-notice.ts), once a quiet invitation made it load. */
  #quiet: typeof import('./quiet-notice.js') | undefined;

  /** Quiet invitations as small notices outside the dialog; their module loads with the first one. */
  #renderQuiet(): unknown {
    const quiet = this.#live.filter((invitation) => invitation.ring === false);
    if (!quiet[0]) return;
    if (this.#quiet)
      return this.#quiet.quietNotices(
        this.#text,
        quiet,
        (invitation) => this.#handleAccept(invitation),
        (id) => this.#dismiss(id),
      );
    void import('./quiet-notice.js').then((module) => {
      this.#quiet = module;
      this.requestUpdate();
    });
  }

  override connectedCallback(): void {
    super.connectedCallback();
    document.addEventListener('visibilitychange', this.#handleVisibilityChange);
    if (this.notifications === 'ask') this.#attention.askForPermission();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    document.removeEventListener('visibilitychange', this.#handleVisibilityChange);
    this.#attention.stop();
    this.#channel.close();
    this.#channelUser = undefined;
    this.#stopTicker();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    const state = this.store.state;
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
      ${this.#renderQuiet()}
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
    const waitingCall = this.#waitingCall(invitation);
    return html`
      <div part="header" class="header">
        ${avatarTemplate(caller, this.brokenAvatars, (url) => this.#handleAvatarError(url))}
        <div class="who">
          <h2 part="caller" id="caller">${format(text.title, { name })}</h2>
          <p part="call-type" id="call-type" class="call-type">${callTypeIcon(invitation.callType)}${text[invitation.callType]}</p>
        </div>
      </div>
      ${invitation.message ? html`<p part="message" class="message">“${invitation.message}”</p>` : nothing}
      <slot name="details"></slot>
      ${countdownTemplate(text, invitation, Date.now() + (this.store.state?.clockOffset ?? 0), this.localize.lang())}
      ${waiting > 0 ? html`<p part="queue" class="queue">${format(text.queued, { count: waiting })}</p>` : nothing}
      ${waitingCall ? html`<p part="waiting" class="queue">${text.waiting}</p>` : nothing}
      ${actionsTemplate(text, invitation.callType, {
        answering: this.answering,
        replyOpen: this.replyOpen,
        silenced: silenced || waitingCall,
        waitingCall,
        handleAccept: () => this.#handleAccept(),
        handleDecline: () => this.#decline('declined'),
        handleReplyToggle: this.#handleReplyToggle,
        handleSilence: this.#handleSilence,
      })}
      ${this.#attention.soundButton(text.enableSound)}
      ${repliesTemplate(text, this.replyOpen, this.answering, (message) => this.#decline('declined', message), this.#handleCustomReply)}
    `;
  }

  /** Whether `invitation` waits behind the call this user is in. */
  #waitingCall(invitation: ReceivedInvitation): boolean {
    const room = this.store.state?.room;
    return room != null && room.roomName !== invitation.roomName;
  }

  protected override listen(client: CallClient): Unsubscribe[] {
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
        // A quiet invitation that ran out is no missed call.
        if (invitation.ring !== false) this.#announce(format(this.#text.missed, { name: displayName(invitation.fromUser) }));
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

  #syncAttention(): void {
    const current = this.#queue[0];
    this.#attention.sync(current && this.#alert(current));
  }

  #alert(invitation: ReceivedInvitation): Alert {
    const text = this.#text;
    const name = displayName(invitation.fromUser);
    return {
      invitation,
      userId: this.store.state?.user.userId,
      // A waiting call shows without the ringtone, which would drown the call in progress.
      ring: !this.muted && !this.silenced.has(invitation.invitationId) && !this.#waitingCall(invitation),
      ringtone: this.ringtone || null,
      muted: this.muted,
      notify: this.notifications !== 'off',
      title: format(text.title, { name }),
      body: invitation.message ?? text[invitation.callType],
      titleFlash: format(text.titleFlash, { name }),
    };
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

  #handleAvatarError(url: string): void {
    this.brokenAvatars = new Set([...this.brokenAvatars, url]);
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

  /** Accepts the call in the dialog, or a quiet invitation joined from its notice. */
  async #handleAccept(invitation = this.#queue[0]): Promise<void> {
    const client = this.store.client;
    if (!client || !invitation || this.answering) return;
    this.answering = true;
    try {
      // End & accept: hang up the call in progress first.
      if (this.#waitingCall(invitation)) await client.leaveRoom();
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
      const start = new BaxCallStartEvent(detail);
      this.dispatchEvent(start);
      startCall(start, client);
    } catch (error) {
      this.#announce(format(this.#text.failed, { error: errorMessage(error) }));
    } finally {
      this.answering = false;
    }
  }

  async #decline(reason: DeclineReason, message?: string): Promise<void> {
    const client = this.store.client;
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
