import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveApp, type AppServer } from './support/app-server.js';
import { acceptCall, callingPair, type CallingPage, type CallingPairOptions } from './support/calling-page.js';
import { demoPath } from './support/demo-page.js';
import { useServerAndChromium } from './support/fixture.js';
import { root } from './support/paths.js';

// Fake camera and microphone: an accepted call opens the call window, which joins with them.
const e2e = useServerAndChromium({ media: true });
let run = 0;

/** Alice and Bob, each in their own browser profile, on an example app at `origin`. */
function twoUsers(origin: string, path?: CallingPairOptions['path']) {
  run += 1;
  return callingPair(e2e, { suffix: run, origin, path });
}

/**
 * Places a call, answers it, and checks both apps got bax-call-start for the same room and, its default action, the
 * call window joined it on both sides: each sees the other's video.
 */
async function callAndAccept(caller: CallingPage, callee: CallingPage, callerName: string, ids: { caller: string; callee: string }): Promise<string> {
  await caller.call.click();
  await callee.dialog.waitFor();
  expect(await callee.callerHeading.textContent()).toContain(`${callerName} is calling`);
  const [callerStart, calleeStart] = await acceptCall(caller, callee);
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

describe('examples/vanilla: one HTML file and a script tag', () => {
  it('rings with the caller’s name and picture, and both pages join the same room', async () => {
    const { alice, bob, caller, callee } = await twoUsers(e2e.server.url, (me, peer) => `/examples/vanilla/${demoPath(me, peer)}`);

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
    app = await serveApp(join(root, 'examples', framework, 'dist'), e2e.server);
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
      const { alice, bob, caller, callee } = await twoUsers(app().url);
      await callAndAccept(caller, callee, alice.name, { caller: alice.id, callee: bob.id });
    });

    it('hands the decline message to the caller’s bax-invitation-declined handler', async () => {
      const { caller, callee } = await twoUsers(app().url);
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
    const { alice, bob, caller, callee } = await twoUsers(app().url);
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
