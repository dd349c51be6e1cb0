import type { BrowserContext, Locator, Page } from 'playwright-core';
import { waitForEvent, type RecordedEvent } from './browser.js';
import { demoPath, type DemoUser } from './demo-page.js';
import type { E2e } from './fixture.js';

/**
 * The calling elements on a page, found the way a user finds them: the app's own call button (`#call-button`), the
 * incoming-call alert dialog and the call history. Inner controls are reached through their documented parts.
 */
export class CallingPage {
  readonly callButton: Locator;
  /** The button that places the call. */
  readonly call: Locator;
  /** Cancel, shown while the call rings. */
  readonly cancel: Locator;
  /** "Ringing" or "Not delivered yet". */
  readonly delivery: Locator;
  /** The outcome line: "No answer from …", "… declined: “…”". */
  readonly status: Locator;
  readonly dialog: Locator;
  readonly history: Locator;

  constructor(readonly page: Page) {
    this.callButton = page.locator('bax-call-button#call-button');
    this.call = this.callButton.locator('[part="button"]');
    this.cancel = this.callButton.locator('[part="cancel-button"]');
    this.delivery = this.callButton.locator('[part="delivery"]');
    this.status = this.callButton.locator('[part="status"]');
    this.dialog = page.getByRole('alertdialog');
    this.history = page.locator('bax-call-history');
  }

  static async open(context: BrowserContext, path: string): Promise<CallingPage> {
    const page = await context.newPage();
    await page.goto(path);
    return new CallingPage(page);
  }

  /** Waits until the page is connected: the call button is enabled only then. */
  async ready(): Promise<this> {
    await this.page.waitForFunction(() => {
      const button = document.querySelector('bax-call-button#call-button')?.shadowRoot?.querySelector<HTMLButtonElement>('[part="button"]');
      return button !== null && button !== undefined && !button.disabled;
    });
    return this;
  }

  get accept(): Locator {
    return this.dialog.getByRole('button', { name: 'Accept' });
  }

  get decline(): Locator {
    return this.dialog.getByRole('button', { name: 'Decline' });
  }

  get callerHeading(): Locator {
    return this.dialog.getByRole('heading');
  }

  get callerAvatar(): Locator {
    return this.dialog.locator('[part="avatar"]');
  }

  /** Opens the quick replies and declines with one of them. */
  async declineWith(reply: string): Promise<void> {
    await this.dialog.getByRole('button', { name: 'Reply…' }).click();
    await this.dialog.getByRole('button', { name: reply }).click();
  }

  /** True while this tab plays the ringtone (the element's `ringing` property). */
  ringing(): Promise<boolean> {
    return this.page.evaluate(() => (document.querySelector('bax-incoming-call') as (Element & { ringing?: boolean }) | null)?.ringing === true);
  }

  historyEntries(): Locator {
    return this.history.locator('[part~="entry"]');
  }
}

export interface CallingPairOptions {
  /** Makes the user ids this test's own: `alice-<suffix>`, `bob-<suffix>`. */
  suffix: string | number;
  /** Where the pages are served; default the server's. */
  origin?: string;
  /** Where Bob's page is served, if not at `origin` (e.g. through a network switch). */
  calleeOrigin?: string;
  /** Each page's address; default the demo page signed in as `me` with a call button for `peer`. */
  path?: (me: DemoUser, peer: DemoUser) => string;
  /** Sets up each profile before its page opens (init scripts). */
  prepare?: (context: BrowserContext) => Promise<void>;
}

/** Alice and Bob, each in their own browser profile, on pages with a call button for the other; both connected. */
export async function callingPair(e2e: E2e, options: CallingPairOptions) {
  const alice = { id: `alice-${options.suffix}`, name: 'Alice Liddell' };
  const bob = { id: `bob-${options.suffix}`, name: 'Bob Marley' };
  const path = options.path ?? demoPath;
  const [aliceContext, bobContext] = await Promise.all([e2e.newUserContext(options.origin), e2e.newUserContext(options.calleeOrigin ?? options.origin)]);
  for (const context of [aliceContext, bobContext]) await options.prepare?.(context);
  const [caller, callee] = await Promise.all([
    CallingPage.open(aliceContext, path(alice, bob)).then((page) => page.ready()),
    CallingPage.open(bobContext, path(bob, alice)).then((page) => page.ready()),
  ]);
  return { alice, bob, caller, callee, calleePath: path(bob, alice) };
}

/** The callee accepts the ringing call in its dialog; returns the caller's and the callee's `bax-call-start`. */
export async function acceptCall(caller: CallingPage, callee: CallingPage): Promise<[RecordedEvent, RecordedEvent]> {
  await callee.accept.click();
  return Promise.all([waitForEvent(caller.page, 'bax-call-start'), waitForEvent(callee.page, 'bax-call-start')]);
}
