import { html, nothing } from 'lit';
import type { TemplateResult } from 'lit';
import type { PresenceStatus } from '../../protocol/types.js';
import { icon } from '../icons.js';
import { format } from '../strings.js';
import type { CallButtonStrings } from '../translation.js';

/** The "Calling…" group shown while the invitation is pending, with its Cancel button, and `soundButton` ("Turn on sound") if any. */
export function callingTemplate(text: CallButtonStrings, name: string, ringing: boolean, handleCancel: () => unknown, soundButton?: unknown): TemplateResult {
  return html`
    <span part="calling" class="calling">
      <span class="pulse" aria-hidden="true"></span>
      <span>${format(text.calling, { name })}</span>
      <span part="delivery" class="delivery">${ringing ? text.ringing : text.notDelivered}</span>
      <button part="cancel-button" class="cancel" type="button" aria-label=${format(text.cancelLabel, { name })} @click=${handleCancel}>
        ${icon('hang-up')}<span>${text.cancel}</span>
      </button>
      ${soundButton}
    </span>
  `;
}

/** The callees' presence, once every one of them is known. */
export function presenceTemplate(text: CallButtonStrings, statuses: Array<PresenceStatus | undefined>): TemplateResult | typeof nothing {
  if (statuses.length === 0 || statuses.some((status) => status === undefined)) return nothing;
  let status = statuses[0] ?? 'offline';
  let label = text[status];
  // A meeting shows how many are online in one line, with the dot green while anyone is.
  if (statuses.length > 1) {
    const online = statuses.filter((each) => each !== 'offline').length;
    status = online > 0 ? 'online' : 'offline';
    label = format(text.meetingPresence, { online, total: statuses.length });
  }
  return html`<span part="presence" class="presence" data-status=${status}>
    <span part="presence-dot" class="dot" aria-hidden="true"></span>${label}
  </span>`;
}
