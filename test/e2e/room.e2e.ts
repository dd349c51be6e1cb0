import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AUTOPLAY_WITHOUT_GESTURE, FAKE_MEDIA, launchChromium } from '../support/chromium.js';
import { startServer, type RunningServer } from '../support/server.js';
import { newUserContext, waitForEvent } from './support/browser.js';
import { CallingPage } from './support/calling-page.js';
import { networkSwitch } from './support/network-switch.js';

/**
 * Real calls between two browser profiles on the demo page `npm start` serves: ring, accept, then each page joins
 * the call through its own client (the one `<bax-cloud>` made, loading the media code from beside bax-call.js),
 * with Chromium's fake camera and microphone, signaled through the real server. "Receives video" means inbound
 * `framesDecoded` keeps rising in getStats(); "receives audio", inbound audio packets. The pages hand the call to
 * their own code (they cancel `bax-call-start`) except in the last test, where `<bax-call-room>` takes it.
 */

let server: RunningServer;
let browser: Browser;
const contexts: BrowserContext[] = [];
let run = 0;

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

/** Runs in every page before its scripts: keeps every peer connection, so the test can read its stats. */
function recordPeerConnections(): void {
  const list: RTCPeerConnection[] = [];
  const Native = RTCPeerConnection;
  Object.defineProperty(window, 'peerConnections', { value: list });
  window.RTCPeerConnection = class extends Native {
    constructor(configuration?: RTCConfiguration) {
      super(configuration);
      list.push(this);
    }
  };
}

/** Runs in every page before its scripts: the page joins calls itself, through the client, as a page with its own UI does. */
function handCallsToThePage(): void {
  document.addEventListener('bax-call-start', (event) => event.preventDefault());
}

/** Alice calls Bob, Bob accepts; both pages are left at `bax-call-start`, in the same room. */
async function acceptedCall(options: { calleeOrigin?: string; callRoom?: boolean } = {}) {
  run += 1;
  const alice = { id: `alice-room-${run}`, name: 'Alice Liddell' };
  const bob = { id: `bob-room-${run}`, name: 'Bob Marley' };
  const pathFor = (me: typeof alice, peer: typeof alice) => `/?${new URLSearchParams({ user: me.id, name: me.name, call: peer.id })}`;
  const [aliceContext, bobContext] = await Promise.all([newUserContext(browser, server.url), newUserContext(browser, options.calleeOrigin ?? server.url)]);
  contexts.push(aliceContext, bobContext);
  for (const context of [aliceContext, bobContext]) {
    await context.addInitScript(recordPeerConnections);
    if (!options.callRoom) await context.addInitScript(handCallsToThePage);
  }
  const [caller, callee] = await Promise.all([
    CallingPage.open(aliceContext, pathFor(alice, bob)).then((page) => page.ready()),
    CallingPage.open(bobContext, pathFor(bob, alice)).then((page) => page.ready()),
  ]);
  await caller.call.click();
  await callee.dialog.waitFor();
  await callee.accept.click();
  const [start] = await Promise.all([waitForEvent(caller.page, 'bax-call-start'), waitForEvent(callee.page, 'bax-call-start')]);
  return { alice, bob, caller: caller.page, callee: callee.page, roomName: String(start.detail.roomName) };
}

/** Joins the call through the page's own client with camera and microphone on, recording the room's events. */
async function joinCall(page: Page, roomName: string): Promise<void> {
  await page.evaluate(async (roomName) => {
    const client = document.querySelector('bax-cloud')!.activeClient!;
    const log: unknown[] = [];
    Object.defineProperty(window, 'roomEvents', { value: log, configurable: true });
    client.onParticipantJoined(({ participant }) => log.push({ type: 'joined', userId: participant.userId }));
    client.onParticipantLeft(({ userId, reason }) => log.push({ type: 'left', userId, reason }));
    client.onRoomEnded(({ reason, durationMs }) => log.push({ type: 'ended', reason, durationMs }));
    await client.connect({ roomName });
    await client.enableMicrophone();
    await client.enableCamera();
  }, roomName);
}

/** What this page receives from the other participant, and what its store says of them. */
function fromOther(page: Page) {
  return page.evaluate(async () => {
    const room = document.querySelector('bax-cloud')!.activeClient!.getState().room;
    const other = room?.participants[0];
    const inbound = async (track: MediaStreamTrack | undefined) => {
      for (const pc of (window as unknown as { peerConnections: RTCPeerConnection[] }).peerConnections) {
        if (!track || pc.connectionState === 'closed') continue;
        for (const stat of (await pc.getStats()).values()) if (stat.type === 'inbound-rtp' && stat.trackIdentifier === track.id) return stat;
      }
      return undefined;
    };
    const video = await inbound(other?.stream?.getVideoTracks()[0]);
    const audio = await inbound(other?.stream?.getAudioTracks()[0]);
    return {
      inRoom: room !== null,
      framesDecoded: (video?.framesDecoded as number | undefined) ?? 0,
      audioPackets: (audio?.packetsReceived as number | undefined) ?? 0,
      camera: other?.camera,
      microphone: other?.microphone,
      connection: other?.connection,
    };
  });
}

const roomEvents = (page: Page) => page.evaluate(() => (window as unknown as { roomEvents: Array<Record<string, unknown>> }).roomEvents);

async function videoFlows(page: Page): Promise<void> {
  const before = (await fromOther(page)).framesDecoded;
  await expect.poll(async () => (await fromOther(page)).framesDecoded, { timeout: 30_000 }).toBeGreaterThan(before + 10);
}

async function audioFlows(page: Page): Promise<void> {
  const before = (await fromOther(page)).audioPackets;
  await expect.poll(async () => (await fromOther(page)).audioPackets, { timeout: 30_000 }).toBeGreaterThan(before + 25);
}

describe('a call between two browsers through the real server', () => {
  it('call, accept, join on both sides: each decodes the other’s video and receives their audio', async () => {
    const { alice, bob, caller, callee, roomName } = await acceptedCall();
    await Promise.all([joinCall(caller, roomName), joinCall(callee, roomName)]);

    await Promise.all([videoFlows(caller), videoFlows(callee)]);
    await Promise.all([audioFlows(caller), audioFlows(callee)]);
    expect(await fromOther(caller)).toMatchObject({ camera: true, microphone: true, connection: 'connected' });
    expect(await roomEvents(caller)).toContainEqual({ type: 'joined', userId: bob.id });
    expect(await roomEvents(callee)).toContainEqual({ type: 'joined', userId: alice.id });
    // The media code came from beside the bundle, when the call started.
    expect(await caller.evaluate(() => performance.getEntriesByType('resource').some((entry) => entry.name.endsWith('/bax-call-media.js')))).toBe(true);
  });

  it('muting and turning the camera off reach the other side; the camera back on renegotiates', async () => {
    const { caller, callee, roomName } = await acceptedCall();
    await Promise.all([joinCall(caller, roomName), joinCall(callee, roomName)]);
    await videoFlows(callee);

    await caller.evaluate(() => document.querySelector('bax-cloud')!.activeClient!.disableMicrophone());
    await expect.poll(async () => (await fromOther(callee)).microphone).toBe(false);
    await caller.evaluate(() => document.querySelector('bax-cloud')!.activeClient!.disableCamera());
    await expect.poll(async () => (await fromOther(callee)).camera).toBe(false);
    const stopped = (await fromOther(callee)).framesDecoded;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await fromOther(callee)).framesDecoded).toBeLessThan(stopped + 5);

    await caller.evaluate(() => document.querySelector('bax-cloud')!.activeClient!.enableCamera());
    await expect.poll(async () => (await fromOther(callee)).camera).toBe(true);
    await videoFlows(callee);
  });

  it('hanging up ends the call for both, and both histories show its duration', async () => {
    const { caller, callee, roomName } = await acceptedCall();
    await Promise.all([joinCall(caller, roomName), joinCall(callee, roomName)]);
    await Promise.all([videoFlows(caller), videoFlows(callee)]);

    await callee.evaluate(() => document.querySelector('bax-cloud')!.activeClient!.leaveRoom());
    await expect.poll(async () => (await fromOther(caller)).inRoom).toBe(false);
    expect((await fromOther(callee)).inRoom).toBe(false);
    expect(await roomEvents(callee)).toContainEqual(expect.objectContaining({ type: 'ended', reason: 'left' }));
    expect(await roomEvents(caller)).toContainEqual(expect.objectContaining({ type: 'ended', reason: 'hangup' }));
    // No camera or microphone stays on.
    for (const page of [caller, callee]) {
      await expect
        .poll(() =>
          page.evaluate(() => (window as unknown as { peerConnections: RTCPeerConnection[] }).peerConnections.every((pc) => pc.connectionState === 'closed')),
        )
        .toBe(true);
    }

    const duration = (page: Page) =>
      page.evaluate(async (roomName) => {
        const { entries } = await document.querySelector('bax-cloud')!.activeClient!.getCallHistory();
        return entries.find((entry) => entry.roomName === roomName)?.durationMs ?? null;
      }, roomName);
    await expect.poll(() => duration(caller)).toBeGreaterThan(0);
    await expect.poll(() => duration(callee)).toBeGreaterThan(0);
  });

  it('a reload during the call rejoins it, and media flows again both ways', async () => {
    const { caller, callee, roomName } = await acceptedCall();
    await Promise.all([joinCall(caller, roomName), joinCall(callee, roomName)]);
    await videoFlows(caller);

    await callee.reload();
    // As <bax-call-room> does after a reload: the client remembers the room this tab was in.
    await callee.waitForFunction(() => document.querySelector('bax-cloud')?.activeClient?.getState().connection === 'open');
    const remembered = await callee.evaluate(() => document.querySelector('bax-cloud')!.activeClient!.resumableRoom());
    expect(remembered).toMatchObject({ roomName });
    await joinCall(callee, remembered!.roomName);

    await Promise.all([videoFlows(caller), videoFlows(callee)]);
    await audioFlows(caller);
    expect(await fromOther(caller)).toMatchObject({ connection: 'connected', camera: true });
  });

  it('a dropped socket rejoins the call when it comes back, and the media link stays up meanwhile', async () => {
    const network = await networkSwitch(server);
    try {
      const { caller, callee, roomName } = await acceptedCall({ calleeOrigin: network.url });
      await Promise.all([joinCall(caller, roomName), joinCall(callee, roomName)]);
      await Promise.all([videoFlows(caller), videoFlows(callee)]);
      const status = () => callee.evaluate(() => document.querySelector('bax-cloud')!.activeClient!.getState().room?.status);

      // Only the signaling socket goes through the switch; media flows between the browsers directly.
      network.cut();
      await expect.poll(status, { timeout: 15_000 }).toBe('reconnecting');
      await videoFlows(caller);
      network.restore();
      await expect.poll(status, { timeout: 30_000 }).toBe('joined');

      await Promise.all([videoFlows(caller), videoFlows(callee)]);
      expect(await fromOther(callee)).toMatchObject({ connection: 'connected', camera: true, microphone: true });
      // The server heard this device's camera and microphone again after the rejoin.
      await callee.evaluate(() => document.querySelector('bax-cloud')!.activeClient!.disableCamera());
      await expect.poll(async () => (await fromOther(caller)).camera).toBe(false);
    } finally {
      await network.close();
    }
  });

  it('with the page’s defaults, the call window joins on both sides: each sees the other, and hanging up there ends it for both', async () => {
    const { alice, bob, caller, callee } = await acceptedCall({ callRoom: true });
    const callWindow = (page: Page) => page.getByRole('dialog', { name: 'Call', exact: true });
    await Promise.all([callWindow(caller).waitFor(), callWindow(callee).waitFor()]);

    await Promise.all([videoFlows(caller), videoFlows(callee)]);
    await Promise.all([audioFlows(caller), audioFlows(callee)]);
    await callee.locator(`video[data-user-id="${alice.id}"]`).waitFor();
    await caller.locator(`video[data-user-id="${bob.id}"]`).waitFor();

    await callWindow(callee).getByRole('button', { name: 'Hang up' }).click();
    await expect.poll(async () => (await fromOther(caller)).inRoom).toBe(false);
    expect((await fromOther(callee)).inRoom).toBe(false);
  });
});
