import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { BaxCloudClient } from '../src/client/client.js';
import type { PushMessage } from '../src/protocol/push.js';
import { createUserToken } from '../src/server/tokens.js';
import { launchChromium } from './support/chromium.js';
import { connectClient, nextEvent, uniqueUser } from './support/clients.js';
import { PUSH_SERVICE_HOST, PushService, browserSubscription, type BrowserSubscription } from './support/push-service.js';
import { freePort, startServer, type RunningServer, type TestProject } from './support/server.js';

/**
 * The shipped service-worker module in Chromium. Chromium cannot reach a real push service here, so the
 * server pushes to a local stand-in, the test decrypts each message (http_ece) and hands the plaintext to
 * the worker through the DevTools protocol's ServiceWorker.deliverPushMessage, as the browser's push
 * client would after decrypting.
 */

const require = createRequire(import.meta.url);
const ece = require('http_ece') as { decrypt(buffer: Buffer, params: Record<string, unknown>): Buffer };
const here = dirname(fileURLToPath(import.meta.url));

const P: TestProject & { pushServices: string[] } = {
  projectId: 'sw-app',
  apiKey: 'sw-key',
  secret: 'sw-secret',
  allowedOrigins: ['*'],
  pushServices: [PUSH_SERVICE_HOST],
};
let server: RunningServer;
let service: PushService;
let site: Server;
let origin: string;
let browser: Browser;
let page: Page;
let cdp: CDPSession;
let registrationId = '';
let alice: BaxCloudClient;
let subscription: BrowserSubscription;
const bobId = uniqueUser('bob');

beforeAll(async () => {
  service = await PushService.start();
  server = await startServer({ projects: [P] });
  const worker = await build({
    entryPoints: [join(here, 'fixtures/service-worker.ts')],
    bundle: true,
    format: 'iife',
    write: false,
    platform: 'browser',
    target: 'chrome110',
  });
  const workerSource = worker.outputFiles[0]!.text;
  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  site = createServer((request, response) => {
    if (request.url === '/sw.js') response.writeHead(200, { 'content-type': 'text/javascript' }).end(workerSource);
    else response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>app</title><p>app</p>');
  });
  await new Promise<void>((resolve) => site.listen(port, '127.0.0.1', () => resolve()));

  browser = await launchChromium();
  const context = await browser.newContext();
  await context.grantPermissions(['notifications'], { origin });
  page = await context.newPage();
  cdp = await context.newCDPSession(page);
  // Pushes go to the registration by the id DevTools announces for it.
  const registrationAnnounced = new Promise<void>((resolve) => {
    cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
      for (const registration of registrations) {
        if (registration.scopeURL.startsWith(origin) && !registration.isDeleted) {
          registrationId = registration.registrationId;
          resolve();
        }
      }
    });
  });
  await cdp.send('ServiceWorker.enable');
  await page.goto(`${origin}/`);
  await page.evaluate(async () => {
    await navigator.serviceWorker.register('/sw.js');
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller)
      await new Promise((resolve) => navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true }));
  });
  await registrationAnnounced;
  // The worker announces each notification it has put up (see the fixture).
  await page.evaluate(() => {
    const shown: string[] = [];
    (window as unknown as { shownTags: string[] }).shownTags = shown;
    navigator.serviceWorker.addEventListener('message', (event: MessageEvent<{ type?: string; tag?: string }>) => {
      if (event.data?.type === 'shown' && event.data.tag) shown.push(event.data.tag);
    });
  });

  // Bob's browser registered for push (against the stand-in push service) and then closed the app.
  subscription = browserSubscription(service, `sw-${bobId}`);
  const { token } = await createUserToken({ projectId: P.projectId, secret: P.secret, userId: bobId });
  const registered = await fetch(`${server.url}/v1/projects/${P.projectId}/push/subscriptions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ subscription: subscription.json, deviceId: 'bobs-chromium' }),
  });
  expect(registered.status).toBe(201);
  alice = await connectClient(server.host, { userId: uniqueUser('alice'), name: 'Alice Liddell', project: P });
}, 120_000);

afterAll(async () => {
  alice?.disconnect();
  await browser?.close();
  await new Promise<void>((resolve) => (site ? site.close(() => resolve()) : resolve()));
  await server?.stop();
  await service?.stop();
});

/**
 * Waits for the server's push of `type` for `invitationId` to Bob's subscription and delivers it to the service
 * worker, decrypted. Pushes of different invitations may arrive in any order, so each is picked by what it is;
 * delivery is at-least-once, so a repeat of a push already delivered is skipped, as the browser's push service
 * would collapse it by its topic.
 */
/** Showing a notification starts the service worker and Chromium's notification machinery: slow on a busy machine. */
const NOTIFICATION_WAIT = { timeout: 30_000 };

const pushesDelivered = new Set<string>();
async function deliverPush(type: 'ring' | 'close', invitationId: string): Promise<PushMessage> {
  const key = `${type}:${invitationId}`;
  let found: { payload: PushMessage; plaintext: string } | undefined;
  await service.waitFor(() => {
    for (const request of service.for(subscription.id)) {
      const plaintext = ece
        .decrypt(request.body, { version: 'aes128gcm', privateKey: subscription.ecdh, authSecret: subscription.auth.toString('base64url') })
        .toString('utf8');
      const payload = JSON.parse(plaintext) as PushMessage;
      if (`${payload.type}:${payload.invitationId}` === key && !pushesDelivered.has(key)) {
        found = { payload, plaintext };
        return true;
      }
    }
    return false;
  });
  pushesDelivered.add(key);
  await cdp.send('ServiceWorker.deliverPushMessage', { origin, registrationId, data: found!.plaintext });
  return found!.payload;
}

/** Waits until the worker has put up the `times`th notification of `invitationId` (the ring is the first), then reads what is shown. */
async function ringShown(invitationId: string, times = 1): ReturnType<typeof shownNotifications> {
  await page.waitForFunction(
    ({ tag, times }) => (window as unknown as { shownTags: string[] }).shownTags.filter((shown) => shown === tag).length >= times,
    { tag: `baxcloud-call:${invitationId}`, times },
    { timeout: NOTIFICATION_WAIT.timeout },
  );
  return shownNotifications();
}

function shownNotifications(): Promise<
  Array<{ title: string; body: string; tag: string; actions: Array<{ action: string; title: string }>; requireInteraction: boolean }>
> {
  return page.evaluate(async () => {
    const registration = await navigator.serviceWorker.ready;
    return (await registration.getNotifications()).map((notification) => ({
      title: notification.title,
      body: notification.body,
      tag: notification.tag,
      actions: [...((notification as unknown as { actions?: Array<{ action: string; title: string }> }).actions ?? [])].map(({ action, title }) => ({
        action,
        title,
      })),
      requireInteraction: notification.requireInteraction,
    }));
  });
}

/** Clicks a notification's action; `opened` is the page the worker then opened or focused. */
interface ClickOutcome {
  ok: boolean;
  status: number | null;
  action: string;
  opened: string | null;
}

function click(tag: string, action: string): Promise<ClickOutcome | null> {
  return page.evaluate(
    ({ tag, action }) =>
      new Promise<ClickOutcome | null>((resolve) => {
        const listener = (event: MessageEvent) => {
          if (event.data?.type !== 'clicked') return;
          navigator.serviceWorker.removeEventListener('message', listener);
          resolve(event.data.outcome && { ...event.data.outcome, opened: event.data.opened });
        };
        navigator.serviceWorker.addEventListener('message', listener);
        navigator.serviceWorker.controller!.postMessage({ type: 'click', tag, action });
      }),
    { tag, action },
  );
}

it('shows a ring with the caller and Accept / Decline, answers through the REST API, and closes it once answered', async () => {
  // Accept from the notification.
  const first = await alice.sendCallInvitation({
    to: bobId,
    roomName: 'sw-accept',
    callType: 'video_call',
    message: 'got a minute?',
    roomUrl: `${origin}/room`,
  });
  const ring = await deliverPush('ring', first.invitationId);
  expect(ring).toMatchObject({ type: 'ring', invitationId: first.invitationId });
  const [shown, ...others] = await ringShown(first.invitationId);
  expect(others).toEqual([]);
  expect(shown).toMatchObject({
    title: 'Alice Liddell',
    body: 'Incoming video call\ngot a minute?',
    tag: `baxcloud-call:${first.invitationId}`,
    actions: [
      { action: 'accept', title: 'Accept' },
      { action: 'decline', title: 'Decline' },
    ],
    requireInteraction: true,
  });
  const accepted = nextEvent(alice.onInvitationAccepted.bind(alice));
  expect(await click(shown!.tag, 'accept')).toMatchObject({ action: 'accept', ok: true, status: 200 });
  expect(await accepted).toMatchObject({ invitationId: first.invitationId, by: bobId });
  await expect.poll(shownNotifications, NOTIFICATION_WAIT).toHaveLength(0);
  // The server also closes it on Bob's other devices.
  expect(await deliverPush('close', first.invitationId)).toMatchObject({ state: 'accepted' });

  // Decline from the notification.
  const second = await alice.sendCallInvitation({ to: bobId, roomName: 'sw-decline', callType: 'audio_call' });
  await deliverPush('ring', second.invitationId);
  expect(await ringShown(second.invitationId)).toHaveLength(1);
  const declined = nextEvent(alice.onInvitationDeclined.bind(alice));
  expect(await click(`baxcloud-call:${second.invitationId}`, 'decline')).toMatchObject({ action: 'decline', ok: true, status: 200 });
  expect(await declined).toMatchObject({ invitationId: second.invitationId, by: bobId, reason: 'declined' });
  expect(await deliverPush('close', second.invitationId)).toMatchObject({ state: 'declined', missed: false });
  await expect.poll(shownNotifications, NOTIFICATION_WAIT).toHaveLength(0);
});

it('replaces a ring the caller gave up on with "Missed call from …" and a Call back action that opens the app', async () => {
  const sent = await alice.sendCallInvitation({ to: bobId, roomName: 'sw-cancel', callType: 'audio_call' });
  await deliverPush('ring', sent.invitationId);
  expect(await ringShown(sent.invitationId)).toHaveLength(1);
  await alice.cancelCallInvitation(sent.invitationId);
  expect(await deliverPush('close', sent.invitationId)).toMatchObject({ state: 'canceled', missed: true, missedCalls: expect.any(Number) });
  const [missed, ...others] = await ringShown(sent.invitationId, 2);
  expect(others).toEqual([]);
  expect(missed).toMatchObject({
    title: 'Missed call from Alice Liddell',
    body: '',
    tag: `baxcloud-call:${sent.invitationId}`,
    actions: [{ action: 'callback', title: 'Call back' }],
    requireInteraction: false,
  });
  const aliceId = alice.getState().user.userId;
  expect(await click(missed!.tag, 'callback')).toMatchObject({ action: 'callback', opened: `${origin}/?callback=${encodeURIComponent(aliceId)}` });
  await expect.poll(shownNotifications, NOTIFICATION_WAIT).toHaveLength(0);
});

it('opens a room only on the app’s origin or an allowed one after Accept; any other room URL opens the app', async () => {
  const rooms: Array<[roomUrl: string, opened: string]> = [
    ['https://evil.example/login', `${origin}/`],
    ['https://rooms.example.com/r/42', 'https://rooms.example.com/r/42'],
    [`${origin}/room/7`, `${origin}/room/7`],
  ];
  for (const [index, [roomUrl, opened]] of rooms.entries()) {
    const sent = await alice.sendCallInvitation({ to: bobId, roomName: `sw-room-${index}`, callType: 'video_call', roomUrl });
    expect(await deliverPush('ring', sent.invitationId)).toMatchObject({ roomUrl });
    expect(await ringShown(sent.invitationId)).toHaveLength(1);
    expect(await click(`baxcloud-call:${sent.invitationId}`, 'accept'), roomUrl).toMatchObject({ action: 'accept', ok: true, opened });
    expect(await deliverPush('close', sent.invitationId)).toMatchObject({ state: 'accepted' });
  }
});
