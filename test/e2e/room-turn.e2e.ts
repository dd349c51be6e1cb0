import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AUTOPLAY_WITHOUT_GESTURE, FAKE_MEDIA, launchChromium } from '../support/chromium.js';
import { startServer, type RunningServer, type TestProject } from '../support/server.js';
import { waitForEvent } from './support/browser.js';
import { decodes, joinRoom, openRoomPage, selectedCandidateTypes, type RoomUser } from './support/room-page.js';
import { startTurnServer, type RunningTurnServer } from './support/turn-server.js';

/**
 * A call through a TURN relay: the demo project is configured (PROJECTS) with coturn on loopback and
 * `iceTransportPolicy: 'relay'`, so the browsers may only use relayed candidates, with the credentials the server
 * mints per join. Media must flow, and the selected candidate pair must be a relayed one on both sides.
 */

let turn: RunningTurnServer;
let server: RunningServer;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  turn = await startTurnServer();
  // The demo project's published keys, so the demo page connects as it does; PROJECTS overrides the built-in one.
  const demo: TestProject & Record<string, unknown> = {
    projectId: 'demo',
    apiKey: 'demo-api-key',
    secret: 'demo-secret',
    allowedOrigins: ['*'],
    turn: { urls: [turn.url], secret: turn.secret },
    iceTransportPolicy: 'relay',
  };
  [server, browser] = await Promise.all([startServer({ projects: [demo] }), launchChromium([AUTOPLAY_WITHOUT_GESTURE, ...FAKE_MEDIA])]);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await turn?.stop();
});

afterEach(async () => {
  await Promise.all(contexts.splice(0).map((context) => context.close()));
});

async function open(user: RoomUser): Promise<Page> {
  const { context, page } = await openRoomPage(browser, server.url, user);
  contexts.push(context);
  return page;
}

describe('a call through a TURN relay', () => {
  it('with iceTransportPolicy relay, media flows both ways over relayed candidates only', async () => {
    const alice = { id: 'alice-turn', name: 'Alice' };
    const bob = { id: 'bob-turn', name: 'Bob' };
    const roomName = 'turn-room';
    const [a, b] = await Promise.all([open(alice), open(bob)]);
    await a.evaluate(({ to, roomName }) => document.querySelector('bax-cloud')!.activeClient!.sendCallInvitation({ to, roomName, callType: 'video_call' }), {
      to: bob.id,
      roomName,
    });
    await b.getByRole('alertdialog').getByRole('button', { name: 'Accept' }).click();
    await waitForEvent(b, 'bax-call-start');
    await joinRoom(a, roomName);
    await joinRoom(b, roomName);

    try {
      await Promise.all([decodes(a, bob.id), decodes(b, alice.id)]);
    } catch (error) {
      throw new Error(`${(error as Error).message}\nturnserver:\n${turn.logs().slice(-3000)}`);
    }
    for (const page of [a, b]) {
      const configuration = await page.evaluate(() =>
        (window as unknown as { peerConnections: RTCPeerConnection[] }).peerConnections.map((pc) => pc.getConfiguration().iceTransportPolicy),
      );
      expect(configuration.length).toBeGreaterThan(0);
      expect(new Set(configuration)).toEqual(new Set(['relay']));
      const pairs = await selectedCandidateTypes(page);
      expect(pairs.length).toBeGreaterThan(0);
      for (const pair of pairs) expect(pair.local).toBe('relay');
    }
  });
});
