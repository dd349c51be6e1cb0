import { html } from 'lit';
import type { TemplateResult } from 'lit';
import { initials } from './strings.js';

/**
 * A user's picture or, without one or when it failed to load, their initials. Decorative: whatever shows it names
 * the user in text too.
 */
export function avatarTemplate(
  user: { userId: string; name: string | null; avatarUrl: string | null },
  broken: ReadonlySet<string>,
  handleError: (url: string) => void,
): TemplateResult {
  const url = user.avatarUrl;
  if (url && !broken.has(url)) return html`<img part="avatar" class="avatar" src=${url} alt="" @error=${() => handleError(url)} />`;
  return html`<span part="avatar" class="avatar initials" aria-hidden="true">${initials(user)}</span>`;
}
