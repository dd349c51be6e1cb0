import { html } from 'lit';
import type { TemplateResult } from 'lit';
import type { ReceivedInvitation } from '../../protocol/types.js';
import { displayName, format } from '../strings.js';
import type { IncomingCallStrings } from '../translation.js';

/**
 * Quiet invitations (sent with `ring: false`): a small notice in a corner, "Alice started a meeting", with Join and
 * Dismiss, that neither takes over the screen nor rings. `<bax-incoming-call>` loads this module the first time one
 * arrives, so pages that never get one do not carry it; for the same reason the English texts are here rather than
 * in translations/en.ts (a translation or the element's `strings` replaces them as any other).
 */
export const QUIET_NOTICE_ENGLISH = {
  quiet: '{name} started a meeting',
  quietLive: '{name} started a live stream',
  quietHeading: 'Invitations',
  join: 'Join',
  dismiss: 'Dismiss',
};

/** One notice per quiet invitation, oldest first. Join accepts (and starts the call as Accept does); Dismiss hides it here. */
export function quietNotices(
  strings: IncomingCallStrings,
  invitations: ReceivedInvitation[],
  join: (invitation: ReceivedInvitation) => unknown,
  dismiss: (invitationId: string) => unknown,
): TemplateResult {
  const text = { ...QUIET_NOTICE_ENGLISH, ...strings };
  return html`
    <style>
      .quiet {
        position: fixed;
        inset-inline-end: 1rem;
        inset-block-end: 1rem;
        z-index: 1000;
        display: grid;
        gap: 0.5rem;
        width: min(22rem, calc(100vw - 2rem));
        margin: 0;
        padding: 0;
        list-style: none;
      }
      .quiet li {
        padding: 0.75rem 1rem;
        border: 1px solid var(--_border);
        border-radius: var(--_radius);
        background: var(--_surface);
        box-shadow: var(--_shadow);
      }
      .quiet p {
        margin: 0;
      }
      .quiet .actions {
        margin-top: 0.6rem;
      }
    </style>
    <ul part="quiet" class="quiet" aria-label=${text.quietHeading}>
      ${invitations.map(
        (invitation) => html`<li part="quiet-notice">
          <p role="status">${format(invitation.callType === 'live_streaming' ? text.quietLive : text.quiet, { name: displayName(invitation.fromUser) })}</p>
          ${invitation.message ? html`<p part="message">“${invitation.message}”</p>` : ''}
          <div class="actions">
            <button part="join-button" class="accept" type="button" @click=${() => join(invitation)}>${text.join}</button>
            <button part="dismiss-button" type="button" @click=${() => dismiss(invitation.invitationId)}>${text.dismiss}</button>
          </div>
        </li>`,
      )}
    </ul>
  `;
}
