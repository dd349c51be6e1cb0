import type { Browser, BrowserContext, Page } from 'playwright-core';
import { AUTOPLAY_WITHOUT_GESTURE, launchChromium as launch } from '../../support/chromium.js';

/** Chromium with the ringtone allowed to start without a click, as it would after the user's first interaction. */
export function launchChromium(): Promise<Browser> {
  return launch([AUTOPLAY_WITHOUT_GESTURE]);
}

export interface RecordedEvent {
  type: string;
  detail: Record<string, unknown>;
}

/** The `bax-*` events every element fires; the tests read them as the host app would. */
export const BAX_EVENTS = [
  'bax-call-request',
  'bax-invitation-sent',
  'bax-invitation-received',
  'bax-invitation-accepted',
  'bax-invitation-declined',
  'bax-invitation-canceled',
  'bax-invitation-expired',
  'bax-call-start',
] as const;

export type BaxEventType = (typeof BAX_EVENTS)[number];

/** A browser profile: one user, with their own cookies, storage and network switch. */
export async function newUserContext(browser: Browser, baseURL: string): Promise<BrowserContext> {
  const context = await browser.newContext({
    baseURL,
    viewport: { width: 760, height: 720 },
    permissions: ['notifications'],
    reducedMotion: 'reduce',
  });
  await context.addInitScript(recordEvents, [...BAX_EVENTS]);
  return context;
}

/** Runs in every page before its scripts: keeps each bax-* event's type and detail for the test to read. */
function recordEvents(types: string[]): void {
  const log: Array<{ type: string; detail: unknown }> = [];
  Object.defineProperty(window, 'baxEvents', { value: log });
  for (const type of types) {
    document.addEventListener(type, (event) => log.push({ type, detail: JSON.parse(JSON.stringify((event as CustomEvent).detail ?? null)) }), {
      capture: true,
    });
  }
}

export async function eventsOf(page: Page, type?: BaxEventType): Promise<RecordedEvent[]> {
  const all = await page.evaluate(() => (window as unknown as { baxEvents: RecordedEvent[] }).baxEvents);
  return type ? all.filter((event) => event.type === type) : all;
}

/** Waits until the page has fired `type` and returns the first such event. */
export async function waitForEvent(page: Page, type: BaxEventType, timeout = 15_000): Promise<RecordedEvent> {
  await page.waitForFunction((wanted) => (window as unknown as { baxEvents: RecordedEvent[] }).baxEvents.some((event) => event.type === wanted), type, {
    timeout,
  });
  const [event] = await eventsOf(page, type);
  return event!;
}
