import { generateKeyPairSync } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BaxCloudClient } from '../src/client/client.js';
import type { InviteeStatus, PresenceInfo } from '../src/protocol/types.js';
import { createUserToken } from '../src/server/tokens.js';
import { connectClient, nextEvent, uniqueUser, waitForState } from './support/clients.js';
import { OpenApiChecker } from './support/openapi.js';
import { startServer, type RunningServer, type TestProject } from './support/server.js';

/** The REST API against the real server; every response is checked against the served OpenAPI document. */

const P: TestProject = { projectId: 'rest-app', apiKey: 'rest-key', secret: 'rest-secret', allowedOrigins: ['https://app.example'] };
let server: RunningServer;
let openapi: OpenApiChecker;
const open: BaxCloudClient[] = [];

beforeAll(async () => {
  server = await startServer({ projects: [P] });
  const response = await fetch(`${server.url}/v1/openapi.json`);
  expect(response.status).toBe(200);
  openapi = new OpenApiChecker(await response.json());
});
afterAll(async () => {
  await server?.stop();
});
afterEach(() => {
  for (const client of open.splice(0)) client.disconnect();
});

async function user(name: string, userId = uniqueUser(name)): Promise<BaxCloudClient> {
  const client = await connectClient(server.host, { userId, name, project: P });
  open.push(client);
  return client;
}

const idOf = (client: BaxCloudClient) => client.getState().user.userId;

interface CallOptions {
  auth?: string | null;
  body?: unknown;
  query?: Record<string, string>;
  headers?: Record<string, string>;
}

/** Calls a documented route (by its OpenAPI template) and checks the answer against the document. */
async function call<Body = unknown>(
  method: string,
  template: string,
  params: Record<string, string>,
  options: CallOptions = {},
): Promise<{ status: number; body: Body; headers: Headers }> {
  let path = template.replace('{projectId}', P.projectId);
  for (const [name, value] of Object.entries(params)) path = path.replace(`{${name}}`, encodeURIComponent(value));
  const url = new URL(path, server.url);
  for (const [name, value] of Object.entries(options.query ?? {})) url.searchParams.set(name, value);
  const auth = options.auth === undefined ? P.secret : options.auth;
  const response = await fetch(url, {
    method,
    headers: {
      ...(auth ? { authorization: `Bearer ${auth}` } : {}),
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    },
    ...(options.body === undefined ? {} : { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }),
  });
  const text = await response.text();
  const body = (text ? JSON.parse(text) : null) as Body;
  openapi.check(method, template, response.status, body);
  return { status: response.status, body, headers: response.headers };
}

// What the tests read of the answers; openapi.check validates each whole answer against its route's schema.
interface ErrorBody {
  code: string;
  message: string;
}
interface InvitationBody {
  invitationId: string;
  invitees: InviteeStatus[];
}
interface HistoryPage {
  entries: Array<{ invitationId: string; outcome: string }>;
  nextBefore: number | null;
}
interface VapidBody {
  publicKey: string;
  subject: string;
}

async function userToken(userId: string): Promise<string> {
  return (await createUserToken({ projectId: P.projectId, secret: P.secret, userId })).token;
}

describe('the document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const { Validator } = await import('@seriousme/openapi-schema-validator');
    const validator = new Validator();
    const result = await validator.validate(openapi.document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(openapi.document.openapi).toBe('3.1.0');
    expect(Object.keys(openapi.document.webhooks).sort()).toEqual([
      'call.ended',
      'call.started',
      'invitation.accepted',
      'invitation.canceled',
      'invitation.created',
      'invitation.declined',
      'invitation.delivered',
      'invitation.expired',
    ]);
  });
});

describe('tokens', () => {
  it('mints user tokens and checks sessions as documented', async () => {
    const minted = await call<{ token: string; expiresAt: number }>(
      'POST',
      '/v1/projects/{projectId}/tokens',
      {},
      { body: { userId: 'dora', name: 'Dora', ttlSeconds: 60 } },
    );
    expect(minted.status).toBe(200);
    const session = await call('GET', '/v1/projects/{projectId}/session', {}, { auth: minted.body.token, query: { apiKey: P.apiKey } });
    expect(session.body).toEqual({ userId: 'dora', expiresAt: minted.body.expiresAt });
    const refused = await call('GET', '/v1/projects/{projectId}/session', {}, { auth: 'garbage', query: { apiKey: P.apiKey } });
    expect(refused.status).toBe(401);
  });
});

describe('invitations', () => {
  it('sends on behalf of a user, reads its state from either side, and answers with a user token', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const ringing = nextEvent(bob.onInvitationReceived.bind(bob));
    const sent = await call<InvitationBody>(
      'POST',
      '/v1/projects/{projectId}/invitations',
      {},
      {
        body: {
          from: idOf(alice),
          fromUser: { name: 'Alice A.' },
          to: idOf(bob),
          roomName: 'rest-room',
          callType: 'video_call',
          message: 'from the backend',
          timeoutSeconds: 60,
        },
        headers: { 'idempotency-key': `send-${idOf(alice)}` },
      },
    );
    expect(sent.status).toBe(201);
    expect(sent.body.invitees).toEqual([{ userId: idOf(bob), user: bob.getState().user, delivered: true, state: 'pending', reason: null, message: null }]);
    const received = await ringing;
    expect(received).toMatchObject({
      invitationId: sent.body.invitationId,
      from: idOf(alice),
      fromUser: { userId: idOf(alice), name: 'Alice A.' },
      message: 'from the backend',
    });
    // Alice's own devices see the invitation the backend sent for her.
    await waitForState(alice, (state) => state.outgoing.some((entry) => entry.invitationId === sent.body.invitationId));

    // A retry with the same Idempotency-Key returns the first result and rings nobody again.
    const again = await call<InvitationBody>(
      'POST',
      '/v1/projects/{projectId}/invitations',
      {},
      {
        body: { from: idOf(alice), to: idOf(bob), roomName: 'rest-room', callType: 'video_call', message: 'from the backend', timeoutSeconds: 60 },
        headers: { 'idempotency-key': `send-${idOf(alice)}` },
      },
    );
    expect(again.body.invitationId).toBe(sent.body.invitationId);

    const asSender = await call(
      'GET',
      '/v1/projects/{projectId}/invitations/{invitationId}',
      { invitationId: sent.body.invitationId },
      { query: { userId: idOf(alice) } },
    );
    expect(asSender.status).toBe(200);
    expect(asSender.body).toMatchObject({
      view: 'sender',
      from: idOf(alice),
      roomName: 'rest-room',
      invitees: [{ userId: idOf(bob), state: 'pending', delivered: true }],
    });
    const asInvitee = await call(
      'GET',
      '/v1/projects/{projectId}/invitations/{invitationId}',
      { invitationId: sent.body.invitationId },
      { query: { userId: idOf(bob) } },
    );
    expect(asInvitee.body).toMatchObject({ view: 'invitee', invitees: [{ userId: idOf(bob), state: 'pending' }] });

    const accepted = nextEvent(alice.onInvitationAccepted.bind(alice));
    const answer = await call(
      'POST',
      '/v1/projects/{projectId}/invitations/{invitationId}/accept',
      { invitationId: sent.body.invitationId },
      { auth: await userToken(idOf(bob)), body: {} },
    );
    expect(answer.body).toEqual({ invitationId: sent.body.invitationId, state: 'accepted' });
    expect((await accepted).by).toBe(idOf(bob));
    // Bob's open device learns it was answered elsewhere.
    await waitForState(bob, (state) => state.incoming.length === 0);

    const late = await call<ErrorBody>(
      'POST',
      '/v1/projects/{projectId}/invitations/{invitationId}/decline',
      { invitationId: sent.body.invitationId },
      { body: { userId: idOf(bob) } },
    );
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('not_pending');

    const after = await call<InvitationBody>(
      'GET',
      '/v1/projects/{projectId}/invitations/{invitationId}',
      { invitationId: sent.body.invitationId },
      { query: { userId: idOf(alice) } },
    );
    expect(after.body.invitees[0]).toMatchObject({ state: 'accepted' });
  });

  it('sends as the system, cancels, and declines for an invitee with the project secret', async () => {
    const bob = await user('bob');
    const carolId = uniqueUser('carol');
    const ringing = nextEvent(bob.onInvitationReceived.bind(bob), (invitation) => invitation.roomName === 'all-hands');
    const sent = await call<InvitationBody>(
      'POST',
      '/v1/projects/{projectId}/invitations',
      {},
      { body: { to: [idOf(bob), carolId], roomName: 'all-hands', callType: 'audio_call' } },
    );
    expect(sent.status).toBe(201);
    const received = await ringing;
    expect(received).toMatchObject({ invitationId: sent.body.invitationId, from: 'system' });

    const declined = await call(
      'POST',
      '/v1/projects/{projectId}/invitations/{invitationId}/decline',
      { invitationId: sent.body.invitationId },
      { body: { userId: carolId, reason: 'unavailable' } },
    );
    expect(declined.body).toEqual({ invitationId: sent.body.invitationId, state: 'declined' });

    const canceledEvent = nextEvent(bob.onInvitationCanceled.bind(bob));
    const canceled = await call('POST', '/v1/projects/{projectId}/invitations/{invitationId}/cancel', { invitationId: sent.body.invitationId }, { body: {} });
    expect(canceled.body).toEqual({ invitationId: sent.body.invitationId, canceled: [idOf(bob)] });
    expect((await canceledEvent).invitationId).toBe(sent.body.invitationId);

    const state = await call<InvitationBody>(
      'GET',
      '/v1/projects/{projectId}/invitations/{invitationId}',
      { invitationId: sent.body.invitationId },
      { query: { userId: 'system' } },
    );
    expect(Object.fromEntries(state.body.invitees.map((invitee) => [invitee.userId, invitee.state]))).toEqual({
      [idOf(bob)]: 'canceled',
      [carolId]: 'declined',
    });

    const again = await call('POST', '/v1/projects/{projectId}/invitations/{invitationId}/cancel', { invitationId: sent.body.invitationId }, { body: {} });
    expect(again.status).toBe(409);
  });

  it('refuses bad credentials and bad input with the socket error codes', async () => {
    const noAuth = await call<ErrorBody>(
      'POST',
      '/v1/projects/{projectId}/invitations',
      {},
      { auth: null, body: { to: 'x', roomName: 'r', callType: 'audio_call' } },
    );
    expect(noAuth.status).toBe(401);
    expect(noAuth.body.code).toBe('unauthorized');
    const wrong = await call('GET', '/v1/projects/{projectId}/presence', {}, { auth: 'not-the-secret', query: { userIds: 'a' } });
    expect(wrong.status).toBe(401);
    const userCannotSend = await call(
      'POST',
      '/v1/projects/{projectId}/invitations',
      {},
      { auth: await userToken('mallory'), body: { to: 'x', roomName: 'r', callType: 'audio_call' } },
    );
    expect(userCannotSend.status).toBe(401);

    const badType = await call('POST', '/v1/projects/{projectId}/invitations', {}, { body: { to: 'bob', roomName: 'r', callType: 'fax' } });
    expect(badType.status).toBe(400);
    expect(badType.body).toMatchObject({ code: 'invalid_request', message: expect.stringContaining('callType') });
    const unknownField = await call(
      'POST',
      '/v1/projects/{projectId}/invitations',
      {},
      { body: { to: 'bob', roomName: 'r', callType: 'audio_call', admin: true } },
    );
    expect(unknownField.status).toBe(400);
    const malformed = await call('POST', '/v1/projects/{projectId}/invitations', {}, { body: '{"to":' });
    expect(malformed.status).toBe(400);
    const polluted = await call(
      'POST',
      '/v1/projects/{projectId}/invitations',
      {},
      { body: '{"to":"bob","roomName":"r","callType":"audio_call","__proto__":{"x":1}}' },
    );
    expect(polluted.status).toBe(400);

    const missing = await call<ErrorBody>('GET', '/v1/projects/{projectId}/invitations/{invitationId}', { invitationId: 'nope' }, { query: { userId: 'bob' } });
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('not_found');
    const noUser = await call('GET', '/v1/projects/{projectId}/invitations/{invitationId}', { invitationId: 'nope' });
    expect(noUser.status).toBe(400);

    // A user token answers only for its own user: Mallory cannot accept Bob's invitation.
    const bobId = uniqueUser('bob');
    const sent = await call<InvitationBody>(
      'POST',
      '/v1/projects/{projectId}/invitations',
      {},
      { body: { to: bobId, roomName: 'private', callType: 'audio_call' } },
    );
    const hijack = await call(
      'POST',
      '/v1/projects/{projectId}/invitations/{invitationId}/accept',
      { invitationId: sent.body.invitationId },
      { auth: await userToken('mallory') },
    );
    expect(hijack.status).toBe(404);

    const unknownProject = await fetch(`${server.url}/v1/projects/nope/presence?userIds=a`, { headers: { authorization: `Bearer ${P.secret}` } });
    expect(unknownProject.status).toBe(401);
    expect((await fetch(`${server.url}/v1/projects/${P.projectId}/nothing-here`)).status).toBe(404);
  });
});

describe('presence and history', () => {
  it('reads presence for a list of users and a user’s call history', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const offline = uniqueUser('zed');
    const presence = await call<{ presence: PresenceInfo[] }>(
      'GET',
      '/v1/projects/{projectId}/presence',
      {},
      { query: { userIds: `${idOf(bob)},${offline}` } },
    );
    expect(presence.body.presence).toEqual([
      { userId: idOf(bob), status: 'online', lastSeen: expect.any(Number) },
      { userId: offline, status: 'offline', lastSeen: null },
    ]);
    const tooMany = await call('GET', '/v1/projects/{projectId}/presence', {}, { query: { userIds: '' } });
    expect(tooMany.status).toBe(400);

    const first = await alice.sendCallInvitation({ to: idOf(bob), roomName: 'h1', callType: 'audio_call' });
    await bob.acceptCallInvitation(first.invitationId);
    const second = await alice.sendCallInvitation({ to: idOf(bob), roomName: 'h2', callType: 'audio_call' });
    await alice.cancelCallInvitation(second.invitationId);

    const history = await call<HistoryPage>('GET', '/v1/projects/{projectId}/users/{userId}/history', { userId: idOf(bob) }, { query: { limit: '1' } });
    expect(history.body.entries).toHaveLength(1);
    // It rang on Bob's connected device before Alice gave up: a missed call, canceled.
    expect(history.body.entries[0]).toMatchObject({
      invitationId: second.invitationId,
      direction: 'incoming',
      outcome: 'missed',
      reason: 'canceled',
      missed: true,
    });
    expect(history.body.nextBefore).toEqual(expect.any(Number));
    const older = await call<HistoryPage>(
      'GET',
      '/v1/projects/{projectId}/users/{userId}/history',
      { userId: idOf(bob) },
      { query: { before: String(history.body.nextBefore) } },
    );
    // Accepted on Bob's phone: to a backend that is simply "accepted".
    expect(older.body.entries.map((entry) => [entry.invitationId, entry.outcome])).toEqual([[first.invitationId, 'accepted']]);
    const bad = await call('GET', '/v1/projects/{projectId}/users/{userId}/history', { userId: idOf(bob) }, { query: { limit: '1000' } });
    expect(bad.status).toBe(400);
  });
});

describe('webhook endpoints and VAPID keys', () => {
  it('manages webhook endpoints', async () => {
    const created = await call<{ id: string; secret: string }>(
      'POST',
      '/v1/projects/{projectId}/webhooks/endpoints',
      {},
      { body: { url: 'https://hooks.example/baxcloud', description: 'prod', events: ['invitation.created'] } },
    );
    expect(created.status).toBe(201);
    const id = created.body.id;
    expect(created.body).toMatchObject({ url: 'https://hooks.example/baxcloud', events: ['invitation.created'], enabled: true, source: 'api' });
    const list = await call<{ endpoints: Array<{ id: string; secret?: string }> }>('GET', '/v1/projects/{projectId}/webhooks/endpoints', {});
    expect(list.body.endpoints.map((endpoint) => endpoint.id)).toContain(id);
    expect(list.body.endpoints[0]!.secret).toBeUndefined();
    const secret = await call<{ secret: string }>('GET', '/v1/projects/{projectId}/webhooks/endpoints/{endpointId}/secret', { endpointId: id });
    expect(secret.body.secret).toBe(created.body.secret);
    const patched = await call(
      'PATCH',
      '/v1/projects/{projectId}/webhooks/endpoints/{endpointId}',
      { endpointId: id },
      { body: { events: null, enabled: false } },
    );
    expect(patched.body).toMatchObject({ events: null, enabled: false, disabledReason: 'manual' });
    const got = await call('GET', '/v1/projects/{projectId}/webhooks/endpoints/{endpointId}', { endpointId: id });
    expect(got.body).toEqual(patched.body);

    const insecure = await call('POST', '/v1/projects/{projectId}/webhooks/endpoints', {}, { body: { url: 'http://hooks.example/plain' } });
    expect(insecure.status).toBe(400);
    const badSecret = await call('POST', '/v1/projects/{projectId}/webhooks/endpoints', {}, { body: { url: 'https://hooks.example/x', secret: 'hunter2' } });
    expect(badSecret.status).toBe(400);

    expect((await call('GET', '/v1/projects/{projectId}/webhooks/attempts', {}, { query: { endpointId: id } })).body).toEqual({ attempts: [] });
    expect((await call('GET', '/v1/projects/{projectId}/webhooks/messages', {}, { query: { status: 'failed' } })).status).toBe(200);
    expect((await call('DELETE', '/v1/projects/{projectId}/webhooks/endpoints/{endpointId}', { endpointId: id })).status).toBe(204);
    expect((await call('GET', '/v1/projects/{projectId}/webhooks/endpoints/{endpointId}', { endpointId: id })).status).toBe(404);
    expect((await call('DELETE', '/v1/projects/{projectId}/webhooks/endpoints/{endpointId}', { endpointId: id })).status).toBe(404);
  });

  it('makes, rotates and imports VAPID keys; browsers read the public key and register subscriptions with a user token', async () => {
    const first = await call<VapidBody>('GET', '/v1/projects/{projectId}/push/vapid', {});
    expect(first.body.publicKey).toMatch(/^B[A-Za-z0-9_-]{86}$/);
    expect((await call<VapidBody>('GET', '/v1/projects/{projectId}/push/vapid', {})).body.publicKey).toBe(first.body.publicKey);
    const rotated = await call<VapidBody>('POST', '/v1/projects/{projectId}/push/vapid/rotate', {}, { body: { subject: 'mailto:ops@app.example' } });
    expect(rotated.body.publicKey).not.toBe(first.body.publicKey);
    expect(rotated.body.subject).toBe('mailto:ops@app.example');

    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = privateKey.export({ format: 'jwk' });
    const raw = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]).toString('base64url');
    const imported = await call(
      'PUT',
      '/v1/projects/{projectId}/push/vapid',
      {},
      { body: { publicKey: raw, privateKey: jwk.d, subject: 'https://app.example/contact' } },
    );
    expect(imported.body).toMatchObject({ publicKey: raw, subject: 'https://app.example/contact' });
    void publicKey;
    const mismatched = await call('PUT', '/v1/projects/{projectId}/push/vapid', {}, { body: { publicKey: first.body.publicKey, privateKey: jwk.d } });
    expect(mismatched.status).toBe(400);

    const bobId = uniqueUser('bob');
    const token = await userToken(bobId);
    const key = await call('GET', '/v1/projects/{projectId}/push/public-key', {}, { auth: token, headers: { origin: 'https://app.example' } });
    expect(key.body).toEqual({ publicKey: raw });
    expect(key.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect((await call('GET', '/v1/projects/{projectId}/push/public-key', {}, { auth: null })).status).toBe(401);
    // The project secret is not a user: browsers register for the user in their token.
    expect((await call('GET', '/v1/projects/{projectId}/push/public-key', {}, {})).status).toBe(401);

    const preflight = await fetch(`${server.url}/v1/projects/${P.projectId}/push/subscriptions`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    const foreign = await fetch(`${server.url}/v1/projects/${P.projectId}/push/subscriptions`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example' },
    });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();

    const subscription = { endpoint: 'https://fcm.googleapis.com/fcm/send/abc', expirationTime: null, keys: { p256dh: raw, auth: 'c2VjcmV0LWF1dGgtMTIzNA' } };
    const subscribed = await call('POST', '/v1/projects/{projectId}/push/subscriptions', {}, { auth: token, body: { subscription, deviceId: 'laptop-1' } });
    expect(subscribed.status).toBe(201);
    const listed = await call<{ subscriptions: unknown[] }>('GET', '/v1/projects/{projectId}/users/{userId}/push-subscriptions', { userId: bobId });
    expect(listed.body.subscriptions).toEqual([{ endpoint: subscription.endpoint, deviceId: 'laptop-1', createdAt: expect.any(Number), expirationTime: null }]);
    const removed = await call('DELETE', '/v1/projects/{projectId}/push/subscriptions', {}, { auth: token, query: { endpoint: subscription.endpoint } });
    expect(removed.body).toEqual({ removed: true });
    expect(
      (await call<{ subscriptions: unknown[] }>('GET', '/v1/projects/{projectId}/users/{userId}/push-subscriptions', { userId: bobId })).body.subscriptions,
    ).toEqual([]);
    const bad = await call(
      'POST',
      '/v1/projects/{projectId}/push/subscriptions',
      {},
      { auth: token, body: { subscription: { endpoint: 'ftp://x', keys: { p256dh: 'a', auth: 'b' } } } },
    );
    expect(bad.status).toBe(400);
  });
});
