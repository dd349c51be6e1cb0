import { createRequire } from 'node:module';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BaxCloudClient } from '../src/client/client.js';
import type { PushMessage } from '../src/protocol/push.js';
import { createUserToken } from '../src/server/tokens.js';
import { connectClient, nextEvent, uniqueUser, waitForState } from './support/clients.js';
import { PUSH_SERVICE_HOST, PushService, browserSubscription, type BrowserSubscription } from './support/push-service.js';
import { startServer, type RunningServer, type TestProject } from './support/server.js';
import { WebhookReceiver, type ReceivedWebhook } from './support/webhook-receiver.js';

/**
 * Missed calls as on phones: a call the caller cancels after it rang (on a connected device, or by push) is a missed
 * call for the callee, in history, in the missed-call count, in the webhook and in the close push; one canceled
 * before it rang anywhere is not. Quiet invitations (`ring: false`) reach the invitee without ringing and are never
 * missed calls.
 */

const require = createRequire(import.meta.url);
const ece = require('http_ece') as { decrypt(buffer: Buffer, params: Record<string, unknown>): Buffer };

const P: TestProject & { pushServices: string[] } = {
  projectId: 'missed-app',
  apiKey: 'missed-key',
  secret: 'missed-secret',
  allowedOrigins: ['*'],
  pushServices: [PUSH_SERVICE_HOST],
};
let server: RunningServer;
let service: PushService;
let receiver: WebhookReceiver;
const open: BaxCloudClient[] = [];

beforeAll(async () => {
  service = await PushService.start();
  server = await startServer({ projects: [P] });
  receiver = await WebhookReceiver.start();
  const created = await api<{ secret: string }>('POST', '/webhooks/endpoints', { url: receiver.url });
  expect(created.status).toBe(201);
  receiver.secret = created.body.secret;
});
afterAll(async () => {
  await receiver?.down();
  await server?.stop();
  await service?.stop();
});
afterEach(() => {
  for (const client of open.splice(0)) client.disconnect();
});

async function api<Body = unknown>(method: string, path: string, body?: unknown, auth = P.secret): Promise<{ status: number; body: Body }> {
  const response = await fetch(`${server.url}/v1/projects/${P.projectId}${path}`, {
    method,
    headers: { authorization: `Bearer ${auth}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Body) : (null as Body) };
}

async function user(name: string, userId = uniqueUser(name.split(' ')[0]!.toLowerCase())): Promise<BaxCloudClient> {
  const client = await connectClient(server.host, { userId, name, project: P });
  open.push(client);
  return client;
}

async function subscribe(userId: string): Promise<BrowserSubscription> {
  const subscription = browserSubscription(service, `missed-${userId}`);
  const { token } = await createUserToken({ projectId: P.projectId, secret: P.secret, userId });
  const registered = await api('POST', '/push/subscriptions', { subscription: subscription.json, deviceId: `phone-${userId}` }, token);
  expect(registered.status).toBe(201);
  return subscription;
}

function pushesTo(subscription: BrowserSubscription): PushMessage[] {
  return service.for(subscription.id).map((request) => {
    const plaintext = ece.decrypt(request.body, { version: 'aes128gcm', privateKey: subscription.ecdh, authSecret: subscription.auth.toString('base64url') });
    return JSON.parse(plaintext.toString('utf8')) as PushMessage;
  });
}

/** The one webhook of `type` about `invitationId`, once it arrived. */
async function webhook(type: string, invitationId: string): Promise<ReceivedWebhook['payload']['data']> {
  const find = () =>
    receiver.received.find(
      (hook) => hook.payload.type === type && (hook.payload.data.invitationId ?? hook.payload.data.invitation?.invitationId) === invitationId,
    );
  await receiver.waitFor(() => find() !== undefined);
  return find()!.payload.data;
}

const idOf = (client: BaxCloudClient) => client.getState().user.userId;

describe('a call canceled after it rang', () => {
  it('is a missed call for the callee whose device rang: history, count and webhook say so', async () => {
    const alice = await user('Alice');
    const bob = await user('Bob');
    const ringing = nextEvent(bob.onInvitationReceived.bind(bob));
    const missedChanged = nextEvent(bob.onMissedCallsChanged.bind(bob), (count) => count === 1);
    const sent = await alice.sendCallInvitation({ to: idOf(bob), roomName: 'rang', callType: 'audio_call' });
    await ringing;
    await alice.cancelCallInvitation(sent.invitationId);
    await missedChanged;

    const bobsHistory = await bob.getCallHistory();
    expect(bobsHistory.missedCalls).toBe(1);
    expect(bobsHistory.entries[0]).toMatchObject({
      invitationId: sent.invitationId,
      direction: 'incoming',
      outcome: 'missed',
      reason: 'canceled',
      missed: true,
    });
    // The caller's side reads as canceled.
    expect((await alice.getCallHistory()).entries[0]).toMatchObject({ invitationId: sent.invitationId, outcome: 'canceled', missed: false });
    expect(await webhook('invitation.canceled', sent.invitationId)).toMatchObject({ userId: idOf(bob), state: 'canceled', reason: 'canceled', missed: true });
  });

  it('is no missed call when it was canceled before it rang anywhere', async () => {
    const alice = await user('Alice');
    const bobId = uniqueUser('bob');
    const sent = await alice.sendCallInvitation({ to: bobId, roomName: 'never-rang', callType: 'video_call' });
    await alice.cancelCallInvitation(sent.invitationId);
    expect(await webhook('invitation.canceled', sent.invitationId)).toMatchObject({ userId: bobId, state: 'canceled', missed: false });

    const bob = await user('Bob', bobId);
    expect(bob.getState().missedCalls).toBe(0);
    const history = await bob.getCallHistory();
    expect(history.missedCalls).toBe(0);
    expect(history.entries[0]).toMatchObject({ invitationId: sent.invitationId, outcome: 'canceled', missed: false });
  });

  it('is a missed call when it rang by push; the close push says so, with the caller and the count', async () => {
    const alice = await user('Alice Liddell');
    const bobId = uniqueUser('bob');
    const phone = await subscribe(bobId);
    const sent = await alice.sendCallInvitation({ to: bobId, roomName: 'pushed', callType: 'video_call' });
    await service.waitFor(() => pushesTo(phone).length === 1);
    await alice.cancelCallInvitation(sent.invitationId);
    await service.waitFor(() => pushesTo(phone).length === 2);
    expect(pushesTo(phone)[1]).toEqual({
      v: 1,
      type: 'close',
      projectId: P.projectId,
      invitationId: sent.invitationId,
      state: 'canceled',
      missed: true,
      from: { userId: idOf(alice), name: 'Alice Liddell', avatarUrl: null },
      callType: 'video_call',
      missedCalls: 1,
    });
    expect(await webhook('invitation.canceled', sent.invitationId)).toMatchObject({ missed: true });
    const bob = await user('Bob', bobId);
    expect(bob.getState().missedCalls).toBe(1);
    expect((await bob.getCallHistory()).entries[0]).toMatchObject({ outcome: 'missed', reason: 'canceled', missed: true });
  });
});

describe('quiet invitations (ring: false)', () => {
  it('reach the invitee marked ring: false, push no ring, and are no missed call when they run out', async () => {
    const alice = await user('Alice');
    const bob = await user('Bob');
    const received = nextEvent(bob.onInvitationReceived.bind(bob));
    const quiet = await alice.sendCallInvitation({ to: idOf(bob), roomName: 'standup', callType: 'video_call', ring: false, timeoutSeconds: 5 });
    expect((await received).ring).toBe(false);
    expect(bob.getState().incoming[0]).toMatchObject({ invitationId: quiet.invitationId, ring: false });
    expect((await webhook('invitation.created', quiet.invitationId)).invitation).toMatchObject({ ring: false });
    expect(await webhook('invitation.delivered', quiet.invitationId)).toMatchObject({ ring: false });

    const expired = await webhook('invitation.expired', quiet.invitationId);
    expect(expired).toMatchObject({ userId: idOf(bob), state: 'expired', ring: false, missed: false });
    await waitForState(bob, (state) => state.incoming.length === 0);
    const history = await bob.getCallHistory();
    expect(history.missedCalls).toBe(0);
    expect(history.entries[0]).toMatchObject({ invitationId: quiet.invitationId, missed: false });
    expect(bob.getState().missedCalls).toBe(0);
  });

  it('push no ring to an offline invitee, from the socket or the REST API; an invitation that rings still does', async () => {
    const alice = await user('Alice');
    const carolId = uniqueUser('carol');
    const phone = await subscribe(carolId);
    const quiet = await alice.sendCallInvitation({ to: carolId, roomName: 'all-hands', callType: 'live_streaming', ring: false });
    const viaRest = await api<{ invitationId: string }>('POST', '/invitations', {
      from: idOf(alice),
      to: carolId,
      roomName: 'town-hall',
      callType: 'video_call',
      ring: false,
    });
    expect(viaRest.status).toBe(201);
    // Pushes go out in the order their invitations reach Carol's inbox: once the ringing one arrived, quiet ones would have.
    const ringing = await alice.sendCallInvitation({ to: carolId, roomName: 'ring-me', callType: 'audio_call' });
    await service.waitFor(() => pushesTo(phone).some((message) => message.invitationId === ringing.invitationId));
    expect(pushesTo(phone).map((message) => message.invitationId)).toEqual([ringing.invitationId]);

    // Carol's device, connecting later, sees both quiet invitations as quiet.
    const carol = await user('Carol', carolId);
    const byId = new Map(carol.getState().incoming.map((invitation) => [invitation.invitationId, invitation]));
    expect(byId.get(quiet.invitationId)?.ring).toBe(false);
    expect(byId.get(viaRest.body.invitationId)?.ring).toBe(false);
    expect(byId.get(ringing.invitationId)?.ring).toBeUndefined();
  });

  it('refuses a ring that is not a boolean', async () => {
    const alice = await user('Alice');
    await expect(
      alice.sendCallInvitation({ to: uniqueUser('x'), roomName: 'r', callType: 'audio_call', ring: 'no' as unknown as boolean }),
    ).rejects.toMatchObject({ code: 'invalid_request', message: expect.stringContaining('ring') });
  });
});
