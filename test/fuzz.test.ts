import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { clientFrameSchema, type ClientFrameType } from '../src/protocol/frames.js';
import { LIMITS } from '../src/protocol/limits.js';
import { callTypeSchema, declineReasonSchema, errorCodeSchema, webhookEventTypeSchema } from '../src/protocol/lists.js';
import { createUserToken } from '../src/server/tokens.js';
import { frameText, openSocket, socketUrl } from './support/raw.js';
import { startServer, type RunningServer, type TestProject } from './support/server.js';

/**
 * Property-based fuzzing against the real server: random and mutated socket frames of every client frame type,
 * and random and mutated requests to every REST route. Nothing may crash or answer 5xx; every refusal is a typed
 * `{ code, message }` with a documented code (never `internal`); the socket stays up and answers afterwards.
 *
 * The run counts keep the file well under a minute on two shared cores: 3,000 frames take about 5 s, 1,000
 * requests about 10-15 s, plus the server's start. A failure prints fast-check's seed and path; pass them to
 * fc.assert (`{ seed, path }`) to replay it.
 */

const SOCKET_RUNS = 3000;
const REST_RUNS = 1000;
/** Documented error codes a refusal may carry; `internal` would be a server fault. */
const REFUSALS = errorCodeSchema.options.filter((code) => code !== 'internal');

/** Invitations per minute high enough that valid invitations keep reaching the inboxes instead of the limit. */
const FUZZ: TestProject = { projectId: 'fuzz', apiKey: 'fuzz-key', secret: 'fuzz-secret', invitesPerMinute: 1_000_000 };

let server: RunningServer;
let socket: WebSocket;
let userToken: string;
let vapid: { publicKey: string; privateKey: string };

beforeAll(async () => {
  // The REST and frame rates and the pending-invitation cap would turn most of the run into refusals, hiding what is behind them.
  server = await startServer({
    projects: [FUZZ],
    vars: { REST_RATE_PER_SECOND: '100000', REST_RATE_BURST: '100000', FRAMES_PER_SECOND: '100000', FRAME_BURST: '100000', MAX_PENDING_INVITATIONS: '100000' },
  });
  const userId = 'fuzz-socket';
  const { token } = await createUserToken({ projectId: FUZZ.projectId, secret: FUZZ.secret, userId });
  socketTokens.own = token;
  socketTokens.other = (await createUserToken({ projectId: FUZZ.projectId, secret: FUZZ.secret, userId: 'fuzz-other' })).token;
  socket = openSocket(socketUrl(server.host, { projectId: FUZZ.projectId, apiKey: FUZZ.apiKey, userId, token }));
  socket.on('message', (data) => {
    const frame = JSON.parse(frameText(data)) as Answer;
    if (frame.type === 'result' || frame.type === 'error') answers.shift()?.(frame);
  });
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  userToken = (await createUserToken({ projectId: FUZZ.projectId, secret: FUZZ.secret, userId: 'fuzz-browser' })).token;
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = privateKey.export({ format: 'jwk' });
  vapid = {
    publicKey: Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]).toString('base64url'),
    privateKey: jwk.d!,
  };
});
afterAll(async () => {
  socket?.close();
  await server?.stop();
});

// ---- building blocks ------------------------------------------------------------------------------------

type Json = Record<string, unknown>;

/** Stands for a nested value spliced into the JSON text, deeper than JSON.stringify would go. */
const DEEP = '\u0001deep\u0001';
/** Replaced by a fresh request id at send time, so retries of earlier frames do not mask new ones. */
const RID = '\u0001rid\u0001';
/** Replaced by a token of the socket's own user, and of another user, at send time (tokens are minted async). */
const OWN_TOKEN = '\u0001own-token\u0001';
const OTHER_TOKEN = '\u0001other-token\u0001';
const socketTokens = { own: '', other: '' };

const specialStrings = fc.constantFrom(
  '',
  ' ',
  '__proto__',
  'constructor',
  'prototype',
  'system',
  'javascript:alert(1)',
  'data:text/html,x',
  '\u202E\u2066\u0000\u0085',
  '%E0%A4%A',
  '\uD800',
  '\uDFFF\uD800',
  'ftp://x',
  'https://',
  'x'.repeat(LIMITS.maxMessageLength + 1),
  '1e999',
  'null',
  '{}',
);
const loneSurrogates = fc.string({ unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code)), maxLength: 4 });
const weirdString = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }), loneSurrogates, specialStrings);
const weirdValue: fc.Arbitrary<unknown> = fc.oneof(
  weirdString,
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(null, true, false, 0, -1, 0.5, 1e308, -1e308, 2 ** 53 + 1, -0, [], {}),
  fc.integer(),
  fc.array(weirdString, { maxLength: 25 }),
);

/** Mostly nothing (the valid default), now and then a value from `arbitrary`. */
const sometimes = <T>(arbitrary: fc.Arbitrary<T>, odds = 4) => fc.oneof({ weight: odds, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary });

const keyAt = (value: Json, index: number) => {
  const keys = Object.keys(value);
  return keys.length ? keys[index % keys.length]! : 'x';
};

function render(value: unknown, depth = 0): string {
  const text = JSON.stringify(value);
  return depth ? text.replace(JSON.stringify(DEEP), '['.repeat(depth) + ']'.repeat(depth)) : text;
}

/** Ways to break a valid JSON object: drop, retype, add, oversize, nest, truncate, inject prototype keys. */
function mutations(base: fc.Arbitrary<Json>): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: base.map((value) => render(value)) },
    base.chain((value) => fc.nat().map((index) => render(Object.fromEntries(Object.entries(value).filter(([key]) => key !== keyAt(value, index)))))),
    {
      weight: 3,
      arbitrary: fc.tuple(base, fc.nat(), weirdValue).map(([value, index, replacement]) => render({ ...value, [keyAt(value, index)]: replacement })),
    },
    fc.tuple(base, weirdString, weirdValue).map(([value, key, extra]) => render({ ...value, [key]: extra })),
    fc
      .tuple(base, fc.nat(), fc.integer({ min: 100, max: 20_000 }))
      .map(([value, index, length]) => render({ ...value, [keyAt(value, index)]: 'x'.repeat(length) })),
    fc.tuple(base, fc.nat(), fc.integer({ min: 1, max: 8_000 })).map(([value, index, depth]) => render({ ...value, [keyAt(value, index)]: DEEP }, depth)),
    fc.tuple(base, fc.nat()).map(([value, cut]) => {
      const text = render(value);
      return text.slice(0, cut % text.length);
    }),
    fc
      .tuple(base, fc.constantFrom('"__proto__":{"admin":true}', '"constructor":{"prototype":{}}', '"\\u005f_proto__":1', '"prototype":[]'))
      .map(([value, injected]) => `{${injected},${render(value).slice(1)}`),
  );
}

/** Anything at all: text that is not JSON, JSON that is not an object. */
const garbage = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.jsonValue({ maxDepth: 4 }).map((value) => render(value)),
);

function expectTypedRefusal(body: unknown, context: string): void {
  const error = body as { code?: unknown; message?: unknown };
  if (!REFUSALS.includes(error?.code as never) || typeof error.message !== 'string') {
    throw new Error(`untyped or undocumented error ${JSON.stringify(body)} for ${context}`);
  }
}

const summary = (payload: string | Buffer) => (typeof payload === 'string' ? JSON.stringify(payload.slice(0, 300)) : `<${payload.length} binary bytes>`);

// ---- socket frames --------------------------------------------------------------------------------------

const someone = fc.constantFrom('fuzz-a', 'fuzz-b', 'fuzz-c');
const frame = (type: ClientFrameType, fields: fc.Arbitrary<Json> = fc.constant({})) => fields.map((values) => ({ type, requestId: RID, ...values }));

/** A valid frame of every client frame type, with its optional fields present or not. */
const validFrames: Record<ClientFrameType, fc.Arbitrary<Json>> = {
  invite: frame(
    'invite',
    fc.record(
      {
        to: fc.oneof(someone, fc.uniqueArray(someone, { minLength: 1, maxLength: 3 })),
        roomName: fc.string({ minLength: 1, maxLength: 30 }),
        callType: fc.constantFrom(...callTypeSchema.options),
        message: fc.string({ maxLength: 60 }),
        roomUrl: fc.constant('https://meet.example/room'),
        timeoutSeconds: fc.integer({ min: LIMITS.minTimeoutSeconds, max: LIMITS.maxTimeoutSeconds }),
        metadata: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
      },
      { requiredKeys: ['to', 'roomName', 'callType'] },
    ),
  ),
  accept: frame('accept', fc.record({ invitationId: fc.string({ minLength: 1, maxLength: 64 }) })),
  decline: frame(
    'decline',
    fc.record(
      {
        invitationId: fc.string({ minLength: 1, maxLength: 64 }),
        reason: fc.constantFrom(...declineReasonSchema.options),
        message: fc.string({ maxLength: 60 }),
      },
      { requiredKeys: ['invitationId'] },
    ),
  ),
  cancel: frame(
    'cancel',
    fc.record(
      { invitationId: fc.string({ minLength: 1, maxLength: 64 }), userIds: fc.uniqueArray(someone, { minLength: 1 }) },
      { requiredKeys: ['invitationId'] },
    ),
  ),
  'presence.set': frame('presence.set', fc.record({ status: fc.constantFrom('online', 'busy') })),
  'presence.get': frame('presence.get', fc.record({ userIds: fc.uniqueArray(someone, { minLength: 1 }) })),
  'presence.subscribe': frame('presence.subscribe', fc.record({ userIds: fc.uniqueArray(someone) })),
  'history.list': frame(
    'history.list',
    fc.record({ limit: fc.integer({ min: 1, max: LIMITS.maxHistoryPage }), before: fc.integer({ min: 1 }) }, { requiredKeys: [] }),
  ),
  'history.markSeen': frame('history.markSeen'),
  ping: frame('ping'),
  // Never a valid token shorter-lived than the run: the socket must stay open throughout.
  'auth.refresh': frame('auth.refresh', fc.record({ token: fc.oneof(fc.constantFrom(OWN_TOKEN, OTHER_TOKEN), fc.string({ minLength: 1, maxLength: 60 })) })),
  'room.join': frame(
    'room.join',
    fc.record(
      {
        roomName: fc.string({ minLength: 1, maxLength: 30 }),
        liveType: fc.constantFrom(...callTypeSchema.options),
        participant: fc.record(
          { name: fc.string({ maxLength: 20 }), avatarUrl: fc.constant('https://img.example/a.png'), isHost: fc.boolean() },
          { requiredKeys: [] },
        ),
      },
      { requiredKeys: ['roomName'] },
    ),
  ),
  'room.leave': frame('room.leave', fc.record({ roomName: fc.string({ minLength: 1, maxLength: 30 }) })),
  'room.signal': frame(
    'room.signal',
    fc.record(
      {
        roomName: fc.string({ minLength: 1, maxLength: 30 }),
        to: fc.string({ minLength: 1, maxLength: 40 }),
        description: fc.record({ type: fc.constantFrom('offer', 'answer'), sdp: fc.string({ maxLength: 200 }) }),
        candidate: fc.option(fc.record({ candidate: fc.string({ maxLength: 100 }), sdpMid: fc.constantFrom('0', '1'), sdpMLineIndex: fc.nat(3) })),
      },
      { requiredKeys: ['roomName', 'to'] },
    ),
  ),
  'room.media': frame(
    'room.media',
    fc.record({ roomName: fc.string({ minLength: 1, maxLength: 30 }), camera: fc.boolean(), microphone: fc.boolean(), screen: fc.boolean() }),
  ),
};

const socketPayload: fc.Arbitrary<string | Buffer> = fc.oneof(
  { weight: 12, arbitrary: mutations(fc.oneof(...Object.values(validFrames))) },
  { weight: 2, arbitrary: garbage },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 256 }).map((bytes) => Buffer.from(bytes)) },
);

type Answer = { type: 'result'; result: unknown } | { type: 'error'; code: string; message: string };
/** Whoever waits for the next answer; events the server pushes meanwhile are of no interest. */
const answers: Array<(answer: Answer) => void> = [];
let sent = 0;

/** Sends one payload and resolves with the server's answer to it (frames go one at a time, so the next answer is its). */
function exchange(payload: string | Buffer): Promise<Answer> {
  const requestId = `fz-${++sent}`;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within 10 s to ${summary(payload)}`)), 10_000);
    answers.push((answer) => {
      clearTimeout(timer);
      resolve(answer);
    });
    const text = (frame: string) =>
      frame
        .replaceAll(JSON.stringify(RID), JSON.stringify(requestId))
        .replaceAll(JSON.stringify(OWN_TOKEN), JSON.stringify(socketTokens.own))
        .replaceAll(JSON.stringify(OTHER_TOKEN), JSON.stringify(socketTokens.other));
    socket.send(typeof payload === 'string' ? text(payload) : payload);
  });
}

describe('fuzzing the socket', () => {
  it('covers every client frame type', () => {
    const types = clientFrameSchema.def.options.map((option) => option.shape.type.def.values[0]);
    expect(Object.keys(validFrames).sort()).toEqual([...types].sort());
  });

  it(`answers ${SOCKET_RUNS} random and mutated frames with a result or a typed error, and keeps the connection`, async () => {
    await fc.assert(
      fc.asyncProperty(socketPayload, async (payload) => {
        const answer = await exchange(payload);
        if (answer.type === 'error') expectTypedRefusal(answer, summary(payload));
        if (socket.readyState !== WebSocket.OPEN) throw new Error(`the socket closed after ${summary(payload)}`);
      }),
      {
        numRuns: SOCKET_RUNS,
        // Always among them: metadata and invitees nested nearly as deep as a frame allows.
        examples: [
          [render({ type: 'invite', requestId: RID, to: 'fuzz-a', roomName: 'deep', callType: 'video_call', metadata: { deep: DEEP } }, 8_000)],
          [render({ type: 'invite', requestId: RID, to: DEEP, roomName: 'deep', callType: 'video_call' }, 8_000)],
          [render({ type: 'presence.get', requestId: RID, userIds: [DEEP] }, 8_000)],
        ],
      },
    );
    expect(await exchange(render({ type: 'ping', requestId: RID }))).toMatchObject({ type: 'result' });
    expect(await exchange(render({ type: 'invite', requestId: RID, to: 'fuzz-after', roomName: 'after', callType: 'video_call' }))).toMatchObject({
      type: 'result',
    });
  }, 120_000);
});

// ---- REST -----------------------------------------------------------------------------------------------

type Auth = 'secret' | 'user' | 'none';

interface RouteBase {
  auth: Auth;
  query?: Record<string, string>;
  body?: Json;
}

/** A valid request to every REST route, by method and documented path. */
const ROUTES: Record<string, () => RouteBase> = {
  'GET /v1/health': () => ({ auth: 'none' }),
  'GET /v1/openapi.json': () => ({ auth: 'none' }),
  'POST /demo/token': () => ({ auth: 'none', body: { userId: 'fuzz-demo', name: 'Demo', avatarUrl: 'https://img.example/a.png' } }),
  'POST /v1/projects/{projectId}/tokens': () => ({
    auth: 'secret',
    body: { userId: 'fuzz-u', name: 'Fuzz', ttlSeconds: 60, rooms: { 'fuzz-room': 'viewer', stage: 'host' } },
  }),
  'GET /v1/projects/{projectId}/session': () => ({ auth: 'user', query: { apiKey: FUZZ.apiKey } }),
  'POST /v1/projects/{projectId}/invitations': () => ({
    auth: 'secret',
    body: { from: 'fuzz-app', fromUser: { name: 'App' }, to: 'fuzz-b', roomName: 'room', callType: 'audio_call', message: 'hi', timeoutSeconds: 30 },
  }),
  'GET /v1/projects/{projectId}/invitations/{invitationId}': () => ({ auth: 'secret', query: { userId: 'fuzz-b' } }),
  'POST /v1/projects/{projectId}/invitations/{invitationId}/cancel': () => ({ auth: 'secret', body: { from: 'fuzz-app', userIds: ['fuzz-b'] } }),
  'POST /v1/projects/{projectId}/invitations/{invitationId}/accept': () => ({ auth: 'secret', body: { userId: 'fuzz-b', deviceId: 'fuzz-device' } }),
  'POST /v1/projects/{projectId}/invitations/{invitationId}/decline': () => ({ auth: 'secret', body: { userId: 'fuzz-b', reason: 'busy', message: 'later' } }),
  'GET /v1/projects/{projectId}/presence': () => ({ auth: 'secret', query: { userIds: 'fuzz-a,fuzz-b' } }),
  'GET /v1/projects/{projectId}/users/{userId}/history': () => ({ auth: 'secret', query: { limit: '5' } }),
  'GET /v1/projects/{projectId}/users/{userId}/push-subscriptions': () => ({ auth: 'secret' }),
  'GET /v1/projects/{projectId}/users/{userId}/dead-letters': () => ({ auth: 'secret', query: { limit: '5' } }),
  'GET /v1/projects/{projectId}/users/{userId}/contacts': () => ({ auth: 'secret' }),
  'PUT /v1/projects/{projectId}/users/{userId}/contacts': () => ({ auth: 'secret', body: { contacts: ['fuzz-a', 'fuzz-app'] } }),
  'GET /v1/projects/{projectId}/webhooks/endpoints': () => ({ auth: 'secret' }),
  // Receivers on the discard port: deliveries fail at once instead of reaching out.
  'POST /v1/projects/{projectId}/webhooks/endpoints': () => ({
    auth: 'secret',
    body: { url: 'http://127.0.0.1:9/hook', description: 'fuzz', events: [webhookEventTypeSchema.options[0]], enabled: false },
  }),
  'GET /v1/projects/{projectId}/webhooks/endpoints/{endpointId}': () => ({ auth: 'secret' }),
  'PATCH /v1/projects/{projectId}/webhooks/endpoints/{endpointId}': () => ({ auth: 'secret', body: { enabled: false, description: null, events: null } }),
  'DELETE /v1/projects/{projectId}/webhooks/endpoints/{endpointId}': () => ({ auth: 'secret' }),
  'GET /v1/projects/{projectId}/webhooks/endpoints/{endpointId}/secret': () => ({ auth: 'secret' }),
  'GET /v1/projects/{projectId}/webhooks/attempts': () => ({ auth: 'secret', query: { limit: '5' } }),
  'GET /v1/projects/{projectId}/webhooks/messages': () => ({ auth: 'secret', query: { status: 'pending', limit: '5' } }),
  'GET /v1/projects/{projectId}/push/vapid': () => ({ auth: 'secret' }),
  'PUT /v1/projects/{projectId}/push/vapid': () => ({ auth: 'secret', body: { ...vapid, subject: 'mailto:ops@example.com' } }),
  'POST /v1/projects/{projectId}/push/vapid/rotate': () => ({ auth: 'secret', body: { subject: 'https://example.com/contact' } }),
  'GET /v1/projects/{projectId}/push/public-key': () => ({ auth: 'user' }),
  'POST /v1/projects/{projectId}/push/subscriptions': () => ({
    auth: 'user',
    body: {
      subscription: { endpoint: 'http://127.0.0.1:9/push', expirationTime: null, keys: { p256dh: vapid.publicKey, auth: 'c2VjcmV0LWF1dGgtMTIzNA' } },
      deviceId: 'fuzz-device',
    },
  }),
  'DELETE /v1/projects/{projectId}/push/subscriptions': () => ({ auth: 'user', query: { endpoint: 'http://127.0.0.1:9/push' } }),
};

const PARAMS: Record<string, string> = { projectId: FUZZ.projectId, invitationId: 'fuzz-invitation', userId: 'fuzz-b', endpointId: 'fuzz-endpoint' };

const pathSegment = fc.oneof(
  fc.string({ maxLength: 30 }).map(encodeURIComponent),
  fc.string({ unit: 'binary', maxLength: 20 }).map(encodeURIComponent),
  fc.stringMatching(/^[A-Za-z0-9%:@+._~-]{0,40}$/),
  fc.constantFrom('%E0%A4%A', '%', '%zz', '%00', '%2F', '%F0%9F', 'x'.repeat(1500), 'system', '__proto__', 'constructor', 'demo', 'f%75zz'),
);
const queryKey = fc.constantFrom('userId', 'userIds', 'limit', 'before', 'endpointId', 'eventId', 'status', 'endpoint', 'apiKey', 'token', 'x');
const queryValue = fc.oneof(weirdString, fc.integer().map(String), fc.constantFrom('-1', '0', '1.5', '1e999', 'NaN', '', ',,,', 'fuzz-a,%zz'));

interface RestCase {
  route: string;
  method?: string;
  params: Record<string, string | undefined>;
  query: Record<string, string> | undefined;
  auth?: Auth | 'wrong';
  body: string | Buffer | undefined;
  contentType?: string;
}

const restCase: fc.Arbitrary<RestCase> = fc.constantFrom(...Object.keys(ROUTES)).chain((route) => {
  const base = ROUTES[route]!;
  return fc.record({
    route: fc.constant(route),
    method: sometimes(fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE'), 8),
    params: fc.record({
      projectId: sometimes(pathSegment, 6),
      invitationId: sometimes(pathSegment),
      userId: sometimes(pathSegment),
      endpointId: sometimes(pathSegment),
    }),
    query: sometimes(fc.dictionary(queryKey, queryValue, { maxKeys: 3 }), 3),
    auth: sometimes(fc.constantFrom<Auth | 'wrong'>('secret', 'user', 'none', 'wrong'), 5),
    body: fc.oneof(
      { weight: 8, arbitrary: mutations(fc.constant(base().body ?? {})) },
      { weight: 1, arbitrary: garbage },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 512 }).map((bytes) => Buffer.from(bytes)) },
      { weight: 1, arbitrary: fc.constantFrom(undefined, '', `{"pad":"${'p'.repeat(70 * 1024)}"}`) },
    ),
    contentType: fc.constantFrom('application/json', 'text/plain', 'application/octet-stream', undefined),
  });
});

function credential(auth: Auth | 'wrong'): string | undefined {
  if (auth === 'secret') return FUZZ.secret;
  if (auth === 'user') return userToken;
  if (auth === 'wrong') return 'not-a-secret';
  return undefined;
}

async function send(testCase: RestCase): Promise<{ status: number; text: string }> {
  const [routeMethod, template] = testCase.route.split(' ') as [string, string];
  const base = ROUTES[testCase.route]!();
  const method = testCase.method ?? routeMethod;
  const path = template.replace(/\{(\w+)\}/g, (_, name: string) => testCase.params[name] ?? PARAMS[name]!);
  const url = new URL(path, server.url);
  for (const [name, value] of Object.entries(testCase.query ?? base.query ?? {})) url.searchParams.set(name, value);
  const secret = credential(testCase.auth ?? base.auth);
  const headers: Record<string, string> = {
    ...(secret ? { authorization: `Bearer ${secret}` } : {}),
    ...(testCase.contentType ? { 'content-type': testCase.contentType } : {}),
  };
  const body = method === 'GET' || testCase.body === undefined ? undefined : typeof testCase.body === 'string' ? testCase.body : new Uint8Array(testCase.body);
  const response = await fetch(url, { method, headers, ...(body === undefined ? {} : { body }) });
  return { status: response.status, text: await response.text() };
}

describe('fuzzing the REST API', () => {
  it('covers every documented route', async () => {
    const document = (await (await fetch(`${server.url}/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const methods = ['get', 'put', 'post', 'delete', 'patch'];
    const documented = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((key) => methods.includes(key))
        .map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(Object.keys(ROUTES)).toEqual(expect.arrayContaining(documented));
  });

  it(`answers ${REST_RUNS} random and mutated requests without a 5xx, refusing with typed errors`, async () => {
    await fc.assert(
      fc.asyncProperty(restCase, async (testCase) => {
        const { status, text } = await send(testCase);
        const context = `${testCase.method ?? ''} ${testCase.route} ${JSON.stringify({ ...testCase, body: testCase.body && summary(testCase.body) })} → ${status} ${text.slice(0, 300)}`;
        if (status >= 500) throw new Error(`server fault: ${context}`);
        if (status >= 400) {
          let body: unknown;
          try {
            body = JSON.parse(text);
          } catch {
            throw new Error(`a refusal that is not JSON: ${context}`);
          }
          expectTypedRefusal(body, context);
        }
      }),
      { numRuns: REST_RUNS },
    );
    const minted = await send({
      route: 'POST /v1/projects/{projectId}/tokens',
      params: {},
      query: undefined,
      body: JSON.stringify({ userId: 'fuzz-after' }),
      contentType: 'application/json',
    });
    expect(minted.status).toBe(200);
    const history = await send({ route: 'GET /v1/projects/{projectId}/users/{userId}/history', params: {}, query: undefined, body: undefined });
    expect(history.status).toBe(200);
  }, 120_000);
});
