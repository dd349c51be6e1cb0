import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { createUserToken } from '../../../src/server/tokens.js';
import type { RoomGrants } from '../../../src/protocol/room.js';
import { waitForEvent } from './browser.js';
import { demoPath, handCallsToThePage, recordPeerConnections, waitUntilOpen, type DemoUser } from './demo-page.js';
import type { E2e } from './fixture.js';

/**
 * One user's demo page in a call, driven through the client `<bax-cloud>` made (the way a page with its own call UI
 * does): every peer connection is recorded so the test can read getStats(), `bax-call-start` is left to the test,
 * and getUserMedia calls are counted. "Decodes someone's video" means the inbound `framesDecoded` of their video
 * track keeps rising; "hears them", that their inbound audio packets do.
 */

export type RoomUser = DemoUser;

export interface RoomPageOptions {
  /** Room grants the token carries, as an app backend would mint them (the demo's /demo/token is answered here). */
  rooms?: RoomGrants;
  /** The page has its own `<bax-call-room>`, which takes `bax-call-start` (and a reload) instead of the test. */
  callRoom?: boolean;
}

/** The demo project's published secret (src/server/config.ts), which signs tokens with room grants. */
const DEMO_SECRET = 'demo-secret';

/** Users with ids of this test's own: `users('offline', 'Alice')` is `{ id: 'alice-offline', name: 'Alice' }`. */
export function users<const Names extends string[]>(suffix: string | number, ...names: Names): { [K in keyof Names]: RoomUser } {
  return names.map((name) => ({ id: `${name.toLowerCase()}-${suffix}`, name })) as { [K in keyof Names]: RoomUser };
}

/** Opens `user`'s demo page in a browser profile of their own (`page.context()`), and waits until it is connected. */
export async function openRoomPage(e2e: E2e, user: RoomUser, options: RoomPageOptions = {}): Promise<Page> {
  const context = await e2e.newUserContext();
  await context.addInitScript(recordPeerConnections);
  await context.addInitScript(countGetUserMedia);
  if (options.callRoom)
    await context.addInitScript(() =>
      addEventListener('DOMContentLoaded', () => document.querySelector('main')!.append(document.createElement('bax-call-room'))),
    );
  else await context.addInitScript(handCallsToThePage);
  if (options.rooms) {
    const rooms = options.rooms;
    await context.route('**/demo/token', async (route) => {
      const body = JSON.parse(route.request().postData() ?? '{}') as { userId: string; name?: string };
      const minted = await createUserToken({ projectId: 'demo', secret: DEMO_SECRET, userId: body.userId, name: body.name, ttlSeconds: 600, rooms });
      await route.fulfill({ json: minted });
    });
  }
  const page = await context.newPage();
  await page.goto(demoPath(user));
  await waitUntilOpen(page);
  return page;
}

/** The page's client sends an invitation naming `roomName` to `to`. */
export function invite(page: Page, to: string[], roomName: string, callType: 'video_call' | 'live_streaming') {
  return page.evaluate(({ to, roomName, callType }) => document.querySelector('bax-cloud')!.activeClient!.sendCallInvitation({ to, roomName, callType }), {
    to,
    roomName,
    callType,
  });
}

/** Accepts the ringing invitation in the incoming-call dialog, as the user would. */
export async function accept(page: Page): Promise<void> {
  await page.getByRole('alertdialog').getByRole('button', { name: 'Accept' }).click();
  await waitForEvent(page, 'bax-call-start');
}

/**
 * Opens each user's page; the first invites the others to a video call in `roomName`, they accept, and all join with
 * camera and microphone. The host first: an invitee joins a call only with its sender (or another publishing party) in it.
 */
export async function videoCall<const Users extends [RoomUser, ...RoomUser[]]>(
  e2e: E2e,
  roomName: string,
  users: Users,
): Promise<{ [K in keyof Users]: Page }> {
  const pages = await Promise.all(users.map((user) => openRoomPage(e2e, user)));
  const [host, ...guests] = pages as [Page, ...Page[]];
  const guestIds = users.slice(1).map((guest) => guest.id);
  await invite(host, guestIds, roomName, 'video_call');
  await Promise.all(guests.map(accept));
  await joinRoom(host, roomName);
  await Promise.all(guests.map((page) => joinRoom(page, roomName)));
  return pages as { [K in keyof Users]: Page };
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

/** This page's room as its store has it: its status and role, and who else is there, with their camera, microphone and link. */
export function roomOf(page: Page) {
  return page.evaluate(() => {
    const room = document.querySelector('bax-cloud')!.activeClient!.getState().room;
    return (
      room && {
        status: room.status,
        role: room.self.role,
        participants: room.participants.map((p) => ({ userId: p.userId, role: p.role, camera: p.camera, microphone: p.microphone, connection: p.connection })),
      }
    );
  });
}

/** What this page has received of `userId`'s video (frames decoded) or audio (packets) so far; 0 when it has no such track. */
function receivedFrom(page: Page, userId: string, kind: 'video' | 'audio'): Promise<number> {
  return page.evaluate(
    async ({ userId, kind }) => {
      const room = document.querySelector('bax-cloud')!.activeClient!.getState().room;
      const stream = room?.participants.find((participant) => participant.userId === userId)?.stream;
      const track = kind === 'video' ? stream?.getVideoTracks()[0] : stream?.getAudioTracks()[0];
      if (!track) return 0;
      for (const pc of (window as unknown as { peerConnections: RTCPeerConnection[] }).peerConnections) {
        if (pc.connectionState === 'closed') continue;
        for (const stat of (await pc.getStats()).values()) {
          if (stat.type === 'inbound-rtp' && stat.trackIdentifier === track.id)
            return ((kind === 'video' ? stat.framesDecoded : stat.packetsReceived) as number | undefined) ?? 0;
        }
      }
      return 0;
    },
    { userId, kind },
  );
}

/** Frames this page decoded of `userId`'s video so far (0 when it has no such track). */
export const framesFrom = (page: Page, userId: string) => receivedFrom(page, userId, 'video');

/** Waits until this page has decoded ten more frames of `userId`'s video. */
export async function decodes(page: Page, userId: string): Promise<void> {
  const before = await framesFrom(page, userId);
  await withLinks(page, expect.poll(() => framesFrom(page, userId), { timeout: 30_000 }).toBeGreaterThan(before + 10));
}

/** Waits until this page has received 25 more packets of `userId`'s audio. */
export async function hears(page: Page, userId: string): Promise<void> {
  const before = await receivedFrom(page, userId, 'audio');
  await withLinks(page, expect.poll(() => receivedFrom(page, userId, 'audio'), { timeout: 30_000 }).toBeGreaterThan(before + 25));
}

/**
 * A media wait that failed says how every peer connection of the page stood then, and what each received, so that a
 * rare failure can be read from the log alone.
 */
async function withLinks(page: Page, wait: Promise<void>): Promise<void> {
  try {
    await wait;
  } catch (error) {
    const links = await page
      .evaluate(async () =>
        Promise.all(
          (window as unknown as { peerConnections: RTCPeerConnection[] }).peerConnections.map(async (pc) => ({
            connection: pc.connectionState,
            ice: pc.iceConnectionState,
            signaling: pc.signalingState,
            inbound: [...(await pc.getStats()).values()]
              .filter((stat) => stat.type === 'inbound-rtp')
              .map((stat) => `${stat.kind} ${stat.trackIdentifier}: ${stat.packetsReceived} packets, ${stat.framesDecoded ?? '-'} frames`),
          })),
        ),
      )
      .catch((reason: unknown) => `unreadable: ${String(reason)}`);
    (error as Error).message += `\npeer connections of the page, oldest first: ${JSON.stringify(links, null, 2)}`;
    throw error;
  }
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
