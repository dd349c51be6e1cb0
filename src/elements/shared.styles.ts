import { css } from 'lit';

/**
 * The theme every element shares. Public `--bax-*` properties feed private `--_*` ones, so a page overrides a
 * colour once and the dark-scheme defaults never fight its choice.
 */
export const themeStyles = css`
  :host {
    --_surface: var(--bax-surface-color, #ffffff);
    --_surface-raised: var(--bax-surface-raised-color, #f3f4f7);
    --_text: var(--bax-text-color, #1b1d22);
    --_muted: var(--bax-muted-color, #565b66);
    --_border: var(--bax-border-color, #c9cdd5);
    --_accent: var(--bax-accent-color, #2456d6);
    --_on-accent: var(--bax-on-accent-color, #ffffff);
    --_accept: var(--bax-accept-color, #17803d);
    --_on-accept: var(--bax-on-accept-color, #ffffff);
    --_decline: var(--bax-decline-color, #c0262b);
    --_on-decline: var(--bax-on-decline-color, #ffffff);
    --_missed: var(--bax-missed-color, #b42318);
    --_online: var(--bax-online-color, #1f9d4c);
    --_busy: var(--bax-busy-color, #d48806);
    --_offline: var(--bax-offline-color, #8a8f98);
    --_focus: var(--bax-focus-ring-color, #2456d6);
    --_radius: var(--bax-radius, 10px);
    --_font: var(--bax-font-family, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif);
    --_shadow: var(--bax-shadow, 0 12px 32px rgb(0 0 0 / 0.18));
    font-family: var(--_font);
    color: var(--_text);
    -webkit-tap-highlight-color: transparent;
  }

  /* Right to left in the languages written so; \`dir="rtl"\` on the page is inherited in any language. */
  :host(:is(:lang(ar), :lang(fa), :lang(he), :lang(ur))) {
    direction: rtl;
  }

  @media (prefers-color-scheme: dark) {
    :host {
      --_surface: var(--bax-surface-color, #1d1f24);
      --_surface-raised: var(--bax-surface-raised-color, #2a2d34);
      --_text: var(--bax-text-color, #eceef2);
      --_muted: var(--bax-muted-color, #aeb3bd);
      --_border: var(--bax-border-color, #454a54);
      --_accent: var(--bax-accent-color, #8fb0ff);
      --_on-accent: var(--bax-on-accent-color, #0b1020);
      --_accept: var(--bax-accept-color, #5fd38a);
      --_on-accept: var(--bax-on-accept-color, #07210f);
      --_decline: var(--bax-decline-color, #ff8a80);
      --_on-decline: var(--bax-on-decline-color, #2b0705);
      --_missed: var(--bax-missed-color, #ff8a80);
      --_focus: var(--bax-focus-ring-color, #8fb0ff);
      --_shadow: var(--bax-shadow, 0 12px 32px rgb(0 0 0 / 0.5));
    }
  }

  [hidden] {
    display: none !important;
  }

  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    margin: -1px;
    padding: 0;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
    border: 0;
  }

  button {
    font: inherit;
    cursor: pointer;
    border-radius: var(--_radius);
    border: 1px solid var(--_border);
    background: var(--_surface-raised);
    color: var(--_text);
    padding: 0.45em 0.9em;
    min-height: 2.25rem;
    transition:
      background-color 120ms ease,
      box-shadow 120ms ease;
  }

  button:focus-visible,
  input:focus-visible {
    outline: 2px solid var(--_focus);
    outline-offset: 2px;
  }

  button:disabled {
    cursor: not-allowed;
    opacity: 0.6;
  }

  @media (prefers-reduced-motion: reduce) {
    *,
    *::before,
    *::after {
      animation: none !important;
      transition: none !important;
    }
  }
`;
