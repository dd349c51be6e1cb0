import { join } from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../support/server.js';
import { serveApp, type AppServer } from './support/app-server.js';
import { AUTOPLAY_WITHOUT_GESTURE, FAKE_MEDIA, launchChromium } from '../support/chromium.js';
import { newUserContext, waitForEvent } from './support/browser.js';
import { CallingPage } from './support/calling-page.js';
import { root } from './support/paths.js';

let server: RunningServer;
let browser: Browser;
const contexts: BrowserContext[] = [];
let run = 0;

beforeAll(async () => {
  // Fake camera and microphone: an accepted call opens the call window, which joins with them.
  [server, browser] = await Promise.all([startServer(), launchChromium([AUTOPLAY_WITHOUT_GESTURE, ...FAKE_MEDIA])]);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

afterEach(async () => {
  await Promise.all(contexts.splice(0).map((context) => context.close()));
});

/** Alice and Bob, each in their own browser profile, on an example app at `origin`. */
async function twoUsers(origin: string, pathFor: (me: string, name: string, peer: string) => string) {
  run += 1;
  const alice = { id: `alice-${run}`, name: 'Alice Liddell' };
  const bob = { id: `bob-${run}`, name: 'Bob Marley' };
  const [aliceContext, bobContext] = await Promise.all([newUserContext(browser, origin), newUserContext(browser, origin)]);
  contexts.push(aliceContext, bobContext);
  const [caller, callee] = await Promise.all([
    CallingPage.open(aliceContext, pathFor(alice.id, alice.name, bob.id)).then((page) => page.ready()),
    CallingPage.open(bobContext, pathFor(bob.id, bob.name, alice.id)).then((page) => page.ready()),
  ]);
  return { alice, bob, caller, callee };
}

/**
 * Places a call, answers it, and checks both apps got bax-call-start for the same room and, its default action, the
 * call window joined it on both sides: each sees the other's video.
 */
async function callAndAccept(caller: CallingPage, callee: CallingPage, callerName: string, ids: { caller: string; callee: string }): Promise<string> {
  await caller.call.click();
  await callee.dialog.waitFor();
  expect(await callee.callerHeading.textContent()).toContain(`${callerName} is calling`);
  await callee.accept.click();
  const [calleeStart, callerStart] = await Promise.all([waitForEvent(callee.page, 'bax-call-start'), waitForEvent(caller.page, 'bax-call-start')]);
  const room = String(callerStart.detail.roomName);
  expect(calleeStart.detail.roomName).toBe(room);
  for (const [page, other] of [
    [caller, ids.callee],
    [callee, ids.caller],
  ] as const) {
    await page.page.getByRole('dialog', { name: 'Call', exact: true }).waitFor();
    await page.page.locator(`video[data-user-id="${other}"]`).waitFor({ timeout: 30_000 });
  }
  return room;
}

const appPath = (me: string, name: string, peer: string) => `/?${new URLSearchParams({ user: me, name, call: peer })}`;

describe('examples/vanilla: one HTML file and a script tag', () => {
  it('rings with the caller’s name and picture, and both pages join the same room', async () => {
    const { alice, bob, caller, callee } = await twoUsers(server.url, (me, name, peer) => `/examples/vanilla/${appPath(me, name, peer)}`);

    await caller.call.click();
    await callee.dialog.waitFor();
    expect(await callee.callerAvatar.evaluate((image) => image.tagName)).toBe('IMG');
    expect(await callee.callerAvatar.getAttribute('src')).toMatch(/^data:image\/svg\+xml,/);
    await caller.cancel.click();
    await callee.dialog.waitFor({ state: 'hidden' });

    await callAndAccept(caller, callee, alice.name, { caller: alice.id, callee: bob.id });
  });
});

/** Serves examples/<framework>/dist, built by the global setup, with the calls server behind it, for one describe. */
function servedExample(framework: string): () => AppServer {
  let app: AppServer | undefined;
  beforeAll(async () => {
    app = await serveApp(join(root, 'examples', framework, 'dist'), server);
  });
  afterAll(async () => {
    await app?.close();
  });
  return () => app!;
}

for (const framework of ['vue', 'svelte', 'angular', 'react']) {
  describe(`examples/${framework}`, () => {
    const app = servedExample(framework);

    it('places a call that the other user accepts, and the call window joins it in both apps', async () => {
      const { alice, bob, caller, callee } = await twoUsers(app().url, appPath);
      await callAndAccept(caller, callee, alice.name, { caller: alice.id, callee: bob.id });
    });

    it('hands the decline message to the caller’s bax-invitation-declined handler', async () => {
      const { caller, callee } = await twoUsers(app().url, appPath);
      await caller.call.click();
      await callee.dialog.waitFor();
      await callee.declineWith("I'm busy");
      await expect.poll(() => caller.page.getByText("They said: I'm busy").count()).toBe(1);
    });
  });
}

describe('examples/react: the hooks beside the components', () => {
  const app = servedExample('react');

  it('show the connection, the callee’s presence, the ringing call, and the call in the history once answered', async () => {
    const { alice, bob, caller, callee } = await twoUsers(app().url, appPath);
    const text = (page: CallingPage, selector: string) => () => page.page.locator(selector).first().textContent();
    for (const page of [caller, callee]) await expect.poll(text(page, '#connection')).toBe('Connection: open');
    await expect.poll(text(caller, '#callee-presence')).toBe(`${bob.id}: online`);
    await expect.poll(text(callee, '#ringing')).toBe('Not ringing');

    await caller.call.click();
    await expect.poll(text(callee, '#ringing')).toBe(`Ringing: ${alice.name}`);
    await callee.dialog.waitFor();
    await callee.accept.click();
    await expect.poll(text(callee, '#ringing')).toBe('Not ringing');
    await expect.poll(text(caller, '#recent-calls li')).toBe(`To ${bob.name}: accepted`);
    await expect.poll(text(callee, '#recent-calls li')).toBe(`From ${alice.name}: accepted`);
  });
});
