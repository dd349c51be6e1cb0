import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import { createUserToken } from '../../../src/server/tokens.js';
import type { RoomGrants } from '../../../src/protocol/room.js';
import { newUserContext } from './browser.js';

/**
 * One user's demo page in a call, driven through the client `<bax-cloud>` made (the way a page with its own call UI
 * does): every peer connection is recorded so the test can read getStats(), `bax-call-start` is left to the test,
 * and getUserMedia calls are counted. "Decodes someone's video" means the inbound `framesDecoded` of their video
 * track keeps rising.
 */

export interface RoomUser {
  id: string;
  name: string;
}

export interface RoomPageOptions {
  /** Room grants the token carries, as an app backend would mint them (the demo's /demo/token is answered here). */
  rooms?: RoomGrants;
  /** The page has its own `<bax-call-room>`, which takes `bax-call-start` (and a reload) instead of the test. */
  callRoom?: boolean;
}

/** The demo project's published secret (src/server/config.ts), which signs tokens with room grants. */
const DEMO_SECRET = 'demo-secret';

export async function openRoomPage(
  browser: Browser,
  baseUrl: string,
  user: RoomUser,
  options: RoomPageOptions = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await newUserContext(browser, baseUrl);
  await context.addInitScript(recordPeerConnections);
  await context.addInitScript(countGetUserMedia);
  if (options.callRoom)
    await context.addInitScript(() =>
      addEventListener('DOMContentLoaded', () => document.querySelector('main')!.append(document.createElement('bax-call-room'))),
    );
  else await context.addInitScript(() => document.addEventListener('bax-call-start', (event) => event.preventDefault()));
  if (options.rooms) {
    const rooms = options.rooms;
    await context.route('**/demo/token', async (route) => {
      const body = JSON.parse(route.request().postData() ?? '{}') as { userId: string; name?: string };
      const minted = await createUserToken({ projectId: 'demo', secret: DEMO_SECRET, userId: body.userId, name: body.name, ttlSeconds: 600, rooms });
      await route.fulfill({ json: minted });
    });
  }
  const page = await context.newPage();
  await page.goto(`/?${new URLSearchParams({ user: user.id, name: user.name })}`);
  await waitUntilOpen(page);
  return { context, page };
}

export function waitUntilOpen(page: Page): Promise<unknown> {
  return page.waitForFunction(() => document.querySelector('bax-cloud')?.activeClient?.getState().connection === 'open');
}

/** Runs before the page's scripts: keeps every peer connection, so the test can read its stats. */
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

/** Runs before the page's scripts: counts the page's camera and microphone requests. */
function countGetUserMedia(): void {
  const media = navigator.mediaDevices;
  const native = media.getUserMedia.bind(media);
  Object.defineProperty(window, 'getUserMediaCalls', { value: { count: 0 } });
  media.getUserMedia = (constraints) => {
    (window as unknown as { getUserMediaCalls: { count: number } }).getUserMediaCalls.count += 1;
    return native(constraints);
  };
}

export const getUserMediaCalls = (page: Page) => page.evaluate(() => (window as unknown as { getUserMediaCalls: { count: number } }).getUserMediaCalls.count);

/** Joins through the page's client, recording the room's events; publishes camera and microphone unless `watchOnly`. */
export async function joinRoom(page: Page, roomName: string, options: { liveType?: 'video_call' | 'live_streaming'; watchOnly?: boolean } = {}) {
  await page.evaluate(
    async ({ roomName, liveType, watchOnly }) => {
      const client = document.querySelector('bax-cloud')!.activeClient!;
      if (!(window as unknown as { roomEvents?: unknown[] }).roomEvents) {
        const log: unknown[] = [];
        Object.defineProperty(window, 'roomEvents', { value: log });
        client.onParticipantJoined(({ participant }) => log.push({ type: 'joined', userId: participant.userId }));
        client.onParticipantLeft(({ userId, reason }) => log.push({ type: 'left', userId, reason }));
        client.onRoomEnded(({ reason }) => log.push({ type: 'ended', reason }));
      }
      await client.connect({ roomName, ...(liveType ? { liveType } : {}) });
      if (watchOnly) return;
      await client.enableMicrophone();
      await client.enableCamera();
    },
    { roomName, liveType: options.liveType, watchOnly: options.watchOnly ?? false },
  );
}

export const roomEvents = (page: Page) => page.evaluate(() => (window as unknown as { roomEvents?: Array<Record<string, unknown>> }).roomEvents ?? []);

/** This page's room as its store has it: its role, and who else is there. */
export function roomOf(page: Page) {
  return page.evaluate(() => {
    const room = document.querySelector('bax-cloud')!.activeClient!.getState().room;
    return (
      room && { status: room.status, role: room.self.role, participants: room.participants.map((p) => ({ userId: p.userId, role: p.role, camera: p.camera })) }
    );
  });
}

/** Frames this page decoded of `userId`'s video so far (0 when it has no such track). */
export function framesFrom(page: Page, userId: string): Promise<number> {
  return page.evaluate(async (userId) => {
    const room = document.querySelector('bax-cloud')!.activeClient!.getState().room;
    const track = room?.participants.find((participant) => participant.userId === userId)?.stream?.getVideoTracks()[0];
    if (!track) return 0;
    for (const pc of (window as unknown as { peerConnections: RTCPeerConnection[] }).peerConnections) {
      if (pc.connectionState === 'closed') continue;
      for (const stat of (await pc.getStats()).values()) {
        if (stat.type === 'inbound-rtp' && stat.trackIdentifier === track.id) return (stat.framesDecoded as number | undefined) ?? 0;
      }
    }
    return 0;
  }, userId);
}

/** Waits until this page has decoded ten more frames of `userId`'s video. */
export async function decodes(page: Page, userId: string): Promise<void> {
  const before = await framesFrom(page, userId);
  await expect.poll(() => framesFrom(page, userId), { timeout: 30_000 }).toBeGreaterThan(before + 10);
}

/** The candidate types of the selected pair of each open peer connection of this page: `{ local, remote }`. */
export function selectedCandidateTypes(page: Page) {
  return page.evaluate(async () => {
    const pairs: Array<{ local: string; remote: string }> = [];
    for (const pc of (window as unknown as { peerConnections: RTCPeerConnection[] }).peerConnections) {
      if (pc.connectionState !== 'connected') continue;
      const stats = [...(await pc.getStats()).values()] as Array<Record<string, unknown>>;
      const transport = stats.find((stat) => stat.type === 'transport' && stat.selectedCandidatePairId);
      const pair = stats.find(
        (stat) =>
          stat.type === 'candidate-pair' && (stat.id === transport?.selectedCandidatePairId || (!transport && stat.nominated && stat.state === 'succeeded')),
      );
      const candidate = (id: unknown) => stats.find((stat) => stat.id === id)?.candidateType as string;
      if (pair) pairs.push({ local: candidate(pair.localCandidateId), remote: candidate(pair.remoteCandidateId) });
    }
    return pairs;
  });
}
