import { css } from 'lit';

/** The call history's own styles, over the shared theme the element carries (shared.styles.ts). */
export const styles = css`
  :host {
    display: block;
  }

  .base {
    background: var(--_surface);
    color: var(--_text);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    padding: 0.75rem 1rem;
  }

  .header {
    display: flex;
    align-items: center;
    flex-wrap: wrap;
    gap: 0.5rem 0.75rem;
  }

  h2 {
    margin: 0;
    font-size: 1.05rem;
    flex: 1 1 auto;
  }

  h2:focus {
    outline: none;
  }

  .missed-count {
    padding: 0.1em 0.6em;
    border-radius: 999px;
    background: var(--_missed);
    color: var(--_surface);
    font-size: 0.8rem;
    font-weight: 700;
  }

  .note {
    margin: 0.75rem 0 0.25rem;
    color: var(--_muted);
  }

  .error {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 0.5rem;
    color: var(--_text);
  }

  .list {
    list-style: none;
    margin: 0.5rem 0 0;
    padding: 0;
  }

  .entry {
    display: grid;
    grid-template-columns: auto 1fr auto;
    grid-template-areas:
      'direction details time'
      'direction details call-back';
    align-items: center;
    gap: 0.1rem 0.75rem;
    padding: 0.6rem 0;
    border-top: 1px solid var(--_border);
  }

  .entry:first-child {
    border-top: none;
  }

  .entry:focus-visible {
    outline: 2px solid var(--_focus);
    outline-offset: 2px;
  }

  .direction {
    grid-area: direction;
    display: inline-flex;
    align-items: center;
    color: var(--_muted);
  }

  .arrow {
    font-size: 0.8em;
  }

  .details {
    grid-area: details;
    display: flex;
    flex-direction: column;
    min-width: 0;
  }

  .counterpart {
    font-weight: 600;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }

  .summary,
  .reply,
  .time {
    font-size: 0.85rem;
    color: var(--_muted);
  }

  .reply {
    font-style: italic;
    overflow-wrap: anywhere;
  }

  .missed .counterpart,
  .missed .summary,
  .missed .direction {
    color: var(--_missed);
  }

  .time {
    grid-area: time;
    justify-self: end;
    white-space: nowrap;
  }

  .call-back {
    grid-area: call-back;
    justify-self: end;
    font-size: 0.875rem;
  }

  /* A row of solid buttons would drown the list; call-back is a secondary action here. */
  .call-back::part(button) {
    background: transparent;
    color: var(--_accent);
    border-color: var(--_border);
  }

  .load-more {
    width: 100%;
    margin-top: 0.5rem;
  }
`;
