import { css } from 'lit';
import { themeStyles } from '../shared.styles.js';

export const styles = [
  themeStyles,
  css`
    :host {
      display: inline-block;
    }

    .base {
      display: inline-flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 0.5rem 0.75rem;
    }

    .call,
    .cancel {
      display: inline-flex;
      align-items: center;
      gap: 0.4em;
      border-color: transparent;
    }

    .call {
      background: var(--_accent);
      color: var(--_on-accent);
      font-weight: 600;
    }

    .call:not(:disabled):hover {
      box-shadow: inset 0 0 0 100vmax rgb(255 255 255 / 0.12);
    }

    .icon {
      display: inline-flex;
    }

    .calling {
      display: inline-flex;
      align-items: center;
      flex-wrap: wrap;
      gap: 0.5em;
      font-weight: 600;
    }

    .delivery {
      font-weight: 400;
    }

    .pulse {
      width: 0.6em;
      height: 0.6em;
      border-radius: 50%;
      background: var(--_accent);
      animation: pulse 1.2s ease-in-out infinite;
    }

    @keyframes pulse {
      50% {
        transform: scale(1.6);
        opacity: 0.4;
      }
    }

    .cancel {
      background: var(--_decline);
      color: var(--_on-decline);
    }

    .presence {
      display: inline-flex;
      align-items: center;
      gap: 0.35em;
      font-size: 0.875em;
    }

    .dot {
      width: 0.55em;
      height: 0.55em;
      border-radius: 50%;
      background: var(--_offline);
    }

    [data-status='online'] .dot {
      background: var(--_online);
    }

    [data-status='busy'] .dot {
      background: var(--_busy);
    }

    .status {
      flex-basis: 100%;
      font-size: 0.875em;
    }

    /* Out of the flow but still in the accessibility tree, so the next message is announced. */
    .quiet .status {
      position: absolute;
    }
  `,
];
