import { describe, expect, it } from 'vitest';
import { useServerAndChromium } from './support/fixture.js';
import { decodes, roomOf, users, videoCall } from './support/room-page.js';

/**
 * A browser going offline for a few seconds during a call (Chromium's network emulation, `context.setOffline`: the
 * page sees `offline` and `online` events and `navigator.onLine` false). Chromium's emulation leaves established
 * sockets and peer connections alone, so this checks that the client rides out those events and the call goes on;
 * a socket that really drops is room.e2e.ts's "a dropped socket rejoins" (a proxy cut).
 */

const e2e = useServerAndChromium({ media: true });

describe('a browser offline during a call', () => {
  it('a few seconds offline, then online: the call goes on, both sides decoding each other', async () => {
    const [alice, bob] = users('offline', 'Alice', 'Bob');
    const [a, b] = await videoCall(e2e, 'offline-room', [alice, bob]);
    await Promise.all([decodes(a, bob.id), decodes(b, alice.id)]);

    await b.context().setOffline(true);
    expect(await b.evaluate(() => navigator.onLine)).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await b.context().setOffline(false);
    expect(await b.evaluate(() => navigator.onLine)).toBe(true);

    await expect.poll(async () => (await roomOf(b))?.status, { timeout: 30_000 }).toBe('joined');
    await Promise.all([decodes(a, bob.id), decodes(b, alice.id)]);
    expect(await roomOf(a)).toMatchObject({ status: 'joined', participants: [{ userId: bob.id, camera: true }] });
  });
});
