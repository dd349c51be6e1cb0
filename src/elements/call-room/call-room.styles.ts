import { css } from 'lit';

/** The call room's own styles, over the shared theme the element carries (shared.styles.ts). */
export const styles = css`
  :host {
    display: block;
    --_tile: var(--bax-tile-color, #22252b);
    --_on-tile: var(--bax-on-tile-color, #ffffff);
    --_speaking: var(--bax-speaking-color, #3ec46d);
  }

  :host([full-window]) {
    display: contents;
  }

  .base {
    box-sizing: border-box;
    display: flex;
    flex-direction: column;
    gap: 0.5rem;
    height: 100%;
    min-height: var(--bax-call-room-min-height, 22rem);
    padding: 0.5rem;
    border-radius: var(--_radius);
    background: var(--_surface);
    color: var(--_text);
    container: room / inline-size;
    outline: none;
  }

  .window {
    box-sizing: border-box;
    width: 100vw;
    height: 100dvh;
    max-width: none;
    max-height: none;
    margin: 0;
    padding: 0;
    border: 0;
    background: var(--_surface);
    color: var(--_text);
  }

  .window::backdrop {
    background: var(--bax-backdrop, rgb(0 0 0 / 0.6));
  }

  .window .base {
    border-radius: 0;
  }

  .header {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 0.3rem 0.9rem;
    min-height: 1.5rem;
    padding-inline: 0.25rem;
    font-size: 0.875rem;
    color: var(--_muted);
  }

  .timer {
    color: var(--_text);
    font-weight: 600;
    font-variant-numeric: tabular-nums;
  }

  .live {
    padding: 0.05rem 0.45rem;
    border-radius: 4px;
    background: var(--_decline);
    color: var(--_on-decline);
    font-size: 0.75rem;
    font-weight: 700;
    text-transform: uppercase;
  }

  .warning {
    color: var(--_text);
    font-weight: 600;
  }

  .notice {
    flex-basis: 100%;
    margin: 0;
    padding: 0.35rem 0.6rem;
    border-inline-start: 3px solid var(--_decline);
    border-radius: 4px;
    background: var(--_surface-raised);
    color: var(--_text);
  }

  .stage {
    position: relative;
    flex: 1;
    min-height: 0;
    display: grid;
    grid-template-columns: repeat(var(--_columns, 1), minmax(0, 1fr));
    grid-auto-rows: minmax(6rem, 1fr);
    gap: 0.5rem;
    margin: 0;
    padding: 0;
    overflow: auto;
    list-style: none;
  }

  .stage[data-tiles='3-4'],
  .stage[data-tiles='5-6'],
  .stage[data-tiles='7+'] {
    --_columns: 2;
  }

  .stage[data-layout='featured'] {
    --_columns: 3;
    grid-template-rows: minmax(8rem, 3fr);
    grid-auto-rows: minmax(4.5rem, 1fr);
  }

  .stage[data-layout='featured'] > [part~='featured'] {
    grid-column: 1 / -1;
  }


  @container room (min-width: 36rem) {
    .stage[data-tiles='2'] {
      --_columns: 2;
    }

    .stage[data-tiles='5-6'],
    .stage[data-tiles='7+'] {
      --_columns: 3;
    }
  }

  @container room (min-width: 56rem) {
    .stage[data-tiles='7+'],
    .stage[data-layout='featured'] {
      --_columns: 4;
    }
  }

  .tile {
    position: relative;
    display: grid;
    place-items: center;
    overflow: hidden;
    border-radius: var(--_radius);
    background: var(--_tile);
    color: var(--_on-tile);
  }

  .tile[data-speaking]::after {
    content: '';
    position: absolute;
    inset: 0;
    border-radius: inherit;
    box-shadow: inset 0 0 0 3px var(--_speaking);
    pointer-events: none;
  }

  .floating {
    position: absolute;
    inset-inline-end: 0.75rem;
    inset-block-end: 0.75rem;
    z-index: 1;
    width: clamp(6.5rem, 28%, 15rem);
    min-height: 0;
    aspect-ratio: 4 / 3;
    border: 2px solid var(--_surface);
    box-shadow: var(--_shadow);
  }

  video {
    position: absolute;
    inset: 0;
    width: 100%;
    height: 100%;
    object-fit: cover;
    background: #000000;
  }

  video.screen {
    object-fit: contain;
  }

  video.mirrored {
    transform: scaleX(-1);
  }

  .avatar {
    width: clamp(2.75rem, 28%, 6rem);
    height: auto;
    aspect-ratio: 1;
    border-radius: 50%;
    object-fit: cover;
  }

  .initials {
    display: grid;
    place-items: center;
    background: var(--_accent);
    color: var(--_on-accent);
    font-size: clamp(1rem, 2.5vmin, 2rem);
    font-weight: 700;
  }

  .caption {
    position: absolute;
    inset-inline-start: 0.4rem;
    inset-block-end: 0.4rem;
    display: flex;
    align-items: center;
    gap: 0.35rem;
    max-width: calc(100% - 0.8rem);
    padding: 0.15rem 0.55rem;
    border-radius: 999px;
    background: rgb(0 0 0 / 0.65);
    color: #ffffff;
    font-size: 0.8125rem;
    line-height: 1.4;
  }

  .name {
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }

  .mark {
    display: inline-flex;
    align-items: center;
    flex: none;
  }

  .muted,
  .camera-off,
  .poor {
    color: #ff9c94;
  }

  .fair {
    color: #ffd166;
  }

  .badge {
    padding: 0 0.35rem;
    border-radius: 4px;
    background: rgb(255 255 255 / 0.2);
    font-size: 0.7rem;
    text-transform: uppercase;
  }

  .reconnecting {
    position: absolute;
    inset: 0;
    display: grid;
    place-items: center;
    margin: 0;
    background: rgb(0 0 0 / 0.6);
    color: #ffffff;
    font-weight: 600;
  }

  .controls,
  .actions {
    display: flex;
    flex-wrap: wrap;
    justify-content: center;
    gap: 0.5rem;
  }

  .controls button {
    display: inline-flex;
    align-items: center;
    gap: 0.4em;
    min-width: 2.75rem;
    min-height: 2.75rem;
    border-radius: 999px;
  }

  .controls button[aria-pressed='true'],
  .controls button[aria-expanded='true'] {
    border-color: transparent;
    background: var(--_accent);
    color: var(--_on-accent);
  }

  .controls .secondary {
    justify-content: center;
    padding: 0.5em;
  }

  .controls .hang-up {
    border-color: transparent;
    background: var(--_decline);
    color: var(--_on-decline);
    font-weight: 600;
  }

  .secondary .label {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
  }

  @container room (max-width: 40rem) {
    .controls button {
      justify-content: center;
      padding: 0.5em;
    }

    .controls .label {
      position: absolute;
      width: 1px;
      height: 1px;
      overflow: hidden;
      clip-path: inset(50%);
      white-space: nowrap;
    }
  }

  .devices {
    display: flex;
    flex-wrap: wrap;
    justify-content: center;
    gap: 0.75rem;
    padding: 0.75rem;
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_surface-raised);
  }

  .device {
    display: grid;
    gap: 0.25rem;
    font-size: 0.875rem;
  }

  select {
    min-height: 2.25rem;
    max-width: 16rem;
    padding: 0.3em 0.5em;
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_surface);
    color: var(--_text);
    font: inherit;
  }

  select:focus-visible {
    outline: 2px solid var(--_focus);
    outline-offset: 2px;
  }

  .status {
    flex: 1;
    display: grid;
    place-content: center;
    justify-items: center;
    gap: 0.75rem;
    text-align: center;
    color: var(--_muted);
  }

  .status p {
    margin: 0;
  }

  .problem p {
    color: var(--_text);
  }

  .spinner {
    width: 2rem;
    height: 2rem;
    border: 3px solid var(--_border);
    border-block-start-color: var(--_accent);
    border-radius: 50%;
    animation: spin 0.9s linear infinite;
  }

  @keyframes spin {
    to {
      transform: rotate(360deg);
    }
  }
`;
