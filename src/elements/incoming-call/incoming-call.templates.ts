import { html } from 'lit';
import type { TemplateResult } from 'lit';
import type { CallType, ReceivedInvitation } from '../../protocol/types.js';
import { callTypeIcon, icon } from '../icons.js';
import { format } from '../strings.js';
import type { IncomingCallStrings } from '../translation.js';

/**
 * The time left to answer, `now` on the server's clock, in words and as a shrinking bar; m:ss in the digits of `lang`
 * (written here rather than with the history's `formatClock`, which lives in a lazily loaded chunk; a ring shows
 * before any chunk could arrive).
 */
export function countdownTemplate(text: IncomingCallStrings, invitation: ReceivedInvitation, now: number, lang: string): TemplateResult {
  const left = Math.max(0, invitation.expiresAt - now);
  const total = Math.max(1, invitation.expiresAt - invitation.createdAt);
  const seconds = Math.ceil(left / 1000);
  const digits = (n: number, minimumIntegerDigits: number) => {
    try {
      return new Intl.NumberFormat(lang || undefined, { minimumIntegerDigits, useGrouping: false }).format(n);
    } catch {
      return String(n).padStart(minimumIntegerDigits, '0');
    }
  };
  const time = `${digits(Math.floor(seconds / 60), 1)}:${digits(seconds % 60, 2)}`;
  return html`
    <div class="countdown">
      <p part="countdown" role="timer">${format(text.ringsFor, { time })}</p>
      <div class="track" aria-hidden="true">
        <div part="countdown-bar" class="bar" style="inline-size: ${Math.min(100, (left / total) * 100)}%"></div>
      </div>
    </div>
  `;
}

/** The quick replies panel: ready-made decline messages, and a field for the user's own. */
export function repliesTemplate(
  text: IncomingCallStrings,
  open: boolean,
  answering: boolean,
  reply: (message: string) => unknown,
  handleCustomReply: (event: SubmitEvent) => unknown,
): TemplateResult {
  return html`
    <div part="replies" id="replies" class="replies" ?hidden=${!open}>
      <ul>
        ${text.quickReplies.map(
          (message) =>
            html`<li>
              <button part="quick-reply" type="button" ?disabled=${answering} @click=${() => reply(message)}>${message}</button>
            </li>`,
        )}
      </ul>
      <form class="custom" @submit=${handleCustomReply}>
        <label for="reply-input">${text.customReply}</label>
        <input part="reply-input" id="reply-input" name="message" maxlength="500" autocomplete="off" required />
        <button part="send-button" type="submit" ?disabled=${answering}>${text.send}</button>
      </form>
    </div>
  `;
}

/** Accept (or "End & accept" for a waiting call), Decline, Reply… and Silence. */
export function actionsTemplate(
  text: IncomingCallStrings,
  callType: CallType,
  state: {
    answering: boolean;
    replyOpen: boolean;
    silenced: boolean;
    waitingCall: boolean;
    handleAccept: () => unknown;
    handleDecline: () => unknown;
    handleReplyToggle: () => unknown;
    handleSilence: () => unknown;
  },
): TemplateResult {
  return html`
    <div part="actions" class="actions">
      <button part="accept-button" class="accept" type="button" autofocus ?disabled=${state.answering} @click=${state.handleAccept}>
        ${callTypeIcon(callType)}<span>${state.waitingCall ? text.endAndAccept : text.accept}</span>
      </button>
      <button part="decline-button" class="decline" type="button" ?disabled=${state.answering} @click=${state.handleDecline}>
        ${icon('hang-up')}<span>${text.decline}</span>
      </button>
      <button
        part="reply-button"
        type="button"
        aria-expanded=${state.replyOpen ? 'true' : 'false'}
        aria-controls="replies"
        ?disabled=${state.answering}
        @click=${state.handleReplyToggle}
      >
        ${text.reply}
      </button>
      <button part="silence-button" type="button" ?hidden=${state.silenced} @click=${state.handleSilence}>${text.silence}</button>
    </div>
  `;
}
