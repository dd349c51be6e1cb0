import type { PropertyDeclarations } from 'lit';
import { LazyElement } from '../lazy-element.js';
import type { CallHistoryStrings } from '../translation.js';
import { themeStyles } from '../shared.styles.js';
import type { HistoryView } from './history.js';

/**
 * The user's calls, newest first, with the missed-call count and a call-back button on each.
 *
 * @tag bax-call-history
 * @summary The call log: direction, type, outcome, who and when, and call back.
 *
 * This class is small and in the script-tag bundle; the rest of the element (history.ts) loads on first connect,
 * from the sibling file `bax-call-history.js` (see lazy-element.ts).
 *
 * @slot heading - Replaces the heading text.
 * @slot empty - Shown instead of the default text when there are no calls.
 *
 * @csspart base - The wrapper of everything.
 * @csspart header - The heading row.
 * @csspart heading - The heading.
 * @csspart missed-count - The number of missed calls not yet seen.
 * @csspart mark-seen-button - Clears the missed-call count.
 * @csspart list - The list of calls.
 * @csspart entry - One call.
 * @csspart entry-missed - A missed call (in addition to `entry`).
 * @csspart direction - The call's direction and type icon.
 * @csspart counterpart - The other person.
 * @csspart summary - Direction, type and outcome.
 * @csspart reply - The message sent with a decline.
 * @csspart time - When the call happened.
 * @csspart call-back - The call-back `<bax-call-button>`; its own parts are exported as `call-back-button` etc.
 * @csspart load-more-button - Loads older calls.
 * @csspart loading - The loading message.
 * @csspart empty - The empty message.
 * @csspart error - The error message.
 * @csspart retry-button - Tries loading again.
 *
 * @cssproperty --bax-surface-color - Background.
 * @cssproperty --bax-surface-raised-color - Background of secondary buttons.
 * @cssproperty --bax-text-color - Text colour.
 * @cssproperty --bax-muted-color - Secondary text colour.
 * @cssproperty --bax-border-color - Separators.
 * @cssproperty --bax-missed-color - Missed calls and the missed count.
 * @cssproperty --bax-accent-color - Call-back buttons.
 * @cssproperty --bax-radius - Corner radius.
 * @cssproperty --bax-font-family - Font of the element.
 * @cssproperty --bax-focus-ring-color - Keyboard focus outline.
 */
export class BaxCallHistory extends LazyElement<HistoryView> {
  static override styles = themeStyles;
  // Declared here rather than with decorators: the script-tag bundle then needs none of Lit's decorator code.
  static override properties: PropertyDeclarations = {
    pageSize: { type: Number, attribute: 'page-size' },
    locale: {},
    hideCallBack: { type: Boolean, attribute: 'hide-call-back', reflect: true },
    strings: { type: Object },
  };

  /** How many calls to load per page. */
  pageSize = 20;

  /** The language of times and durations ("5 minutes ago", "3 min, 21 sec"); defaults to the element's language. */
  locale = '';

  /** Hides the call-back buttons. */
  hideCallBack = false;

  /** Replaces any of the element's texts, over those registered for its language; also accepts JSON in the attribute. */
  strings: Partial<CallHistoryStrings> = {};

  /** Reloads the newest calls, keeping older pages already shown. */
  refresh(): Promise<void> {
    return this.view().then((view) => view.refresh());
  }

  protected override loadView(): Promise<HistoryView> {
    return import('./history.js').then(({ HistoryView }) => new HistoryView(this, this.store, this.localize));
  }
}
