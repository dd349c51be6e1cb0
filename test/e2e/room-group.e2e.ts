import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { waitUntilOpen } from './support/demo-page.js';
import { useServerAndChromium } from './support/fixture.js';
import {
  accept,
  decodes,
  getUserMediaCalls,
  invite,
  joinRoom,
  openRoomPage,
  roomEvents,
  roomOf,
  users,
  videoCall,
  type RoomPageOptions,
  type RoomUser,
} from './support/room-page.js';

/**
 * Calls of more than two through the real server, each browser profile a user of the demo page: a meeting of three
 * in one mesh, a live stream with viewers and a co-host, and `<bax-call-room>` rejoining after a reload.
 */

const e2e = useServerAndChromium({ media: true });
let run = 0;

const open = (user: RoomUser, options?: RoomPageOptions): Promise<Page> => openRoomPage(e2e, user, options);

describe('calls of more than two, through the real server', () => {
  it('a meeting of three: each decodes both others; it goes on when one leaves, and ends when one is left', async () => {
    const [alice, bob, carol] = users(`group-${++run}`, 'Alice', 'Bob', 'Carol');
    const [a, b, c] = await videoCall(e2e, `meeting-${run}`, [alice, bob, carol]);

    await Promise.all([decodes(a, bob.id), decodes(a, carol.id), decodes(b, alice.id), decodes(b, carol.id), decodes(c, alice.id), decodes(c, bob.id)]);

    await c.evaluate(() => document.querySelector('bax-cloud')!.activeClient!.leaveRoom());
    await expect.poll(async () => (await roomOf(a))?.participants.map((p) => p.userId)).toEqual([bob.id]);
    await expect.poll(async () => (await roomOf(b))?.participants.map((p) => p.userId)).toEqual([alice.id]);
    await Promise.all([decodes(a, bob.id), decodes(b, alice.id)]);
    expect(await roomEvents(a)).toContainEqual({ type: 'left', userId: carol.id, reason: 'left' });
    expect(await roomEvents(a)).not.toContainEqual(expect.objectContaining({ type: 'ended' }));

    await b.evaluate(() => document.querySelector('bax-cloud')!.activeClient!.leaveRoom());
    await expect.poll(() => roomOf(a)).toBe(null);
    expect(await roomEvents(a)).toContainEqual({ type: 'ended', reason: 'last_participant' });
  });

  it('a live stream: viewers watch without a camera; the host invites one to co-host, and everyone decodes them', async () => {
    const [host, first, second] = users(`group-${++run}`, 'Hana', 'Vic', 'Wes');
    const roomName = `stream-${run}`;
    const [h, v1, v2] = await Promise.all([
      open(host, { rooms: { [roomName]: 'host' } }),
      open(first, { rooms: { [roomName]: 'viewer' } }),
      open(second, { rooms: { [roomName]: 'viewer' } }),
    ]);
    await joinRoom(h, roomName, { liveType: 'live_streaming' });
    await Promise.all([
      joinRoom(v1, roomName, { liveType: 'live_streaming', watchOnly: true }),
      joinRoom(v2, roomName, { liveType: 'live_streaming', watchOnly: true }),
    ]);
    expect(await roomOf(v1)).toMatchObject({ status: 'joined', role: 'viewer' });
    await Promise.all([decodes(v1, host.id), decodes(v2, host.id)]);
    expect(await getUserMediaCalls(v1)).toBe(0);
    expect(await getUserMediaCalls(v2)).toBe(0);

    // The host brings viewer 1 on stage: an invitation naming the stream; accepted, it is a host there and publishes.
    await invite(h, [first.id], roomName, 'live_streaming');
    await accept(v1);
    await v1.evaluate(() => document.querySelector('bax-cloud')!.activeClient!.leaveRoom());
    await joinRoom(v1, roomName, { liveType: 'live_streaming' });
    expect(await roomOf(v1)).toMatchObject({ role: 'host' });
    expect(await getUserMediaCalls(v1)).toBeGreaterThan(0);
    await Promise.all([decodes(h, first.id), decodes(v2, first.id), decodes(v2, host.id), decodes(v1, host.id)]);
    expect(await getUserMediaCalls(v2)).toBe(0);
  });

  it('<bax-call-room> rejoins the call after a reload, and both sides decode each other again', async () => {
    const [alice, bob] = users(`group-${++run}`, 'Alice', 'Bob');
    const roomName = `reload-${run}`;
    const [a, b] = await Promise.all([open(alice), open(bob, { callRoom: true })]);
    await invite(a, [bob.id], roomName, 'video_call');
    await b.getByRole('alertdialog').getByRole('button', { name: 'Accept' }).click();
    // Bob's page leaves the call to its own <bax-call-room> (bax-call-start's default action).
    await joinRoom(a, roomName);
    await b.locator('bax-call-room video[data-user-id="' + alice.id + '"]').waitFor();
    await Promise.all([decodes(a, bob.id), decodes(b, alice.id)]);

    await b.reload();
    await waitUntilOpen(b);
    // Nothing but the element joins on Bob's page now: no bax-call-start after a reload.
    await expect.poll(async () => (await roomOf(b))?.status, { timeout: 20_000 }).toBe('joined');
    await Promise.all([decodes(a, bob.id), decodes(b, alice.id)]);
  });
});
