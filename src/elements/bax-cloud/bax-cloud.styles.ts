import { css } from 'lit';

/** `theme` sets the scheme the elements inside take (shared.styles.ts), not the page content's own `color-scheme`. */
export const styles = css`
  :host {
    display: contents;
  }

  :host([theme='light']) {
    --bax-color-scheme: light;
  }

  :host([theme='dark']) {
    --bax-color-scheme: dark;
  }
`;
