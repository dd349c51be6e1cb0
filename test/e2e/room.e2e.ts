import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { acceptCall, callingPair } from './support/calling-page.js';
import { handCallsToThePage, recordPeerConnections, waitUntilOpen } from './support/demo-page.js';
import { useServerAndChromium } from './support/fixture.js';
import { networkSwitch } from './support/network-switch.js';
import { decodes, framesFrom, hears, joinRoom, roomEvents, roomOf } from './support/room-page.js';

/**
 * Real calls between two browser profiles on the demo page `npm start` serves: ring, accept, then each page joins
 * the call through its own client (the one `<bax-cloud>` made, loading the media code from beside bax-call.js),
 * with Chromium's fake camera and microphone, signaled through the real server. "Receives video" means inbound
 * `framesDecoded` keeps rising in getStats(); "receives audio", inbound audio packets. The pages hand the call to
 * their own code (they cancel `bax-call-start`) except in the last test, where `<bax-call-room>` takes it.
 */

const e2e = useServerAndChromium({ media: true });
let run = 0;

/**
 * Alice calls Bob, Bob accepts, and both pages join the room with camera and microphone on, through their own client
 * (with `callRoom`, their `<bax-call-room>` joins it instead).
 */
async function inCall(options: { calleeOrigin?: string; callRoom?: boolean } = {}) {
  run += 1;
  const { alice, bob, caller, callee } = await callingPair(e2e, {
    suffix: `room-${run}`,
    calleeOrigin: options.calleeOrigin,
    prepare: async (context) => {
      await context.addInitScript(recordPeerConnections);
      if (!options.callRoom) await context.addInitScript(handCallsToThePage);
    },
  });
  await caller.call.click();
  await callee.dialog.waitFor();
  const [start] = await acceptCall(caller, callee);
  const roomName = String(start.detail.roomName);
  if (!options.callRoom) await Promise.all([joinRoom(caller.page, roomName), joinRoom(callee.page, roomName)]);
  return { alice, bob, caller: caller.page, callee: callee.page, roomName };
}

/** The other participant, as this page's store has it. */
const other = async (page: Page) => (await roomOf(page))?.participants[0];

describe('a call between two browsers through the real server', () => {
  it('call, accept, join on both sides: each decodes the other’s video and receives their audio', async () => {
    const { alice, bob, caller, callee } = await inCall();

    await Promise.all([decodes(caller, bob.id), decodes(callee, alice.id)]);
    await Promise.all([hears(caller, bob.id), hears(callee, alice.id)]);
    expect(await other(caller)).toMatchObject({ camera: true, microphone: true, connection: 'connected' });
    expect(await roomEvents(caller)).toContainEqual({ type: 'joined', userId: bob.id });
    expect(await roomEvents(callee)).toContainEqual({ type: 'joined', userId: alice.id });
    // The media code came from beside the bundle, when the call started.
    expect(await caller.evaluate(() => performance.getEntriesByType('resource').some((entry) => entry.name.endsWith('/bax-call-media.js')))).toBe(true);
  });

  it('muting and turning the camera off reach the other side; the camera back on renegotiates', async () => {
    const { alice, caller, callee } = await inCall();
    await decodes(callee, alice.id);

    await caller.evaluate(() => document.querySelector('bax-cloud')!.activeClient!.disableMicrophone());
    await expect.poll(async () => (await other(callee))?.microphone).toBe(false);
    await caller.evaluate(() => document.querySelector('bax-cloud')!.activeClient!.disableCamera());
    await expect.poll(async () => (await other(callee))?.camera).toBe(false);
    const stopped = await framesFrom(callee, alice.id);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await framesFrom(callee, alice.id)).toBeLessThan(stopped + 5);

    await caller.evaluate(() => document.querySelector('bax-cloud')!.activeClient!.enableCamera());
    await expect.poll(async () => (await other(callee))?.camera).toBe(true);
    await decodes(callee, alice.id);
  });

  it('hanging up ends the call for both, and both histories show its duration', async () => {
    const { alice, bob, caller, callee, roomName } = await inCall();
    await Promise.all([decodes(caller, bob.id), decodes(callee, alice.id)]);

    await callee.evaluate(() => document.querySelector('bax-cloud')!.activeClient!.leaveRoom());
    await expect.poll(() => roomOf(caller)).toBe(null);
    expect(await roomOf(callee)).toBe(null);
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
    const { alice, bob, caller, callee, roomName } = await inCall();
    await decodes(caller, bob.id);

    await callee.reload();
    // As <bax-call-room> does after a reload: the client remembers the room this tab was in.
    await waitUntilOpen(callee);
    const remembered = await callee.evaluate(() => document.querySelector('bax-cloud')!.activeClient!.resumableRoom());
    expect(remembered).toMatchObject({ roomName });
    await joinRoom(callee, remembered!.roomName);

    await Promise.all([decodes(caller, bob.id), decodes(callee, alice.id)]);
    await hears(caller, bob.id);
    expect(await other(caller)).toMatchObject({ connection: 'connected', camera: true });
  });

  it('a dropped socket rejoins the call when it comes back, and the media link stays up meanwhile', async () => {
    const network = await networkSwitch(e2e.server);
    try {
      const { alice, bob, caller, callee } = await inCall({ calleeOrigin: network.url });
      await Promise.all([decodes(caller, bob.id), decodes(callee, alice.id)]);
      const status = async () => (await roomOf(callee))?.status;

      // Only the signaling socket goes through the switch; media flows between the browsers directly.
      network.cut();
      await expect.poll(status, { timeout: 15_000 }).toBe('reconnecting');
      await decodes(caller, bob.id);
      network.restore();
      await expect.poll(status, { timeout: 30_000 }).toBe('joined');

      await Promise.all([decodes(caller, bob.id), decodes(callee, alice.id)]);
      expect(await other(callee)).toMatchObject({ connection: 'connected', camera: true, microphone: true });
      // The server heard this device's camera and microphone again after the rejoin.
      await callee.evaluate(() => document.querySelector('bax-cloud')!.activeClient!.disableCamera());
      await expect.poll(async () => (await other(caller))?.camera).toBe(false);
    } finally {
      await network.close();
    }
  });

  it('with the page’s defaults, the call window joins on both sides: each sees the other, and hanging up there ends it for both', async () => {
    const { alice, bob, caller, callee } = await inCall({ callRoom: true });
    const callWindow = (page: Page) => page.getByRole('dialog', { name: 'Call', exact: true });
    await Promise.all([callWindow(caller).waitFor(), callWindow(callee).waitFor()]);

    await Promise.all([decodes(caller, bob.id), decodes(callee, alice.id)]);
    await Promise.all([hears(caller, bob.id), hears(callee, alice.id)]);
    await callee.locator(`video[data-user-id="${alice.id}"]`).waitFor();
    await caller.locator(`video[data-user-id="${bob.id}"]`).waitFor();

    await callWindow(callee).getByRole('button', { name: 'Hang up' }).click();
    await expect.poll(() => roomOf(caller)).toBe(null);
    expect(await roomOf(callee)).toBe(null);
  });
});
