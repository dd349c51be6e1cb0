import { html, nothing } from 'lit';
import type { PropertyDeclarations, PropertyValues, TemplateResult } from 'lit';
import type { CallClient, Unsubscribe } from '../../client/types.js';
import type { CallType, DeclineReason, InviteeStatus, SentInvitation, UserInfo } from '../../protocol/types.js';
import { BaxCallRequestEvent, type CallRequest } from '../events/call-request.js';
import { BaxCallStartEvent } from '../events/call-start.js';
import type { CalleeAvailableDetail } from '../events/callee-available.js';
import { BaxInvitationAcceptedEvent } from '../events/invitation-accepted.js';
import { BaxInvitationCanceledEvent } from '../events/invitation-canceled.js';
import { BaxInvitationDeclinedEvent } from '../events/invitation-declined.js';
import { BaxInvitationExpiredEvent } from '../events/invitation-expired.js';
import { BaxInvitationSentEvent } from '../events/invitation-sent.js';
import { BaxElement } from '../base-element.js';
import type { CallerSound } from '../sound/sound.js';
import { startCall } from '../call-room/start-call.js';
import { callTypeIcon } from '../icons.js';
import { claimInvitation, connectionProblem, errorMessage, newRoomName, releaseInvitations, reserveInvitation } from '../support.js';
import { displayName, format } from '../strings.js';
import type { CallButtonStrings } from '../translation.js';
import { styles } from './call-button.styles.js';
import { callingTemplate, presenceTemplate } from './call-button.templates.js';
import type { FreeWatch } from './free-watch.js';

/**
 * A button that calls one user, or invites several to a meeting, and follows the invitation to its outcome.
 *
 * @tag bax-call-button
 * @summary Calls a user: shows their presence, then "Calling…" with Cancel, then the answer.
 *
 * @event {BaxCallRequestEvent} bax-call-request - Cancelable, before the invitation is sent; change `detail` to amend it.
 * @event {BaxInvitationSentEvent} bax-invitation-sent - The server took the invitation.
 * @event {BaxInvitationAcceptedEvent} bax-invitation-accepted - A callee accepted.
 * @event {BaxInvitationDeclinedEvent} bax-invitation-declined - A callee declined, maybe with a message.
 * @event {BaxInvitationExpiredEvent} bax-invitation-expired - A callee did not answer in time.
 * @event {BaxInvitationCanceledEvent} bax-invitation-canceled - This user canceled the invitation.
 * @event {BaxCalleeAvailableEvent} bax-callee-available - Once, when a callee the caller asked to watch ("Tell me when free", offered after a busy answer) is online and not busy.
 * @event {BaxCallStartEvent} bax-call-start - Cancelable. The first callee accepted: the page's `<bax-call-room>` (or a full-window one) joins the call unless prevented.
 *
 * @slot - The button's label; defaults to "Video call {name}" or the like.
 * @slot icon - An icon before the label; defaults to one for the call type.
 *
 * @csspart base - The wrapper of everything.
 * @csspart button - The call button.
 * @csspart icon - The icon inside the call button.
 * @csspart label - The label inside the call button.
 * @csspart calling - The "Calling…" group shown while the invitation is pending.
 * @csspart delivery - "Ringing" or "Not delivered yet".
 * @csspart cancel-button - The button that cancels a pending invitation.
 * @csspart presence - The callee's presence.
 * @csspart presence-dot - The coloured dot of the presence.
 * @csspart sound-button - "Turn on sound", while the browser holds the ringback back until the user interacts with the page.
 * @csspart notify-button - "Tell me when free", offered when the callee answered busy; pressed while watching.
 * @csspart status - The live region with the outcome, errors and why the button is disabled.
 *
 * @cssproperty --bax-accent-color - Background of the call button.
 * @cssproperty --bax-on-accent-color - Text on the call button.
 * @cssproperty --bax-decline-color - Background of the cancel button.
 * @cssproperty --bax-on-decline-color - Text on the cancel button.
 * @cssproperty --bax-online-color - Dot of an online callee.
 * @cssproperty --bax-busy-color - Dot of a busy callee.
 * @cssproperty --bax-offline-color - Dot of an offline callee.
 * @cssproperty --bax-text-color - Text colour.
 * @cssproperty --bax-muted-color - Secondary text colour.
 * @cssproperty --bax-radius - Corner radius of the buttons.
 * @cssproperty --bax-font-family - Font of the element.
 * @cssproperty --bax-focus-ring-color - Keyboard focus outline.
 */
export class BaxCallButton extends BaxElement {
  static override styles = styles;
  // Declared here rather than with decorators: the script-tag bundle then needs none of Lit's decorator code.
  static override properties: PropertyDeclarations = {
    to: { reflect: true },
    displayName: { attribute: 'display-name' },
    callType: { attribute: 'call-type', reflect: true },
    roomName: { attribute: 'room-name' },
    roomUrl: { attribute: 'room-url' },
    message: {},
    timeout: { type: Number },
    hidePresence: { type: Boolean, attribute: 'hide-presence', reflect: true },
    ringback: {},
    strings: { type: Object },
    invitationId: { state: true, attribute: false },
    sending: { state: true, attribute: false },
    problem: { state: true, attribute: false },
    canceledByUser: { state: true, attribute: false },
  };
  static override shadowRootOptions = { ...BaxElement.shadowRootOptions, delegatesFocus: true };

  /** The user id to call, or several comma-separated ids to invite them to a meeting. */
  to = '';

  /** How to name the callee in text; defaults to their user id (or "N people"). */
  displayName = '';

  /** The kind of call. */
  callType: CallType = 'video_call';

  /** The room both sides join; a new unique name is generated for each call when empty. */
  roomName = '';

  /** A link to the room, passed to the callee. */
  roomUrl = '';

  /** A message shown to the callee with the invitation. */
  message = '';

  /** Seconds the invitation rings before it expires (5-300; the server's default when unset). */
  timeout: number | undefined;

  /** Hides the callee's presence and does not subscribe to it. */
  hidePresence = false;

  /** What the caller hears while the invitation rings: the URL of an audio file, `off` for nothing; the built-in tone when empty. */
  ringback = '';

  /** Replaces any of the element's texts, over those registered for its language; also accepts JSON in the attribute. */
  strings: Partial<CallButtonStrings> = {};

  /** The invitation this button follows, while pending and after it ended; the store holds the invitation itself. */
  private invitationId: string | undefined;
  private sending = false;
  private problem = '';
  private canceledByUser = false;

  readonly #startedCalls = new Set<string>();
  /** Callees' answers already reported, as `invitationId:userId`. */
  readonly #reportedAnswers = new Set<string>();
  #presenceKey = '';
  #hadFocus = false;
  /** The ringback and busy tones, loaded when this button first places a call. */
  #sound: CallerSound | undefined;
  /** "Tell me when free", loaded on the first busy answer. */
  #free: FreeWatch | undefined;

  get #text(): CallButtonStrings {
    return this.localize.texts('callButton', this.strings);
  }

  get #targets(): string[] {
    return [
      ...new Set(
        this.to
          .split(',')
          .map((id) => id.trim())
          .filter(Boolean),
      ),
    ];
  }

  /** The pending invitation this button follows, as the store has it now. */
  get #pending(): SentInvitation | undefined {
    return this.invitationId ? this.store.state?.outgoing.find((sent) => sent.invitationId === this.invitationId) : undefined;
  }

  /** The invitation this button follows, pending or settled, while the store still has it. */
  #followed(state = this.store.state): SentInvitation | undefined {
    if (!this.invitationId || !state) return undefined;
    const pending = state.outgoing.find((sent) => sent.invitationId === this.invitationId);
    return pending ?? (state.lastOutgoing?.invitationId === this.invitationId ? state.lastOutgoing : undefined);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    releaseInvitations(this);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    if (changed.has('to') && !this.#pending) this.invitationId = undefined;
    this.#followInvitation();
    this.#watchPresence();
    this.#hadFocus = this.shadowRoot?.activeElement != null;
  }

  protected override updated(): void {
    // The call and Cancel buttons replace each other; keep keyboard focus on the one now shown.
    if (this.#hadFocus && !this.shadowRoot?.activeElement) this.focus();
  }

  protected override render(): TemplateResult {
    const text = this.#text;
    const pending = this.#pending;
    const status = this.#statusText(text, pending);
    return html`
      <div part="base" class=${status ? 'base' : 'base quiet'}>
        ${pending ? this.#renderCalling(pending) : [this.#renderButton(), this.#free?.render(text)]}
        ${this.hidePresence ? nothing : this.#renderPresence()}
        <span part="status" class="status" role="status" id="status">${status}</span>
      </div>
    `;
  }

  #renderButton(): TemplateResult {
    const label = this.#free?.label(this.#text) ?? format(this.#labelTemplate(), { name: this.#calleeName() });
    return html`
      <button
        part="button"
        class="call"
        type="button"
        ?disabled=${this.#disabledReason() !== '' || this.sending}
        aria-describedby="status"
        @click=${this.#handleCall}
      >
        <span part="icon" class="icon"><slot name="icon">${callTypeIcon(this.callType)}</slot></span>
        <span part="label"><slot>${label}</slot></span>
      </button>
    `;
  }

  #renderCalling(pending: SentInvitation): TemplateResult {
    const ringing = pending.invitees.some((invitee) => invitee.state === 'pending' && invitee.delivered);
    return callingTemplate(this.#text, this.#calleeName(), ringing, this.#handleCancel, this.#sound?.button(this.#text.enableSound));
  }

  #renderPresence(): TemplateResult | typeof nothing {
    const presenceOf = this.store.state?.presenceOf ?? {};
    return presenceTemplate(
      this.#text,
      this.#targets.map((userId) => presenceOf[userId]?.status),
    );
  }

  #statusText(text: CallButtonStrings, pending: SentInvitation | undefined): string {
    if (this.problem) return this.problem;
    if (pending) return '';
    const reason = this.#disabledReason();
    if (reason) return reason;
    return this.invitationId ? (this.#free?.status(text) ?? this.#outcomeText(this.#followed())) : '';
  }

  /** The followed invitation's outcome; once the store keeps another settled invitation instead, just "ended". */
  #outcomeText(invitation: SentInvitation | undefined): string {
    const text = this.#text;
    if (this.canceledByUser) return text.canceled;
    if (!invitation) return text.ended;
    const lines = invitation.invitees.map((invitee) => this.#inviteeOutcome(invitee));
    const accepted = invitation.invitees.filter((invitee) => invitee.state === 'accepted');
    if (accepted.length > 0 && invitation.invitees.length > 1) {
      return format(text.accepted, { name: accepted.map((invitee) => displayName(invitee.user)).join(', ') });
    }
    return lines.filter(Boolean).join(' · ') || text.ended;
  }

  #inviteeOutcome(invitee: InviteeStatus): string {
    const text = this.#text;
    const name = this.#targets.length === 1 && this.displayName ? this.displayName : displayName(invitee.user);
    switch (invitee.state) {
      case 'accepted':
        return format(text.accepted, { name });
      case 'declined': {
        const template = invitee.reason === 'busy' ? text.declinedBusy : invitee.reason === 'unavailable' ? text.declinedUnavailable : text.declined;
        const said = format(template, { name });
        return invitee.message ? `${said}: “${invitee.message}”` : said;
      }
      case 'expired':
        return format(text.noAnswer, { name });
      case 'canceled':
        return text.canceled;
      default:
        return '';
    }
  }

  #labelTemplate(): string {
    const text = this.#text;
    return this.callType === 'audio_call' ? text.audioCall : this.callType === 'live_streaming' ? text.liveStreaming : text.videoCall;
  }

  #calleeName(): string {
    if (this.displayName) return this.displayName;
    const targets = this.#targets;
    if (targets.length > 1) return format(this.#text.people, { count: targets.length });
    // Once the callee's inbox answered, the invitation knows their name.
    const known = this.#followed()?.invitees.find((invitee) => invitee.userId === targets[0]);
    return known ? displayName(known.user) : (targets[0] ?? '');
  }

  #disabledReason(): string {
    const text = this.#text;
    const state = this.store.state;
    if (!this.store.client || !state) return text.notConfigured;
    if (this.#targets.length === 0) return text.noCallee;
    return connectionProblem(state.connection, text) ?? '';
  }

  /** Adopts a pending invitation to the same callees sent elsewhere, unless this button follows or sends one. */
  #followInvitation(): void {
    if (this.#pending || this.sending) return;
    // Another tab, or this page before a reload, may have sent the call this button stands for.
    const key = this.#invitationKey(this.#targets, this.callType);
    const adopted = this.store.state?.outgoing.find(
      (sent) => this.#invitationKey(sent.to, sent.callType) === key && claimInvitation(sent.invitationId, key, this),
    );
    if (!adopted) return;
    // Answers given before this button took the call over are not news.
    for (const invitee of adopted.invitees) if (invitee.state !== 'pending') this.#reportedAnswers.add(`${adopted.invitationId}:${invitee.userId}`);
    this.invitationId = adopted.invitationId;
    this.canceledByUser = false;
    this.problem = '';
  }

  /** What makes two invitations the same call for this button: the same callees and kind of call. */
  #invitationKey(to: string[], callType: CallType): string {
    return `${callType}:${[...to].sort().join(',')}`;
  }

  /** Subscribes to the callees' presence once per client connection and callee list. */
  #watchPresence(): void {
    const client = this.store.client;
    const state = this.store.state;
    if (this.hidePresence || !client || state?.connection !== 'open' || this.#targets.length === 0) return;
    const key = `${this.#targets.join(',')}`;
    if (key === this.#presenceKey) return;
    this.#presenceKey = key;
    client.subscribePresence(this.#targets).catch(() => {
      // Presence is a hint; the button still works without it. Try again on the next connection.
      this.#presenceKey = '';
    });
  }

  protected override listen(client: CallClient): Unsubscribe[] {
    this.#presenceKey = '';
    return [
      client.subscribe((state) => {
        // A new connection may have lost the server-side subscription.
        if (state.connection !== 'open') this.#presenceKey = '';
        this.#reportAnswers(state);
      }),
    ];
  }

  /**
   * Reports each callee's answer to the followed invitation once, from the store: whether it came with the send's
   * result (a busy callee, or a glare that joined the callee's call) or later.
   */
  #reportAnswers(state = this.store.state): void {
    const invitation = this.#followed(state);
    if (!invitation) return;
    for (const invitee of invitation.invitees) {
      const key = `${invitation.invitationId}:${invitee.userId}`;
      if (invitee.state === 'pending' || this.#reportedAnswers.has(key)) continue;
      this.#reportedAnswers.add(key);
      const answer = { invitationId: invitation.invitationId, callType: invitation.callType, direction: 'outgoing' as const, peer: invitee.user };
      if (invitee.state === 'accepted') this.#callAccepted(invitation, invitee.user);
      else if (invitee.state === 'declined') {
        this.dispatchEvent(new BaxInvitationDeclinedEvent({ ...answer, reason: invitee.reason as DeclineReason, message: invitee.message ?? null }));
        if (invitee.reason === 'busy' && !invitation.invitees[1])
          this.#offerFreeWatch(invitation.invitationId, { userId: invitee.userId, name: this.#calleeName() });
      } else if (invitee.state === 'expired') this.dispatchEvent(new BaxInvitationExpiredEvent(answer));
    }
  }

  /** Offers "Tell me when free" for the one callee of this call, who answered busy, unless the caller has called again since. */
  #offerFreeWatch(invitationId: string, callee: CalleeAvailableDetail): void {
    void import('./free-watch.js').then((module) => {
      if (this.invitationId === invitationId) (this.#free ??= new module.FreeWatch(this, this.store)).offer(callee);
    });
  }

  /** Announces an accepted invitation; in a meeting only the first acceptance starts the call. */
  #callAccepted(call: SentInvitation, peer: UserInfo): void {
    const detail = {
      invitationId: call.invitationId,
      roomName: call.roomName,
      roomUrl: call.roomUrl,
      callType: call.callType,
      direction: 'outgoing' as const,
      peer,
    };
    this.dispatchEvent(new BaxInvitationAcceptedEvent(detail));
    if (this.#startedCalls.has(call.invitationId)) return;
    this.#startedCalls.add(call.invitationId);
    const start = new BaxCallStartEvent(detail);
    this.dispatchEvent(start);
    startCall(start, this.store.client);
  }

  async #handleCall(): Promise<void> {
    const client = this.store.client;
    if (!client || this.#disabledReason()) return;
    const request: CallRequest = {
      to: this.#targets,
      callType: this.callType,
      roomName: this.roomName || newRoomName(),
      roomUrl: this.roomUrl || null,
      message: this.message || null,
      timeoutSeconds: this.timeout ?? null,
      metadata: null,
    };
    const requested = new BaxCallRequestEvent(request);
    this.dispatchEvent(requested);
    if (requested.defaultPrevented) return;

    const hadFocus = this.shadowRoot?.activeElement != null;
    this.sending = true;
    this.problem = '';
    this.canceledByUser = false;
    const { detail } = requested;
    const key = this.#invitationKey(detail.to, detail.callType);
    const unreserve = reserveInvitation(key, this);
    try {
      const result = await client.sendCallInvitation({
        to: detail.to.length === 1 && detail.to[0] ? detail.to[0] : detail.to,
        callType: detail.callType,
        roomName: detail.roomName,
        ...(detail.roomUrl ? { roomUrl: detail.roomUrl } : {}),
        ...(detail.message ? { message: detail.message } : {}),
        ...(detail.timeoutSeconds ? { timeoutSeconds: detail.timeoutSeconds } : {}),
        ...(detail.metadata ? { metadata: detail.metadata } : {}),
      });
      claimInvitation(result.invitationId, key, this);
      this.invitationId = result.invitationId;
      void import('../sound/sound.js').then(({ CallerSound }) => (this.#sound ??= new CallerSound(this, () => this.#followed())).place(result.invitationId));
      this.dispatchEvent(
        new BaxInvitationSentEvent({
          invitationId: result.invitationId,
          roomName: result.roomName,
          roomUrl: detail.roomUrl,
          callType: detail.callType,
          to: detail.to,
          expiresAt: result.expiresAt,
        }),
      );
      // Answers that came with the result (a glare, a busy callee) are in the store already.
      this.#reportAnswers();
    } catch (error) {
      this.problem = format(this.#text.sendFailed, { error: errorMessage(error) });
    } finally {
      unreserve();
      this.sending = false;
    }
    // The button lost focus while disabled for the send: hand it to what shows now, unless it went elsewhere meanwhile.
    await this.updateComplete;
    if (hadFocus && !this.shadowRoot?.activeElement && (document.activeElement ?? document.body) === document.body) this.focus();
  }

  async #handleCancel(): Promise<void> {
    const client = this.store.client;
    const invitation = this.#pending;
    if (!client || !invitation) return;
    try {
      await client.cancelCallInvitation(invitation.invitationId);
      this.canceledByUser = true;
      this.dispatchEvent(
        new BaxInvitationCanceledEvent({
          invitationId: invitation.invitationId,
          callType: invitation.callType,
          direction: 'outgoing',
          peer: null,
          reason: 'canceled',
        }),
      );
    } catch (error) {
      // Most often the callee answered at the same moment; their answer arrives as an event.
      this.problem = errorMessage(error);
    }
  }
}
