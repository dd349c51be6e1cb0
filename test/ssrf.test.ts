import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BaxCloudClient } from '../src/client/client.js';
import { createUserToken } from '../src/server/tokens.js';
import { connectClient, uniqueUser } from './support/clients.js';
import { PUSH_SERVICE_HOST, PushService, browserSubscription } from './support/push-service.js';
import { startServer, type RunningServer, type TestProject } from './support/server.js';
import { WebhookReceiver } from './support/webhook-receiver.js';

/**
 * The server posts to URLs that others choose: webhook endpoints (project backends) and push subscriptions
 * (any signed-in user). Run as deployed (LOCAL_DEVELOPMENT off), it must not be made to reach into its own
 * network. The state of an earlier run in local development carries over, as an upgrade or a change of the
 * variable would leave it.
 */

// src/server compiles against the Workers types, which this Node project lacks: a path in a variable keeps tsc
// from following the import, and vitest runs the module as it is.
const targetUrlModule = '../src/server/target-url.js';
const { targetUrlProblem } = (await import(targetUrlModule)) as { targetUrlProblem: (url: string, policy: { localDevelopment: boolean }) => string | null };

type Project = TestProject & { pushServices?: string[]; webhooks?: Array<{ url: string; secret: string }> };
const project = (projectId: string, extra: Partial<Project> = {}): Project => ({
  projectId,
  apiKey: `${projectId}-key`,
  secret: `${projectId}-secret`,
  allowedOrigins: ['*'],
  ...extra,
});
const CONFIG_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

const ENDPOINTS = project('ssrf-endpoints');
const CAPPED = project('ssrf-cap');
const PUSH = project('ssrf-push');
const LOOPBACK_PUSH = project('ssrf-push-loopback', { pushServices: [PUSH_SERVICE_HOST] });
/** Set up while the server ran in local development, then run as deployed. */
const EARLIER = project('ssrf-earlier', { pushServices: [PUSH_SERVICE_HOST] });
let CONFIGURED: Project;

const stateDir = mkdtempSync(join(tmpdir(), 'bax-ssrf-'));
let server: RunningServer;
let receiver: WebhookReceiver;
let pushService: PushService;
const clients: BaxCloudClient[] = [];

// What the tests read of the answers.
interface ErrorBody {
  code: string;
  message: string;
}
interface EndpointList {
  endpoints: Array<{ id: string; url: string; source: string; enabled: boolean; disabledReason: string | null }>;
}

async function api<Body = unknown>(
  p: Project,
  method: string,
  path: string,
  body?: unknown,
  auth = p.secret,
  base = server.url,
): Promise<{ status: number; body: Body }> {
  const response = await fetch(`${base}/v1/projects/${p.projectId}${path}`, {
    method,
    headers: { authorization: `Bearer ${auth}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as Body };
}

async function userToken(p: Project, userId: string): Promise<string> {
  return (await createUserToken({ projectId: p.projectId, secret: p.secret, userId })).token;
}

const bobId = uniqueUser('bob');

beforeAll(async () => {
  receiver = await WebhookReceiver.start();
  pushService = await PushService.start();
  CONFIGURED = project('ssrf-config', {
    webhooks: [
      { url: receiver.url, secret: CONFIG_SECRET },
      { url: 'https://hooks.example.com/configured', secret: CONFIG_SECRET },
    ],
  });
  const projects = [ENDPOINTS, CAPPED, PUSH, LOOPBACK_PUSH, EARLIER, CONFIGURED];

  // In local development a loopback endpoint and push subscription are fine.
  const local = await startServer({ stateDir, projects });
  try {
    const endpoint = await api<{ secret: string }>(EARLIER, 'POST', '/webhooks/endpoints', { url: receiver.url }, EARLIER.secret, local.url);
    expect(endpoint.status).toBe(201);
    receiver.secret = endpoint.body.secret;
    const subscription = browserSubscription(pushService, `earlier-${bobId}`);
    const subscribed = await api(EARLIER, 'POST', '/push/subscriptions', { subscription: subscription.json }, await userToken(EARLIER, bobId), local.url);
    expect(subscribed.status).toBe(201);
  } finally {
    await local.stop();
  }
  server = await startServer({ stateDir, projects, vars: { LOCAL_DEVELOPMENT: 'off' } });
}, 180_000);

afterAll(async () => {
  for (const client of clients) client.disconnect();
  await server?.stop();
  await receiver?.down();
  await pushService?.stop();
  rmSync(stateDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
});

describe('webhook endpoints', () => {
  it('refuses URLs into the server’s network, IP addresses in any spelling and plain http, naming why', async () => {
    const refused: Array<[string, string]> = [
      ['https://169.254.169.254/latest/meta-data/', '169.254.169.254 is a link-local address'],
      ['https://[::ffff:169.254.169.254]/', 'is a link-local address'],
      ['https://10.0.0.1/', '10.0.0.1 is a private address'],
      ['https://192.168.1.20:8443/hooks', '192.168.1.20 is a private address'],
      ['https://[fd00::1]/', '[fd00::1] is a unique-local address'],
      ['https://100.64.0.1/', '100.64.0.1 is a shared (CGNAT) address'],
      ['https://2130706433/', '127.0.0.1 is a loopback address (allowed only in local development)'],
      ['https://0x7f.1/', '127.0.0.1 is a loopback address'],
      ['https://127.1/', '127.0.0.1 is a loopback address'],
      ['https://[::1]/', '[::1] is a loopback address'],
      ['https://93.184.216.34/hooks', 'must name a host, not the IP address 93.184.216.34'],
      ['https://localhost/hooks', 'localhost is a loopback name'],
      ['https://api.localhost/hooks', 'api.localhost is a loopback name'],
      ['https://metadata.google.internal/computeMetadata/v1/', 'metadata.google.internal is an internal name'],
      ['https://metadata/', 'metadata is not a public host name'],
      [receiver.url, '127.0.0.1 is a loopback address (allowed only in local development)'],
      ['http://hooks.example.com/plain', 'must be https'],
    ];
    for (const [url, reason] of refused) {
      const created = await api<ErrorBody>(ENDPOINTS, 'POST', '/webhooks/endpoints', { url });
      expect(created.status, url).toBe(400);
      expect(created.body.code, url).toBe('invalid_request');
      expect(created.body.message, url).toMatch(new RegExp(`^url: .*${reason.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    }

    const accepted = await api<{ id: string }>(ENDPOINTS, 'POST', '/webhooks/endpoints', { url: 'https://hooks.example.com/baxcloud', enabled: false });
    expect(accepted.status).toBe(201);
    const moved = await api(ENDPOINTS, 'PATCH', `/webhooks/endpoints/${accepted.body.id}`, { url: 'https://169.254.169.254/' });
    expect(moved).toMatchObject({ status: 400, body: { code: 'invalid_request', message: 'url: 169.254.169.254 is a link-local address' } });
    expect((await api<{ url: string }>(ENDPOINTS, 'GET', `/webhooks/endpoints/${accepted.body.id}`)).body.url).toBe('https://hooks.example.com/baxcloud');
  });

  it('leaves configured endpoints out that break the rules', async () => {
    const { endpoints } = (await api<EndpointList>(CONFIGURED, 'GET', '/webhooks/endpoints')).body;
    expect(endpoints.map((endpoint) => [endpoint.url, endpoint.source])).toEqual([['https://hooks.example.com/configured', 'config']]);
    await expect.poll(() => server.logs()).toContain(`webhook ${receiver.url} is left out: 127.0.0.1 is a loopback address`);
  });

  it('takes at most 20 endpoints per project through the API', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const created = await api<{ id: string }>(CAPPED, 'POST', '/webhooks/endpoints', { url: `https://hooks.example.com/${i}`, enabled: false });
      expect(created.status).toBe(201);
      ids.push(created.body.id);
    }
    const over = await api(CAPPED, 'POST', '/webhooks/endpoints', { url: 'https://hooks.example.com/20', enabled: false });
    expect(over).toMatchObject({ status: 400, body: { code: 'invalid_request', message: expect.stringContaining('at most 20 webhook endpoints') } });
    expect((await api<EndpointList>(CAPPED, 'GET', '/webhooks/endpoints')).body.endpoints).toHaveLength(20);

    expect((await api(CAPPED, 'DELETE', `/webhooks/endpoints/${ids[0]}`)).status).toBe(204);
    expect((await api(CAPPED, 'POST', '/webhooks/endpoints', { url: 'https://hooks.example.com/20', enabled: false })).status).toBe(201);
  });
});

describe('push subscriptions', () => {
  it('accepts only the browsers’ push services, or those the project lists, and never a loopback one as deployed', async () => {
    const token = await userToken(PUSH, uniqueUser('carol'));
    const keys = browserSubscription(pushService, 'unused').json.keys;
    const subscribe = (p: Project, endpoint: string, auth: string) =>
      api<ErrorBody>(p, 'POST', '/push/subscriptions', { subscription: { endpoint, keys } }, auth);

    for (const endpoint of [
      'https://fcm.googleapis.com/fcm/send/abc:def',
      'https://updates.push.services.mozilla.com/wpush/v2/gAAA',
      'https://web.push.apple.com/QGx',
      'https://wns2-db5p.notify.windows.com/w/?token=x',
    ]) {
      expect((await subscribe(PUSH, endpoint, token)).status, endpoint).toBe(201);
    }
    expect(await subscribe(PUSH, 'https://evil.example/push/1', token)).toMatchObject({
      status: 400,
      body: { code: 'invalid_request', message: 'subscription.endpoint: evil.example is not a push service this project accepts' },
    });
    expect((await subscribe(PUSH, 'https://push.apple.com.evil.example/x', token)).status).toBe(400);
    expect((await subscribe(PUSH, 'https://169.254.169.254/x', token)).body.message).toBe('subscription.endpoint: 169.254.169.254 is a link-local address');

    // The project lists the local stand-in, but a deployed server does not send to loopback.
    const listed = await subscribe(LOOPBACK_PUSH, `${pushService.origin}/push/x`, await userToken(LOOPBACK_PUSH, uniqueUser('dave')));
    expect(listed).toMatchObject({
      status: 400,
      body: { code: 'invalid_request', message: 'subscription.endpoint: 127.0.0.1 is a loopback address (allowed only in local development)' },
    });
  });
});

describe('what an earlier run in local development left behind', () => {
  it('is not sent to: the loopback endpoint is disabled and the loopback push skipped', async () => {
    const alice = await connectClient(server.host, { userId: uniqueUser('alice'), project: EARLIER });
    clients.push(alice);
    await alice.sendCallInvitation({ to: bobId, roomName: 'earlier', callType: 'audio_call' });

    const endpoints = async () =>
      (await api<EndpointList>(EARLIER, 'GET', '/webhooks/endpoints')).body.endpoints.map((endpoint) => [endpoint.enabled, endpoint.disabledReason]);
    await expect.poll(endpoints).toEqual([[false, 'url not allowed']]);
    const attempts = (await api<{ attempts: Array<{ status: number | null; error: string | null }> }>(EARLIER, 'GET', '/webhooks/attempts')).body.attempts;
    expect(attempts.map((attempt) => [attempt.status, attempt.error])).toEqual([[null, 'url not allowed']]);
    await expect.poll(() => server.logs()).toContain(`push to a subscription of ${bobId} skipped: 127.0.0.1 is a loopback address`);

    expect(receiver.received).toEqual([]);
    expect(pushService.requests).toEqual([]);
  });
});

describe('the rules', () => {
  it('allow http and loopback in local development only, and never private, link-local or internal hosts', () => {
    const local = { localDevelopment: true };
    const deployed = { localDevelopment: false };
    for (const url of ['http://127.0.0.1:8787/hooks', 'http://localhost:3000/', 'https://[::1]/', 'http://app.localhost/', 'https://127.1/']) {
      expect(targetUrlProblem(url, local), url).toBeNull();
      expect(targetUrlProblem(url, deployed), url).not.toBeNull();
    }
    for (const url of [
      'https://10.1.2.3/',
      'https://172.31.0.1/',
      'https://[fe80::1]/',
      'https://[fc00::5]/',
      'https://0.0.0.0/',
      'https://[::]/',
      'https://[64:ff9b::a9fe:a9fe]/',
      'https://printer.local/',
      'https://router.home.arpa/',
      'https://db.ec2.internal/',
      'http://hooks.example.com/',
      'https://user:secret@hooks.example.com/',
      'ftp://hooks.example.com/',
    ]) {
      expect(targetUrlProblem(url, local), url).not.toBeNull();
      expect(targetUrlProblem(url, deployed), url).not.toBeNull();
    }
    expect(targetUrlProblem('https://hooks.example.com/baxcloud', deployed)).toBeNull();
    expect(targetUrlProblem('https://HOOKS.example.com./x', deployed)).toBeNull();
  });
});
