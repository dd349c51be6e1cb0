import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../support/server.js';
import { launchChromium, newUserContext, waitForEvent } from './support/browser.js';
import { CallingPage } from './support/calling-page.js';
import { root } from './support/paths.js';

/** Where the README's pictures come from; every run refreshes them. */
const folder = join(root, 'docs/screenshots');
/** Room around the element, so its border and shadow show. */
const MARGIN = 12;

let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(folder, { recursive: true });
  [server, browser] = await Promise.all([startServer(), launchChromium()]);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** Saves `name-light.png` and `name-dark.png` of one element, in each colour scheme. */
async function shoot(target: Locator, name: string, margin = MARGIN): Promise<void> {
  const page = target.page();
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    const box = await target.boundingBox();
    expect(box, `${name} is on screen`).not.toBeNull();
    const viewport = page.viewportSize()!;
    const x = Math.max(0, Math.floor(box!.x - margin));
    const y = Math.max(0, Math.floor(box!.y - margin));
    await page.screenshot({
      path: join(folder, `${name}-${colorScheme}.png`),
      clip: {
        x,
        y,
        width: Math.min(viewport.width - x, Math.ceil(box!.width + 2 * margin)),
        height: Math.min(viewport.height - y, Math.ceil(box!.height + 2 * margin)),
      },
    });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

/** The plain-HTML example names alice and bob, and draws each a picture. */
const vanillaPath = (user: string, peer: string) => `/examples/vanilla/?${new URLSearchParams({ user, call: peer })}`;

describe('screenshots of the elements', () => {
  it('captures the call button, the incoming call and the history, light and dark', async () => {
    const [aliceContext, bobContext] = await Promise.all([newUserContext(browser, server.url), newUserContext(browser, server.url)]);
    const caller = await (await CallingPage.open(aliceContext, vanillaPath('alice', 'bob'))).ready();
    const callee = await (await CallingPage.open(bobContext, vanillaPath('bob', 'alice'))).ready();
    await caller.callButton.locator('[part="presence"][data-status="online"]').waitFor();
    await shoot(caller.callButton, 'call-button');

    await caller.callButton.evaluate((button) => button.setAttribute('message', 'Quick sync about the launch?'));
    await caller.call.click();
    await callee.dialog.waitFor();
    await caller.delivery.filter({ hasText: 'Ringing' }).waitFor();
    await shoot(caller.callButton, 'call-button-calling');
    await callee.callerAvatar.evaluate((image: HTMLImageElement) => image.decode());
    // Keyboard focus starts on Accept; the pictures show the dialog at rest.
    await callee.page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    // The dialog sits over the page; its own edge is the picture's.
    await shoot(callee.dialog, 'incoming-call', 0);
    await callee.dialog.getByRole('button', { name: 'Reply…' }).click();
    await shoot(callee.dialog, 'incoming-call-replies', 0);

    await callee.dialog.getByRole('button', { name: "Can't talk now, I'll call back" }).click();
    await expect.poll(() => caller.status.textContent()).toContain('declined');
    await shoot(caller.callButton, 'call-button-declined');

    // These pictures are of the invitation UI: the pages join no call, so the call window stays closed.
    for (const side of [caller, callee]) {
      await side.page.evaluate(() => document.addEventListener('bax-call-start', (event) => event.preventDefault()));
    }
    await caller.call.click();
    await callee.accept.click();
    await waitForEvent(caller.page, 'bax-call-start');
    await caller.call.click();
    await callee.dialog.waitFor();
    await caller.cancel.click();
    await callee.dialog.waitFor({ state: 'hidden' });
    await expect.poll(() => callee.historyEntries().count()).toBe(3);
    await shoot(callee.history, 'call-history');

    await Promise.all([aliceContext.close(), bobContext.close()]);
  });
});
