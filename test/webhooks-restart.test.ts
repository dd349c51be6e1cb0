import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { BaxCloudClient } from '../src/client/client.js';
import { connectClient, uniqueUser, waitForState } from './support/clients.js';
import { startServer, type RunningServer, type TestProject } from './support/server.js';
import { WebhookReceiver } from './support/webhook-receiver.js';

/**
 * The hub sends an arriving event at once, from memory, and stores it only once its first attempt ended; until then
 * the sender's inbox keeps the event in its outbox (src/server/hub/webhook-dispatch.ts). A crash while the receiver
 * holds that first attempt must lose nothing: after the restart the event is handed over and sent again, under the
 * same webhook-id, and listed as delivered.
 */

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const stateDir = mkdtempSync(join(tmpdir(), 'bax-webhooks-restart-'));
const running: RunningServer[] = [];
const clients: BaxCloudClient[] = [];
let receiver: WebhookReceiver | undefined;

afterAll(async () => {
  for (const client of clients) client.disconnect();
  for (const server of running) await server.stop();
  await receiver?.down();
  rmSync(stateDir, { recursive: true, force: true });
});

it('a crash while the first attempt of an event is under way loses nothing: it is sent again under the same id', async () => {
  receiver = await WebhookReceiver.start();
  receiver.secret = SECRET;
  const project: TestProject = {
    projectId: 'wh-restart',
    apiKey: 'wh-restart-key',
    secret: 'wh-restart-secret',
    allowedOrigins: ['*'],
    webhooks: [{ url: receiver.url, secret: SECRET }],
  } as TestProject;
  const vars = { WEBHOOK_TIMEOUT_MS: '4000' };
  // The first request of every event is held far beyond the crash; any later one is answered at once.
  const held: string[] = [];
  receiver.behaviour = ({ id, attempt }) => {
    if (attempt > 1) return { status: 204 };
    held.push(id);
    return { status: 204, delayMs: 60_000 };
  };

  const first = await startServer({ stateDir, projects: [project], vars });
  running.push(first);
  const alice = await connectClient(first.host, { userId: uniqueUser('alice'), project, requestTimeoutMs: 30_000 });
  clients.push(alice);
  // The invitee is offline: the invitation gives one event, invitation.created.
  const invitation = await alice.sendCallInvitation({ to: uniqueUser('bob'), roomName: 'restart', callType: 'audio_call', timeoutSeconds: 120 });
  await receiver.waitFor(() => held.length === 1, 20_000, 'the first attempt of invitation.created');

  // The hub has sent the event and not stored it yet (it stores it once the attempt ends, or after a second).
  await first.kill();
  const second = await startServer({ stateDir, port: first.port, projects: [project], vars });
  running.push(second);
  await waitForState(alice, (state) => state.connection === 'open', 30_000);

  await receiver.waitFor(() => receiver!.acceptedIds().has(held[0]!), 30_000, 'invitation.created again, under its id');
  const created = receiver.received.filter((hook) => hook.payload.type === 'invitation.created');
  expect(new Set(created.map((hook) => hook.id))).toEqual(new Set([held[0]]));
  expect(created.every((hook) => hook.payload.data.invitation?.invitationId === invitation.invitationId)).toBe(true);
  expect(receiver.rejected).toEqual([]);

  const messages = async () => {
    const response = await fetch(`${second.url}/v1/projects/${project.projectId}/webhooks/messages?limit=10`, {
      headers: { authorization: `Bearer ${project.secret}` },
    });
    return ((await response.json()) as { messages: Array<{ eventId: string; status: string }> }).messages;
  };
  await expect.poll(messages, { timeout: 10_000, interval: 200 }).toEqual([expect.objectContaining({ eventId: held[0], status: 'delivered' })]);
});
