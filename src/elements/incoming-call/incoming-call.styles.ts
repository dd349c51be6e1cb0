import { css } from 'lit';
import { themeStyles } from '../shared.styles.js';

export const styles = [
  themeStyles,
  css`
    :host {
      display: contents;
    }

    dialog {
      box-sizing: border-box;
      width: min(24rem, calc(100vw - 2rem));
      padding: 1.25rem;
      border: 1px solid var(--_border);
      border-radius: calc(var(--_radius) * 1.6);
      background: var(--_surface);
      color: var(--_text);
      box-shadow: var(--_shadow);
    }

    dialog[open] {
      animation: arrive 180ms ease-out;
    }

    dialog::backdrop {
      background: var(--bax-backdrop, rgb(0 0 0 / 0.35));
    }

    @keyframes arrive {
      from {
        transform: translateY(0.75rem) scale(0.98);
        opacity: 0;
      }
    }

    .header {
      display: flex;
      align-items: center;
      gap: 0.9rem;
    }

    .avatar {
      flex: none;
      width: 3.25rem;
      height: 3.25rem;
      border-radius: 50%;
      object-fit: cover;
    }

    .initials {
      display: grid;
      place-items: center;
      background: var(--_accent);
      color: var(--_on-accent);
      font-weight: 700;
      font-size: 1.15rem;
      animation: ring 1.6s ease-in-out infinite;
    }

    @keyframes ring {
      0%,
      100% {
        box-shadow: 0 0 0 0 color-mix(in srgb, var(--_accent) 45%, transparent);
      }
      50% {
        box-shadow: 0 0 0 0.5rem transparent;
      }
    }

    h2 {
      margin: 0;
      font-size: 1.15rem;
      line-height: 1.3;
    }

    .call-type {
      display: flex;
      align-items: center;
      gap: 0.35em;
      margin: 0.2rem 0 0;
      color: var(--_muted);
    }

    .message {
      margin: 0.9rem 0 0;
      font-style: italic;
      overflow-wrap: anywhere;
    }

    .countdown {
      margin-top: 0.9rem;
      font-size: 0.875rem;
      color: var(--_muted);
    }

    .countdown p {
      margin: 0 0 0.3rem;
    }

    .track {
      height: 4px;
      border-radius: 2px;
      background: var(--_surface-raised);
      overflow: hidden;
    }

    .bar {
      height: 100%;
      background: var(--_accent);
      transition: inline-size 1s linear;
    }

    .queue {
      margin: 0.6rem 0 0;
      font-size: 0.875rem;
      font-weight: 600;
    }

    .actions {
      display: flex;
      flex-wrap: wrap;
      gap: 0.5rem;
      margin-top: 1.1rem;
    }

    .actions button {
      display: inline-flex;
      align-items: center;
      gap: 0.4em;
    }

    .accept,
    .decline {
      border-color: transparent;
      font-weight: 600;
    }

    .accept {
      background: var(--_accept);
      color: var(--_on-accept);
    }

    .decline {
      background: var(--_decline);
      color: var(--_on-decline);
    }

    .replies {
      margin-top: 0.9rem;
      padding-top: 0.9rem;
      border-top: 1px solid var(--_border);
    }

    .replies ul {
      display: flex;
      flex-direction: column;
      gap: 0.4rem;
      margin: 0 0 0.75rem;
      padding: 0;
      list-style: none;
    }

    .replies li button {
      width: 100%;
      text-align: start;
    }

    .custom {
      display: grid;
      grid-template-columns: 1fr auto;
      gap: 0.4rem;
    }

    .custom label {
      grid-column: 1 / -1;
      font-size: 0.875rem;
      color: var(--_muted);
    }

    input {
      font: inherit;
      min-width: 0;
      padding: 0.45em 0.6em;
      border: 1px solid var(--_border);
      border-radius: var(--_radius);
      background: var(--_surface);
      color: var(--_text);
    }
  `,
];
