import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import { startServer, type TestProject } from '../support/server.js';
import { useServerAndChromium } from './support/fixture.js';
import { decodes, selectedCandidateTypes, users, videoCall } from './support/room-page.js';
import { startTurnServer, type RunningTurnServer } from './support/turn-server.js';

/**
 * A call through a TURN relay: the demo project is configured (PROJECTS) with coturn on loopback and
 * `iceTransportPolicy: 'relay'`, so the browsers may only use relayed candidates, with the credentials the server
 * mints per join. Media must flow, and the selected candidate pair must be a relayed one on both sides.
 */

let turn: RunningTurnServer;

beforeAll(async () => {
  turn = await startTurnServer();
});

afterAll(async () => {
  await turn?.stop();
});

const e2e = useServerAndChromium({
  media: true,
  server: () => {
    // The demo project's published keys, so the demo page connects as it does; PROJECTS overrides the built-in one.
    const demo: TestProject & Record<string, unknown> = {
      projectId: 'demo',
      apiKey: 'demo-api-key',
      secret: 'demo-secret',
      allowedOrigins: ['*'],
      turn: { urls: [turn.url], secret: turn.secret },
      iceTransportPolicy: 'relay',
    };
    return startServer({ projects: [demo] });
  },
});

describe('a call through a TURN relay', () => {
  it('with iceTransportPolicy relay, media flows both ways over relayed candidates only', async () => {
    const [alice, bob] = users('turn', 'Alice', 'Bob');
    const [a, b] = await videoCall(e2e, 'turn-room', [alice, bob]);

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
