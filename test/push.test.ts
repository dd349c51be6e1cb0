import { createRequire } from 'node:module';
import { decodeProtectedHeader, importJWK, jwtVerify } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BaxCloudClient } from '../src/client/client.js';
import type { PushMessage, RingMessage } from '../src/protocol/push.js';
import { createUserToken } from '../src/server/tokens.js';
import { connectClient, nextEvent, uniqueUser } from './support/clients.js';
import { openSocket, socketUrl } from './support/raw.js';
import { PUSH_SERVICE_HOST, PushService, browserSubscription, type BrowserSubscription, type PushRequest } from './support/push-service.js';
import { startServer, type RunningServer, type TestProject } from './support/server.js';

/**
 * Web Push end to end: the real server sends to a local stand-in push service; the test checks the VAPID
 * JWT (RFC 8292) and decrypts each message with the subscription's private key using `http_ece`, an
 * implementation independent of the server's.
 */

const require = createRequire(import.meta.url);
const ece = require('http_ece') as { decrypt(buffer: Buffer, params: Record<string, unknown>): Buffer };

/** Pushes to the local stand-in, which it lists explicitly (the server runs in local development, so http to loopback is allowed). */
const P: TestProject & { pushServices: string[] } = {
  projectId: 'push-app',
  apiKey: 'push-key',
  secret: 'push-secret',
  allowedOrigins: ['*'],
  pushServices: [PUSH_SERVICE_HOST],
};
/** Lists no push services: the browsers' own are the only ones it accepts. */
const DEFAULTS: TestProject = { projectId: 'push-defaults', apiKey: 'defaults-key', secret: 'defaults-secret', allowedOrigins: ['*'] };
let server: RunningServer;
let service: PushService;
const open: BaxCloudClient[] = [];

beforeAll(async () => {
  service = await PushService.start();
  server = await startServer({ projects: [P, DEFAULTS] });
});
afterAll(async () => {
  await server?.stop();
  await service?.stop();
});
afterEach(() => {
  for (const client of open.splice(0)) client.disconnect();
});

async function user(name: string, userId = uniqueUser(name.split(' ')[0]!.toLowerCase())): Promise<BaxCloudClient> {
  const client = await connectClient(server.host, { userId, name, project: P });
  open.push(client);
  return client;
}

const idOf = (client: BaxCloudClient) => client.getState().user.userId;

async function token(userId: string, project: TestProject = P): Promise<string> {
  return (await createUserToken({ projectId: project.projectId, secret: project.secret, userId })).token;
}

/** What a refusal answers. */
interface ErrorBody {
  code: string;
  message: string;
}

async function rest<Body = ErrorBody | null>(
  method: string,
  path: string,
  auth: string,
  body?: unknown,
  project: TestProject = P,
): Promise<{ status: number; body: Body }> {
  const response = await fetch(`${server.url}/v1/projects/${project.projectId}${path}`, {
    method,
    headers: { authorization: `Bearer ${auth}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

interface SubscriptionList {
  subscriptions: Array<{ endpoint: string }>;
}

async function subscribe(userId: string, id: string, deviceId = `device-${id}`): Promise<BrowserSubscription> {
  const subscription = browserSubscription(service, id);
  const registered = await rest('POST', '/push/subscriptions', await token(userId), { subscription: subscription.json, deviceId });
  expect(registered.status).toBe(201);
  return subscription;
}

/** Decrypts one push message as the browser would, with the subscription's private key and auth secret. */
function decrypt(request: PushRequest, subscription: BrowserSubscription): PushMessage {
  const plaintext = ece.decrypt(request.body, { version: 'aes128gcm', privateKey: subscription.ecdh, authSecret: subscription.auth.toString('base64url') });
  return JSON.parse(plaintext.toString('utf8')) as PushMessage;
}

/** Checks the VAPID Authorization header against the project's public key (RFC 8292). */
async function checkVapid(request: PushRequest): Promise<void> {
  const match = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(request.headers.authorization ?? '');
  expect(match, request.headers.authorization).toBeTruthy();
  const [, jwt, k] = match!;
  const vapid = await rest<{ publicKey: string; subject: string }>('GET', '/push/vapid', P.secret);
  expect(k).toBe(vapid.body.publicKey);
  const raw = Buffer.from(k!, 'base64url');
  expect(raw).toHaveLength(65);
  const key = await importJWK({ kty: 'EC', crv: 'P-256', x: raw.subarray(1, 33).toString('base64url'), y: raw.subarray(33).toString('base64url') }, 'ES256');
  expect(decodeProtectedHeader(jwt!)).toMatchObject({ alg: 'ES256', typ: 'JWT' });
  const { payload } = await jwtVerify(jwt!, key, { algorithms: ['ES256'], audience: service.origin });
  expect(payload.sub).toBe(vapid.body.subject);
  expect(payload.exp! * 1000).toBeGreaterThan(Date.now());
  expect(payload.exp! * 1000).toBeLessThanOrEqual(Date.now() + 24 * 3600_000);
}

describe('Web Push', () => {
  it('pushes an encrypted ring to an offline invitee, answerable through the REST API with the token it carries', async () => {
    const alice = await user('Alice Liddell');
    const bobId = uniqueUser('bob');
    const laptop = await subscribe(bobId, `ring-${bobId}`, 'bobs-laptop');

    const before = service.requests.length;
    const sent = await alice.sendCallInvitation({ to: bobId, roomName: 'push-room', callType: 'video_call', message: 'are you there?', timeoutSeconds: 40 });
    await service.waitFor(() => service.for(laptop.id).length === 1);
    const request = service.for(laptop.id)[0]!;
    expect(service.requests.length).toBe(before + 1);

    await checkVapid(request);
    expect(request.headers['content-encoding']).toBe('aes128gcm');
    expect(request.headers.urgency).toBe('high');
    expect(request.headers.topic).toBe(sent.invitationId);
    const ttl = Number(request.headers.ttl);
    // Never longer than the invitation lives.
    expect(ttl).toBeGreaterThan(30);
    expect(ttl).toBeLessThanOrEqual(40);

    const ring = decrypt(request, laptop) as RingMessage;
    expect(ring).toMatchObject({
      v: 1,
      type: 'ring',
      projectId: P.projectId,
      invitationId: sent.invitationId,
      from: { userId: idOf(alice), name: 'Alice Liddell' },
      callType: 'video_call',
      roomName: 'push-room',
      message: 'are you there?',
      expiresAt: sent.expiresAt,
      api: server.url,
    });

    // The answer token answers this invitation only, and is no user token.
    const other = await alice.sendCallInvitation({ to: uniqueUser('carol'), roomName: 'other', callType: 'audio_call' });
    expect((await rest('POST', `/invitations/${other.invitationId}/accept`, ring.answerToken)).status).toBe(403);
    expect((await rest('GET', '/push/public-key', ring.answerToken)).status).toBe(401);
    const socketRefused = await new Promise<number>((resolve) => {
      const socket = openSocket(socketUrl(server.host, { projectId: P.projectId, userId: bobId, apiKey: P.apiKey, token: ring.answerToken }));
      socket.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
      socket.on('open', () => {
        socket.close();
        resolve(101);
      });
      socket.on('error', () => resolve(-1));
    });
    expect(socketRefused).toBe(401);

    const accepted = nextEvent(alice.onInvitationAccepted.bind(alice));
    const answer = await fetch(`${ring.api}/v1/projects/${ring.projectId}/invitations/${ring.invitationId}/accept`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ring.answerToken}` },
    });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ invitationId: sent.invitationId, state: 'accepted' });
    expect((await accepted).by).toBe(bobId);

    // The outcome closes the notification on the device that rang.
    await service.waitFor(() => service.for(laptop.id).length === 2);
    const close = service.for(laptop.id)[1]!;
    await checkVapid(close);
    expect(close.headers.topic).toBe(sent.invitationId);
    expect(decrypt(close, laptop)).toEqual({
      v: 1,
      type: 'close',
      projectId: P.projectId,
      invitationId: sent.invitationId,
      state: 'accepted',
      missed: false,
      from: { userId: idOf(alice), name: 'Alice Liddell', avatarUrl: null },
      callType: 'video_call',
    });

    // Bob's history records the accept on the laptop that answered.
    const bob = await user('bob', bobId);
    const history = await bob.getCallHistory();
    expect(history.entries[0]).toMatchObject({ invitationId: sent.invitationId, outcome: 'answered_elsewhere' });
  });

  it('closes the notification on cancel and on expiry, and does not push to invitees who are online', async () => {
    const alice = await user('alice');
    const bobId = uniqueUser('bob');
    const phone = await subscribe(bobId, `close-${bobId}`);

    const canceled = await alice.sendCallInvitation({ to: bobId, roomName: 'cancel-me', callType: 'audio_call' });
    await service.waitFor(() => service.for(phone.id).length === 1);
    await alice.cancelCallInvitation(canceled.invitationId);
    await service.waitFor(() => service.for(phone.id).length === 2);
    expect(decrypt(service.for(phone.id)[1]!, phone)).toMatchObject({ type: 'close', invitationId: canceled.invitationId, state: 'canceled' });

    const missed = await alice.sendCallInvitation({ to: bobId, roomName: 'miss-me', callType: 'audio_call', timeoutSeconds: 5 });
    await service.waitFor(() => service.for(phone.id).length === 3);
    expect(decrypt(service.for(phone.id)[2]!, phone)).toMatchObject({ type: 'ring', invitationId: missed.invitationId });
    expect(Number(service.for(phone.id)[2]!.headers.ttl)).toBeLessThanOrEqual(5);
    await service.waitFor(() => service.for(phone.id).length === 4, 15_000);
    expect(decrypt(service.for(phone.id)[3]!, phone)).toMatchObject({ type: 'close', invitationId: missed.invitationId, state: 'expired' });

    // With a device connected the call rings there: no push.
    const bob = await user('bob', bobId);
    const ringing = nextEvent(bob.onInvitationReceived.bind(bob));
    const online = await alice.sendCallInvitation({ to: bobId, roomName: 'online', callType: 'audio_call' });
    await ringing;
    // Once Bob is gone, the next call is pushed, through his inbox and the hub after the one that rang: when
    // its push arrives, a push for the call that rang would have arrived before it.
    await alice.subscribePresence([bobId]);
    const offline = nextEvent(alice.onPresenceChanged.bind(alice), (info) => info.userId === bobId && info.status === 'offline');
    bob.disconnect();
    await offline;
    const later = await alice.sendCallInvitation({ to: bobId, roomName: 'after', callType: 'audio_call' });
    const pushed = () => service.for(phone.id).map((request) => decrypt(request, phone).invitationId);
    await service.waitFor(() => pushed().includes(later.invitationId));
    expect(pushed()).not.toContain(online.invitationId);
    expect(pushed()).toEqual([canceled.invitationId, canceled.invitationId, missed.invitationId, missed.invitationId, later.invitationId]);
  });

  it('drops subscriptions the push service reports gone, and retries on server errors', async () => {
    const alice = await user('alice');
    const bobId = uniqueUser('bob');
    const gone = await subscribe(bobId, `gone-${bobId}`);
    const flaky = await subscribe(bobId, `flaky-${bobId}`);
    service.status.set(gone.id, 410);
    service.status.set(flaky.id, 503);

    await alice.sendCallInvitation({ to: bobId, roomName: 'first', callType: 'audio_call', timeoutSeconds: 60 });
    await service.waitFor(() => service.for(gone.id).length === 1 && service.for(flaky.id).length === 1);
    // The flaky service recovers: the ring is retried and arrives.
    service.status.set(flaky.id, 201);
    await service.waitFor(() => service.for(flaky.id).some((request) => request.answered === 201), 10_000);
    expect(decrypt(service.for(flaky.id).at(-1)!, flaky)).toMatchObject({ type: 'ring', roomName: 'first' });

    const listed = await rest('GET', `/users/${bobId}/push-subscriptions`, P.secret);
    await expect
      .poll(async () => (await rest<SubscriptionList>('GET', `/users/${bobId}/push-subscriptions`, P.secret)).body.subscriptions.map((entry) => entry.endpoint))
      .toEqual([flaky.endpoint]);
    void listed;

    await alice.sendCallInvitation({ to: bobId, roomName: 'second', callType: 'audio_call' });
    await service.waitFor(() => service.for(flaky.id).filter((request) => request.answered === 201).length === 2);
    expect(service.for(gone.id)).toHaveLength(1);
  });

  it('takes subscriptions only on the push services the project accepts', async () => {
    const userId = uniqueUser('erin');
    const { keys } = browserSubscription(service, 'unused').json;
    const register = async (project: TestProject, endpoint: string) =>
      rest('POST', '/push/subscriptions', await token(userId, project), { subscription: { endpoint, keys } }, project);

    // Without its own list a project takes the browsers' push services, and nothing else: not even the local
    // stand-in, though the server runs in local development.
    expect((await register(DEFAULTS, 'https://fcm.googleapis.com/fcm/send/abc')).status).toBe(201);
    expect(await register(DEFAULTS, 'https://evil.example/push/1')).toMatchObject({
      status: 400,
      body: { code: 'invalid_request', message: 'subscription.endpoint: evil.example is not a push service this project accepts' },
    });
    expect(await register(DEFAULTS, `${service.origin}/push/erin`)).toMatchObject({
      status: 400,
      body: { code: 'invalid_request', message: 'subscription.endpoint: 127.0.0.1 is not a push service this project accepts' },
    });
    // A project's list replaces the browsers' services.
    expect(await register(P, 'https://fcm.googleapis.com/fcm/send/abc')).toMatchObject({ status: 400, body: { code: 'invalid_request' } });
    expect(
      (await rest<SubscriptionList>('GET', `/users/${userId}/push-subscriptions`, DEFAULTS.secret, undefined, DEFAULTS)).body.subscriptions.map(
        (entry) => entry.endpoint,
      ),
    ).toEqual(['https://fcm.googleapis.com/fcm/send/abc']);
  });
});
