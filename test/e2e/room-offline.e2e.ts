import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AUTOPLAY_WITHOUT_GESTURE, FAKE_MEDIA, launchChromium } from '../support/chromium.js';
import { startServer, type RunningServer } from '../support/server.js';
import { waitForEvent } from './support/browser.js';
import { decodes, joinRoom, openRoomPage, roomOf, type RoomUser } from './support/room-page.js';

/**
 * A browser going offline for a few seconds during a call (Chromium's network emulation, `context.setOffline`: the
 * page sees `offline` and `online` events and `navigator.onLine` false). Chromium's emulation leaves established
 * sockets and peer connections alone, so this checks that the client rides out those events and the call goes on;
 * a socket that really drops is room.e2e.ts's "a dropped socket rejoins" (a proxy cut).
 */

let server: RunningServer;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  [server, browser] = await Promise.all([startServer(), launchChromium([AUTOPLAY_WITHOUT_GESTURE, ...FAKE_MEDIA])]);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

afterEach(async () => {
  await Promise.all(contexts.splice(0).map((context) => context.close()));
});

async function open(user: RoomUser): Promise<{ context: BrowserContext; page: Page }> {
  const opened = await openRoomPage(browser, server.url, user);
  contexts.push(opened.context);
  return opened;
}

describe('a browser offline during a call', () => {
  it('a few seconds offline, then online: the call goes on, both sides decoding each other', async () => {
    const alice = { id: 'alice-offline', name: 'Alice' };
    const bob = { id: 'bob-offline', name: 'Bob' };
    const roomName = 'offline-room';
    const [{ page: a }, { page: b, context: bobContext }] = await Promise.all([open(alice), open(bob)]);
    await a.evaluate(({ to, roomName }) => document.querySelector('bax-cloud')!.activeClient!.sendCallInvitation({ to, roomName, callType: 'video_call' }), {
      to: bob.id,
      roomName,
    });
    await b.getByRole('alertdialog').getByRole('button', { name: 'Accept' }).click();
    await waitForEvent(b, 'bax-call-start');
    await joinRoom(a, roomName);
    await joinRoom(b, roomName);
    await Promise.all([decodes(a, bob.id), decodes(b, alice.id)]);

    await bobContext.setOffline(true);
    expect(await b.evaluate(() => navigator.onLine)).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await bobContext.setOffline(false);
    expect(await b.evaluate(() => navigator.onLine)).toBe(true);

    await expect.poll(async () => (await roomOf(b))?.status, { timeout: 30_000 }).toBe('joined');
    await Promise.all([decodes(a, bob.id), decodes(b, alice.id)]);
    expect(await roomOf(a)).toMatchObject({ status: 'joined', participants: [{ userId: bob.id, camera: true }] });
  });
});
