import { css } from 'lit';

/**
 * The theme every element shares. Public `--bax-*` properties feed private `--_*` ones, so a page overrides a
 * colour once and the dark defaults never fight its choice. Light or dark follows the page's `color-scheme`
 * (inherited, as `<bax-cloud theme>` or `--bax-color-scheme` may set it), not the visitor's system setting: a plain
 * light page stays light in a dark-mode browser. Text on no background of its own keeps the page's colour
 * (`currentColor`); coloured surfaces (buttons, dialogs, the history card, the call room) bring their own.
 */
export const themeStyles = css`
  :host {
    color-scheme: var(--bax-color-scheme, inherit);
    --_surface: var(--bax-surface-color, light-dark(#ffffff, #1d1f24));
    --_surface-raised: var(--bax-surface-raised-color, light-dark(#f3f4f7, #2a2d34));
    --_text: var(--bax-text-color, light-dark(#1b1d22, #eceef2));
    --_muted: var(--bax-muted-color, light-dark(#565b66, #aeb3bd));
    --_border: var(--bax-border-color, light-dark(#c9cdd5, #454a54));
    --_accent: var(--bax-accent-color, light-dark(#2456d6, #8fb0ff));
    --_on-accent: var(--bax-on-accent-color, light-dark(#ffffff, #0b1020));
    --_accept: var(--bax-accept-color, #17803d);
    --_on-accept: var(--bax-on-accept-color, #ffffff);
    --_decline: var(--bax-decline-color, #c0262b);
    --_on-decline: var(--bax-on-decline-color, #ffffff);
    --_missed: var(--bax-missed-color, light-dark(#b42318, #ff8a80));
    --_online: var(--bax-online-color, #1f9d4c);
    --_busy: var(--bax-busy-color, #d48806);
    --_offline: var(--bax-offline-color, #8a8f98);
    --_focus: var(--bax-focus-ring-color, light-dark(#2456d6, #8fb0ff));
    --_radius: var(--bax-radius, 10px);
    --_font: var(--bax-font-family, system-ui, sans-serif);
    --_shadow: var(--bax-shadow, 0 12px 32px light-dark(rgb(0 0 0 / 0.18), rgb(0 0 0 / 0.5)));
    font-family: var(--_font);
    -webkit-tap-highlight-color: transparent;
  }

  /* Right to left in the languages written so; \`dir="rtl"\` on the page is inherited in any language. */
  :host(:is(:lang(ar), :lang(fa), :lang(he), :lang(ur))) {
    direction: rtl;
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
    transition: 120ms;
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
