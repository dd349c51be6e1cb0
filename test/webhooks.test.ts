import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BaxCloudClient } from '../src/client/client.js';
import { connectClient, nextEvent, uniqueUser } from './support/clients.js';
import { freePort, startServer, type RunningServer, type TestProject } from './support/server.js';
import { WebhookReceiver, type ReceivedWebhook } from './support/webhook-receiver.js';

/**
 * Signed webhooks end to end: the real server, real clients, and real HTTP receivers that verify every
 * signature with the official `standardwebhooks` package.
 */

const project = (projectId: string): TestProject => ({ projectId, apiKey: `${projectId}-key`, secret: `${projectId}-secret`, allowedOrigins: ['*'] });
const BASIC = project('wh-basic');
const OUTAGE = project('wh-outage');
const POLICY = project('wh-policy');
const RING = project('wh-ring');
const CONFIGURED = project('wh-config');
const PROBE = project('wh-probe');
const CONFIG_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

let server: RunningServer;
let configReceiver: WebhookReceiver;
const receivers: WebhookReceiver[] = [];
const open: BaxCloudClient[] = [];

beforeAll(async () => {
  configReceiver = await WebhookReceiver.start();
  configReceiver.secret = CONFIG_SECRET;
  receivers.push(configReceiver);
  server = await startServer({
    projects: [BASIC, OUTAGE, POLICY, RING, PROBE, { ...CONFIGURED, webhooks: [{ url: configReceiver.url, secret: CONFIG_SECRET }] } as TestProject],
    // Short retries, so an outage of a few seconds is retried several times within a test.
    vars: { WEBHOOK_RETRY_SCHEDULE: '1,1,1,2,2,2,2,2,2,2,2,2', WEBHOOK_TIMEOUT_MS: '8000' },
  });
});
afterAll(async () => {
  for (const receiver of receivers) await receiver.down();
  await server?.stop();
});
afterEach(() => {
  for (const client of open.splice(0)) client.disconnect();
});

async function user(p: TestProject, name: string, userId = uniqueUser(name)): Promise<BaxCloudClient> {
  const client = await connectClient(server.host, { userId, name, project: p });
  open.push(client);
  return client;
}

const idOf = (client: BaxCloudClient) => client.getState().user.userId;

// What the tests read of the REST answers.
interface MessageList {
  messages: Array<{ eventType: string; status: string; attempts: number }>;
}
interface AttemptList {
  attempts: Array<{ status: number | null; error: string | null; nextAttemptAt: number | null }>;
}

async function api<Body = unknown>(p: TestProject, method: string, path: string, body?: unknown): Promise<{ status: number; body: Body }> {
  const response = await fetch(`${server.url}/v1/projects/${p.projectId}${path}`, {
    method,
    headers: { authorization: `Bearer ${p.secret}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as Body };
}

async function receiverFor(p: TestProject, options: { events?: string[] } = {}): Promise<{ receiver: WebhookReceiver; endpointId: string }> {
  const receiver = await WebhookReceiver.start();
  receivers.push(receiver);
  const created = await api<{ id: string; secret: string }>(p, 'POST', '/webhooks/endpoints', {
    url: receiver.url,
    ...(options.events ? { events: options.events } : {}),
  });
  expect(created.status).toBe(201);
  expect(created.body.secret).toMatch(/^whsec_/);
  receiver.secret = created.body.secret;
  return { receiver, endpointId: created.body.id };
}

const ofType = (hooks: ReceivedWebhook[], type: string, invitationId: string) =>
  hooks.filter((hook) => hook.payload.type === type && (hook.payload.data.invitationId ?? hook.payload.data.invitation?.invitationId) === invitationId);

describe('events', () => {
  it('reports every step of an invitation, signed, with per-invitee online and delivered on creation', async () => {
    const { receiver } = await receiverFor(BASIC);
    const alice = await user(BASIC, 'alice');
    const bob = await user(BASIC, 'bob');
    const carolId = uniqueUser('carol');

    // Bob is online, Carol is not: the backend learns it should push to Carol.
    const meeting = await alice.sendCallInvitation({
      to: [idOf(bob), carolId],
      roomName: 'meeting',
      callType: 'video_call',
      message: 'hi',
      metadata: { ticket: 7 },
    });
    await receiver.waitFor(() => ofType(receiver.received, 'invitation.created', meeting.invitationId).length === 1);
    const created = ofType(receiver.received, 'invitation.created', meeting.invitationId)[0]!.payload;
    expect(created.data.projectId).toBe(BASIC.projectId);
    expect(created.data.invitation).toMatchObject({
      invitationId: meeting.invitationId,
      from: idOf(alice),
      roomName: 'meeting',
      callType: 'video_call',
      message: 'hi',
      metadata: { ticket: 7 },
    });
    expect(created.data.invitation!.fromUser).toEqual({ userId: idOf(alice), name: 'alice', avatarUrl: null });
    const invitees = [...created.data.invitees!].sort((a, b) => a.userId.localeCompare(b.userId));
    expect(invitees).toEqual(
      [
        { userId: idOf(bob), online: true, delivered: true, state: 'pending', reason: null },
        { userId: carolId, online: false, delivered: false, state: 'pending', reason: null },
      ].sort((a, b) => a.userId.localeCompare(b.userId)),
    );
    expect(new Date(created.timestamp).getTime()).toBeGreaterThan(Date.now() - 60_000);

    // Bob's device rang at once; Carol's rings when she connects.
    await receiver.waitFor(() => ofType(receiver.received, 'invitation.delivered', meeting.invitationId).length === 1);
    const carol = await user(BASIC, 'carol', carolId);
    await receiver.waitFor(() => ofType(receiver.received, 'invitation.delivered', meeting.invitationId).length === 2);
    const delivered = ofType(receiver.received, 'invitation.delivered', meeting.invitationId)
      .map((hook) => hook.payload.data.userId)
      .sort();
    expect(delivered).toEqual([idOf(bob), carolId].sort());

    await bob.acceptCallInvitation(meeting.invitationId);
    await carol.declineCallInvitation(meeting.invitationId, { reason: 'busy', message: 'in a meeting' });
    await receiver.waitFor(() => ofType(receiver.received, 'invitation.declined', meeting.invitationId).length === 1);
    await receiver.waitFor(() => ofType(receiver.received, 'invitation.accepted', meeting.invitationId).length === 1);
    const accepted = ofType(receiver.received, 'invitation.accepted', meeting.invitationId)[0]!.payload.data;
    expect(accepted).toMatchObject({
      invitationId: meeting.invitationId,
      from: idOf(alice),
      userId: idOf(bob),
      state: 'accepted',
      user: { userId: idOf(bob), name: 'bob' },
    });
    const declined = ofType(receiver.received, 'invitation.declined', meeting.invitationId)[0]!.payload.data;
    expect(declined).toMatchObject({ userId: carolId, state: 'declined', reason: 'busy', message: 'in a meeting' });

    // Canceled, and expired (a missed call).
    const canceled = await alice.sendCallInvitation({ to: idOf(bob), roomName: 'oops', callType: 'audio_call' });
    await alice.cancelCallInvitation(canceled.invitationId);
    const missed = await alice.sendCallInvitation({ to: uniqueUser('dave'), roomName: 'missed', callType: 'audio_call', timeoutSeconds: 5 });
    await receiver.waitFor(() => ofType(receiver.received, 'invitation.canceled', canceled.invitationId).length === 1);
    await receiver.waitFor(() => ofType(receiver.received, 'invitation.expired', missed.invitationId).length === 1, 20_000);
    expect(ofType(receiver.received, 'invitation.canceled', canceled.invitationId)[0]!.payload.data).toMatchObject({ state: 'canceled', reason: 'canceled' });
    expect(ofType(receiver.received, 'invitation.expired', missed.invitationId)[0]!.payload.data).toMatchObject({ state: 'expired', roomName: 'missed' });

    expect(receiver.rejected).toEqual([]);
    for (const hook of receiver.received) {
      expect(Buffer.byteLength(hook.body)).toBeLessThan(20 * 1024);
      expect(hook.id).toMatch(/^msg_[0-9a-f]{32}$/);
      expect(Math.abs(hook.timestamp * 1000 - hook.at)).toBeLessThan(10_000);
    }
    // Every event was delivered exactly once here (the receiver never failed).
    expect(new Set(receiver.received.map((hook) => hook.id)).size).toBe(receiver.received.length);

    const attempts = await api<AttemptList>(BASIC, 'GET', `/webhooks/attempts?eventId=${receiver.received[0]!.id}`);
    expect(attempts.status).toBe(200);
    expect(attempts.body.attempts).toEqual([
      expect.objectContaining({ eventId: receiver.received[0]!.id, attempt: 1, status: 204, error: null, nextAttemptAt: null }),
    ]);
  });

  it('sends only the event types an endpoint asked for, and endpoints from the project configuration', async () => {
    const { receiver, endpointId } = await receiverFor(CONFIGURED, { events: ['invitation.accepted'] });
    const alice = await user(CONFIGURED, 'alice');
    const bob = await user(CONFIGURED, 'bob');
    const sent = await alice.sendCallInvitation({ to: idOf(bob), roomName: 'filtered', callType: 'audio_call' });
    await bob.acceptCallInvitation(sent.invitationId);
    const steps = ['invitation.created', 'invitation.delivered', 'invitation.accepted'];
    await configReceiver.waitFor(() => steps.every((type) => ofType(configReceiver.received, type, sent.invitationId).length === 1));
    // The configured endpoint has every step, so each was queued, for both endpoints at once: the filtered
    // endpoint's outbox holds all it will ever get of this call.
    await expect
      .poll(
        async () =>
          (await api<MessageList>(CONFIGURED, 'GET', `/webhooks/messages?endpointId=${endpointId}`)).body.messages.map((message) => [
            message.eventType,
            message.status,
          ]),
        { timeout: 10_000 },
      )
      .toEqual([['invitation.accepted', 'delivered']]);
    expect(receiver.received.map((hook) => hook.payload.type)).toEqual(['invitation.accepted']);
    expect(configReceiver.received.map((hook) => hook.payload.type).sort()).toEqual(['invitation.accepted', 'invitation.created', 'invitation.delivered']);
    expect(configReceiver.rejected).toEqual([]);

    const list = await api<{ endpoints: Array<{ id: string; source: string }> }>(CONFIGURED, 'GET', '/webhooks/endpoints');
    expect(list.body.endpoints.map((endpoint) => endpoint.source).sort()).toEqual(['api', 'config']);
    const configured = list.body.endpoints.find((endpoint) => endpoint.source === 'config');
    expect((await api(CONFIGURED, 'DELETE', `/webhooks/endpoints/${configured!.id}`)).status).toBe(403);
  });
});

describe('delivery', () => {
  it('loses nothing while the receiver is down and repeats a message only under the same webhook-id', async () => {
    const { receiver, endpointId } = await receiverFor(OUTAGE);
    const alice = await user(OUTAGE, 'alice');
    const bob = await user(OUTAGE, 'bob');
    await receiver.down();

    const rounds = 4;
    const expectedEvents = rounds * 3; // created, delivered, then accepted or declined
    const sent: string[] = [];
    for (let i = 0; i < rounds; i++) {
      const invitation = await alice.sendCallInvitation({ to: idOf(bob), roomName: `outage-${i}`, callType: 'audio_call' });
      sent.push(invitation.invitationId);
      if (i % 2 === 0) await bob.acceptCallInvitation(invitation.invitationId);
      else await bob.declineCallInvitation(invitation.invitationId);
    }
    // Down for a while: every event is tried and retried, each attempt refused.
    await expect
      .poll(
        async () =>
          (await api<MessageList>(OUTAGE, 'GET', `/webhooks/messages?endpointId=${endpointId}&limit=250`)).body.messages.filter(
            (message) => message.attempts >= 2,
          ).length,
        { timeout: 20_000, interval: 200 },
      )
      .toBe(expectedEvents);
    const failing = await api<AttemptList>(OUTAGE, 'GET', `/webhooks/attempts?endpointId=${endpointId}`);
    expect(failing.body.attempts.length).toBeGreaterThan(0);
    expect(failing.body.attempts.every((attempt) => attempt.status === null && attempt.error === 'connection failed' && attempt.nextAttemptAt)).toBe(true);

    // Back up, but it times out on a first try of each message and only then acknowledges: a duplicate.
    receiver.behaviour = ({ attempt }) => (attempt === 1 ? { status: 204, delayMs: 9000 } : { status: 204 });
    await receiver.up();
    await receiver.waitFor(() => receiver.acceptedIds().size >= expectedEvents, 60_000, `${expectedEvents} distinct events`);

    // Nothing lost: every step of every invitation arrived.
    for (const [index, invitationId] of sent.entries()) {
      expect(ofType(receiver.received, 'invitation.created', invitationId).length).toBeGreaterThanOrEqual(1);
      expect(ofType(receiver.received, 'invitation.delivered', invitationId).length).toBeGreaterThanOrEqual(1);
      expect(ofType(receiver.received, index % 2 === 0 ? 'invitation.accepted' : 'invitation.declined', invitationId).length).toBeGreaterThanOrEqual(1);
    }
    expect(receiver.acceptedIds().size).toBe(expectedEvents);
    // Duplicates carry the same id and the same body; a new id never repeats an event.
    const byId = new Map<string, ReceivedWebhook[]>();
    for (const hook of receiver.received) byId.set(hook.id, [...(byId.get(hook.id) ?? []), hook]);
    expect([...byId.values()].some((copies) => copies.length > 1)).toBe(true);
    for (const copies of byId.values()) expect(new Set(copies.map((copy) => copy.body)).size).toBe(1);
    const eventKeys = [...byId.values()].map(
      ([hook]) => `${hook!.payload.type}:${hook!.payload.data.invitationId ?? hook!.payload.data.invitation!.invitationId}:${hook!.payload.data.userId ?? ''}`,
    );
    expect(new Set(eventKeys).size).toBe(eventKeys.length);
    expect(receiver.rejected).toEqual([]);

    const messages = await api<MessageList>(OUTAGE, 'GET', `/webhooks/messages?endpointId=${endpointId}&limit=250`);
    expect(messages.body.messages).toHaveLength(expectedEvents);
    expect(messages.body.messages.map((message) => message.status)).toEqual(Array(expectedEvents).fill('delivered'));
    expect(messages.body.messages.every((message) => message.attempts >= 2)).toBe(true);
    // The log names what failed by its class only.
    const errors = (await api<AttemptList>(OUTAGE, 'GET', `/webhooks/attempts?endpointId=${endpointId}&limit=250`)).body.attempts.map(
      (attempt) => attempt.error,
    );
    expect(new Set(errors)).toEqual(new Set([null, 'connection failed', 'timeout']));
  });

  it('logs a closed port and an open one that speaks no HTTP alike, so the log cannot scan ports', async () => {
    // An open port with a service that answers something other than HTTP, and a port nothing listens on.
    const banner: TcpServer = createTcpServer((socket) => socket.end('SSH-2.0-OpenSSH_9.6\r\n', () => socket.destroy()));
    const bannerPort = await freePort();
    await new Promise<void>((resolve) => banner.listen(bannerPort, '127.0.0.1', () => resolve()));
    const closedPort = await freePort();
    try {
      const open = await api<{ id: string }>(PROBE, 'POST', '/webhooks/endpoints', { url: `http://127.0.0.1:${bannerPort}/` });
      const closed = await api<{ id: string }>(PROBE, 'POST', '/webhooks/endpoints', { url: `http://127.0.0.1:${closedPort}/` });
      const alice = await user(PROBE, 'alice');
      await alice.sendCallInvitation({ to: uniqueUser('bob'), roomName: 'probe', callType: 'audio_call' });
      const firstAttempt = async (endpointId: string) =>
        (await api<AttemptList>(PROBE, 'GET', `/webhooks/attempts?endpointId=${endpointId}`)).body.attempts.at(-1) ?? null;
      await expect.poll(() => firstAttempt(open.body.id)).toMatchObject({ status: null, error: 'connection failed' });
      await expect.poll(() => firstAttempt(closed.body.id)).toMatchObject({ status: null, error: 'connection failed' });
    } finally {
      await new Promise<void>((resolve) => banner.close(() => resolve()));
    }
  });

  it('honours Retry-After, and a 410 disables the endpoint', async () => {
    const { receiver, endpointId } = await receiverFor(POLICY);
    const gone = await receiverFor(POLICY);
    gone.receiver.behaviour = () => ({ status: 410 });
    receiver.behaviour = ({ attempt }) => (attempt === 1 ? { status: 503, headers: { 'retry-after': '4' } } : { status: 200 });
    const alice = await user(POLICY, 'alice');
    const first = await alice.sendCallInvitation({ to: uniqueUser('bob'), roomName: 'policy', callType: 'audio_call' });

    await receiver.waitFor(() => receiver.acceptedIds().size === 1, 20_000);
    const tries = receiver.received.filter((hook) => hook.payload.type === 'invitation.created');
    expect(tries.map((hook) => hook.answered)).toEqual([503, 200]);
    // The schedule says 1 s; the receiver asked for 4.
    expect(tries[1]!.at - tries[0]!.at).toBeGreaterThanOrEqual(3800);
    const attempts = await api<AttemptList>(POLICY, 'GET', `/webhooks/attempts?endpointId=${endpointId}`);
    expect(attempts.body.attempts.map((attempt) => attempt.status)).toEqual([200, 503]);

    await gone.receiver.waitFor(() => gone.receiver.received.length === 1);
    await expect
      .poll(async () => (await api(POLICY, 'GET', `/webhooks/endpoints/${gone.endpointId}`)).body)
      .toMatchObject({ enabled: false, disabledReason: 'gone' });
    await alice.cancelCallInvitation(first.invitationId);
    await receiver.waitFor(() => ofType(receiver.received, 'invitation.canceled', first.invitationId).length === 1);
    // The cancel was queued (for the other endpoint) while this one was off: its outbox holds nothing new.
    const goneMessages = await api<MessageList>(POLICY, 'GET', `/webhooks/messages?endpointId=${gone.endpointId}`);
    expect(goneMessages.body.messages.map((message) => [message.eventType, message.status])).toEqual([['invitation.created', 'failed']]);
    expect(gone.receiver.received).toHaveLength(1);

    // Turning it back on resumes delivery of new events.
    gone.receiver.behaviour = () => ({ status: 204 });
    expect((await api(POLICY, 'PATCH', `/webhooks/endpoints/${gone.endpointId}`, { enabled: true })).body).toMatchObject({
      enabled: true,
      disabledReason: null,
    });
    const second = await alice.sendCallInvitation({ to: uniqueUser('bob'), roomName: 'policy-2', callType: 'audio_call' });
    await gone.receiver.waitFor(() => ofType(gone.receiver.received, 'invitation.created', second.invitationId).length === 1);
  });

  it('a slow receiver does not slow down ringing', async () => {
    const { receiver } = await receiverFor(RING);
    const alice = await user(RING, 'alice');
    const bob = await user(RING, 'bob');

    async function timeToRing(round: number): Promise<number> {
      const ringing = nextEvent(bob.onInvitationReceived.bind(bob), (invitation) => invitation.roomName === `ring-${round}`);
      const started = performance.now();
      const sent = await alice.sendCallInvitation({ to: idOf(bob), roomName: `ring-${round}`, callType: 'audio_call' });
      await ringing;
      const elapsed = performance.now() - started;
      await bob.declineCallInvitation(sent.invitationId);
      return elapsed;
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

    receiver.behaviour = () => ({ status: 204 });
    for (let i = 0; i < 2; i++) await timeToRing(100 + i); // warm up
    const fast: number[] = [];
    for (let i = 0; i < 7; i++) fast.push(await timeToRing(i));

    // Now every webhook takes 5 s to answer: ringing must not notice.
    receiver.behaviour = () => ({ status: 204, delayMs: 5000 });
    const slow: number[] = [];
    let heldMeanwhile = 0;
    for (let i = 0; i < 7; i++) {
      slow.push(await timeToRing(10 + i));
      heldMeanwhile = Math.max(heldMeanwhile, receiver.inFlight);
    }
    // The receiver really was sitting on webhooks of these very calls while they rang.
    expect(heldMeanwhile).toBeGreaterThan(3);
    const before = receiver.received.length;
    await receiver.waitFor(
      () =>
        receiver.received.filter((hook) => String(hook.payload.data.invitation?.roomName ?? hook.payload.data.roomName).startsWith('ring-1')).length >= 7 * 3,
      30_000,
    );
    expect(receiver.received.length).toBeGreaterThan(before);
    console.log(`time to ring, median ms: fast receiver ${median(fast).toFixed(1)}, slow receiver ${median(slow).toFixed(1)}`);
    // Generous margins: what matters is that the 5 s of the receiver show up nowhere near the ring.
    expect(median(slow)).toBeLessThan(median(fast) * 3 + 150);
    expect(Math.max(...slow)).toBeLessThan(2000);
  });
});
