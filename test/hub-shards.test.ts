import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BaxCloudClient } from '../src/client/client.js';
import { shardOf } from '../src/server/hub/shards.js';
import { connectClient, uniqueUser } from './support/clients.js';
import { startServer, type RunningServer, type TestProject } from './support/server.js';
import { WebhookReceiver } from './support/webhook-receiver.js';

/**
 * The project's hub spread over shards (src/server/hub/shards.ts), end to end: the real server with HUB_SHARDS=4,
 * real clients, a real receiver that verifies every signature.
 */

const PROJECT: TestProject = { projectId: 'hub-shards', apiKey: 'hub-shards-key', secret: 'hub-shards-secret', allowedOrigins: ['*'] };
const SHARDS = 4;
/** The receiver holds every request this long before it answers. */
const HOLD_MS = 300;

let server: RunningServer;
let receiver: WebhookReceiver;
const open: BaxCloudClient[] = [];

beforeAll(async () => {
  receiver = await WebhookReceiver.start();
  server = await startServer({ projects: [PROJECT], vars: { HUB_SHARDS: String(SHARDS) } });
});
afterAll(async () => {
  for (const client of open.splice(0)) client.disconnect();
  await receiver?.down();
  await server?.stop();
});
afterEach(() => {
  for (const client of open.splice(0)) client.disconnect();
});

async function api<Body>(method: string, path: string, body?: unknown): Promise<Body> {
  const response = await fetch(`${server.url}/v1/projects/${PROJECT.projectId}${path}`, {
    method,
    headers: { authorization: `Bearer ${PROJECT.secret}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  expect(response.ok).toBe(true);
  return (await response.json()) as Body;
}

async function user(name: string): Promise<BaxCloudClient> {
  const client = await connectClient(server.host, { userId: uniqueUser(name), name, project: PROJECT });
  open.push(client);
  return client;
}

const invitationOf = (data: { invitationId?: string; invitation?: { invitationId: string } }) => data.invitationId ?? data.invitation!.invitationId;

describe('a sharded hub', () => {
  it("spreads a project's events over shards, loses and repeats none, and sends one invitation's events in order", async () => {
    const endpoint = await api<{ id: string; secret: string }>('POST', '/webhooks/endpoints', { url: receiver.url });
    receiver.secret = endpoint.secret;
    // Requests as they arrive (the receiver records each when it answers).
    const arrivals: Array<{ type: string; invitationId: string; at: number }> = [];
    receiver.behaviour = ({ payload }) => {
      arrivals.push({ type: payload.type, invitationId: invitationOf(payload.data), at: Date.now() });
      return { status: 204, delayMs: HOLD_MS };
    };
    const arrived = (type: string, invitationId: string) =>
      receiver.waitFor(() => arrivals.some((hook) => hook.type === type && hook.invitationId === invitationId), 20_000, `${type} of ${invitationId}`);

    const pairs = 8;
    const rounds = 3;
    const sent: Array<{ invitationId: string; outcome: 'accepted' | 'declined' }> = [];
    await Promise.all(
      Array.from({ length: pairs }, async (_, pair) => {
        const alice = await user(`alice${pair}`);
        const bob = await user(`bob${pair}`);
        for (let round = 0; round < rounds; round++) {
          const invitation = await alice.sendCallInvitation({ to: bob.getState().user.userId, roomName: `shards-${pair}-${round}`, callType: 'audio_call' });
          const accept = (pair + round) % 2 === 0;
          sent.push({ invitationId: invitation.invitationId, outcome: accept ? 'accepted' : 'declined' });
          // Bob answers while the receiver still holds the invitation.delivered request: the hub has the answer's
          // event before the receiver has acknowledged the one before it.
          await arrived('invitation.delivered', invitation.invitationId);
          if (accept) await bob.acceptCallInvitation(invitation.invitationId);
          else await bob.declineCallInvitation(invitation.invitationId);
        }
      }),
    );
    const expected = pairs * rounds * 3; // created, delivered, then accepted or declined
    await receiver.waitFor(() => receiver.acceptedIds().size >= expected, 30_000, `${expected} events`);

    // Nothing lost, nothing repeated: one webhook id per step of every invitation, each received once.
    expect(receiver.rejected).toEqual([]);
    const steps = receiver.received.map((hook) => `${hook.payload.type}:${invitationOf(hook.payload.data)}`);
    expect(new Set(steps)).toEqual(
      new Set(sent.flatMap(({ invitationId, outcome }) => ['created', 'delivered', outcome].map((type) => `invitation.${type}:${invitationId}`))),
    );
    expect(receiver.received).toHaveLength(expected);
    expect(receiver.acceptedIds().size).toBe(expected);

    // One invitation's answer went out only after the receiver had answered its invitation.delivered.
    for (const { invitationId, outcome } of sent) {
      const delivered = arrivals.find((hook) => hook.type === 'invitation.delivered' && hook.invitationId === invitationId)!;
      const answered = arrivals.find((hook) => hook.type === `invitation.${outcome}` && hook.invitationId === invitationId)!;
      expect(answered.at - delivered.at).toBeGreaterThanOrEqual(HOLD_MS);
    }

    // Each invitation's events were sent by the shard its id hashes to, and the project used several shards. The
    // listings gather every shard's part.
    const invitationByEvent = new Map(receiver.received.map((hook) => [hook.id, invitationOf(hook.payload.data)]));
    // A shard records an attempt after the receiver answered it (outcomes ending together are stored together).
    const listAttempts = () => api<{ attempts: Array<{ id: number; eventId: string; status: number; at: number }> }>('GET', '/webhooks/attempts?limit=250');
    await expect.poll(async () => (await listAttempts()).attempts.length, { timeout: 5000, interval: 100 }).toBe(expected);
    const { attempts } = await listAttempts();
    const shardsUsed = new Set<number>();
    for (const attempt of attempts) {
      const shard = (attempt.id % 128) - 1;
      expect(shard).toBe(shardOf(`inv:${invitationByEvent.get(attempt.eventId)}`, SHARDS));
      shardsUsed.add(shard);
    }
    expect(shardsUsed.size).toBeGreaterThan(1);
    // Newest first across shards, by id: above the shard's 7 bits an id counts sixteenths of a millisecond from the
    // attempt's start (a shard moves it on past its previous attempt, as attempts running at once end in any order).
    for (let i = 1; i < attempts.length; i++) expect(attempts[i - 1]!.id).toBeGreaterThan(attempts[i]!.id);
    for (const attempt of attempts) expect(Math.floor(attempt.id / 128) / 16).toBeGreaterThanOrEqual(Math.floor(attempt.at));
    const { messages } = await api<{ messages: Array<{ status: string }> }>('GET', `/webhooks/messages?endpointId=${endpoint.id}&limit=250`);
    expect(messages.map((message) => message.status)).toEqual(Array(expected).fill('delivered'));
  });

  it('stops every shard sending to an endpoint turned off, and resumes on all when it is turned on', async () => {
    const second = await WebhookReceiver.start();
    try {
      const endpoint = await api<{ id: string; secret: string }>('POST', '/webhooks/endpoints', { url: second.url, events: ['invitation.created'] });
      second.secret = endpoint.secret;
      await api('PATCH', `/webhooks/endpoints/${endpoint.id}`, { enabled: false });
      const alice = await user('alice');
      const off = await Promise.all(
        Array.from({ length: 8 }, (_, i) => alice.sendCallInvitation({ to: uniqueUser('offline'), roomName: `off-${i}`, callType: 'audio_call' })),
      );
      // The first endpoint hears of them all; the one turned off, on whichever shard, of none.
      await receiver.waitFor(() => off.every(({ invitationId }) => receiver.received.some((hook) => invitationOf(hook.payload.data) === invitationId)));
      await api('PATCH', `/webhooks/endpoints/${endpoint.id}`, { enabled: true });
      const on = await Promise.all(
        Array.from({ length: 8 }, (_, i) => alice.sendCallInvitation({ to: uniqueUser('offline'), roomName: `on-${i}`, callType: 'audio_call' })),
      );
      await second.waitFor(() => second.acceptedIds().size === on.length);
      expect(new Set(second.received.map((hook) => invitationOf(hook.payload.data)))).toEqual(new Set(on.map(({ invitationId }) => invitationId)));
      expect(second.rejected).toEqual([]);
    } finally {
      await second.down();
    }
  });
});
