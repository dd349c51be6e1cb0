import { performance } from 'node:perf_hooks';
import { PartySocket } from 'partysocket';
import WebSocket from 'ws';
import type { BaxCloudClient } from '../../src/client/client.js';
import { connectClient } from '../../test/support/clients.js';

/** One invitation's two latencies, in ms. */
export interface CycleTimes {
  /** Send → the invitee's client reports it (time-to-ring). */
  ringMs: number;
  /** Invitee answers → the sender's client reports the answer. */
  answerMs: number;
}

export type Answer = 'accept' | 'decline';

/** A caller and a callee that can run one invitation cycle at a time. */
export interface Pair {
  cycle(answer: Answer): Promise<CycleTimes>;
  close(): void;
}

/** A project for a benchmark run: its credentials from its id, no invitation rate limit, any origin. */
export function benchProject(projectId: string) {
  return { projectId, apiKey: `${projectId}-key`, secret: `${projectId}-secret`, invitesPerMinute: 100_000, allowedOrigins: ['*'] };
}

/**
 * The variables a benchmark's signaling server runs with: `projects`, and no per-connection frame-rate limit (a
 * product limit, not what a benchmark measures).
 */
export function serverVars(projects: readonly object[]): Record<string, string> {
  return { PROJECTS: JSON.stringify(projects), FRAMES_PER_SECOND: '1000000', FRAME_BURST: '1000000' };
}

/** Connections that closed while the benchmark used them (each client then reconnects and resends). */
export const drops = { ours: 0, baseline: 0 };

export class UnexpectedError extends Error {
  readonly code = 'unexpected';
}

/** Waits for keyed events and stamps each with the time it arrived; an event that comes first waits to be claimed. */
export class Mailbox<T> {
  private readonly waiting = new Map<string, { resolve: (hit: { value: T; at: number }) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }>();
  /** Bounded: an event whose waiter timed out stays here, unclaimed. */
  private readonly early = new Map<string, { value: T; at: number }>();

  constructor(private readonly label: string) {}

  deliver(key: string, value: T): void {
    const at = performance.now();
    const waiter = this.waiting.get(key);
    if (waiter) {
      this.waiting.delete(key);
      clearTimeout(waiter.timer);
      waiter.resolve({ value, at });
    } else if (this.early.size < 10_000) {
      this.early.set(key, { value, at });
    }
  }

  fail(key: string, error: Error): void {
    const waiter = this.waiting.get(key);
    if (!waiter) return;
    this.waiting.delete(key);
    clearTimeout(waiter.timer);
    waiter.reject(error);
  }

  expect(key: string, timeoutMs: number): Promise<{ value: T; at: number }> {
    const hit = this.early.get(key);
    if (hit) {
      this.early.delete(key);
      return Promise.resolve(hit);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(key);
        reject(Object.assign(new Error(`no ${this.label} within ${timeoutMs} ms`), { code: `${this.label}_timeout` }));
      }, timeoutMs);
      this.waiting.set(key, { resolve, reject, timer });
    });
  }

  cancel(key: string): void {
    const waiter = this.waiting.get(key);
    if (waiter) clearTimeout(waiter.timer);
    this.waiting.delete(key);
    this.early.delete(key);
  }
}

/** Runs `create` for `count` items, at most `concurrency` at a time; rejects on the first failure. */
export async function inBatches<T>(count: number, concurrency: number, create: (index: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const index = next++;
        results[index] = await create(index);
      }
    }),
  );
  return results;
}

// ---- our path: two BaxCloudClients ----------------------------------------------------------------------

interface Party {
  userId: string;
  client: BaxCloudClient;
  rings: Mailbox<{ invitationId: string }>;
  answers: Mailbox<'accepted' | 'declined'>;
}

async function connectParty(
  host: string,
  userId: string,
  project: { projectId: string; apiKey: string; secret: string },
  requestTimeoutMs: number,
): Promise<Party> {
  const client = await connectClient(host, { userId, name: userId, deviceId: `${userId}-d`, project, requestTimeoutMs });
  const rings = new Mailbox<{ invitationId: string }>('ring');
  const answers = new Mailbox<'accepted' | 'declined'>('answer');
  client.onInvitationReceived((invitation) => rings.deliver(invitation.roomName, { invitationId: invitation.invitationId }));
  client.onInvitationAccepted((event) => answers.deliver(event.invitationId, 'accepted'));
  client.onInvitationDeclined((event) => answers.deliver(event.invitationId, 'declined'));
  let connection = client.getState().connection;
  client.subscribe((state) => {
    if (state.connection === connection) return;
    if (connection === 'open' && state.connection !== 'closed') {
      drops.ours++;
      console.warn(`[bench] ${userId}: connection ${connection} → ${state.connection} at ${performance.now().toFixed(0)} ms`);
    }
    connection = state.connection;
  });
  return { userId, client, rings, answers };
}

/** A invites B over the real server; B accepts or declines; A hears the answer. Room names are never reused. */
export async function connectOurPair(
  host: string,
  ids: { caller: string; callee: string },
  project: { projectId: string; apiKey: string; secret: string },
  timeoutMs: number,
): Promise<Pair> {
  const [a, b] = await Promise.all([connectParty(host, ids.caller, project, timeoutMs), connectParty(host, ids.callee, project, timeoutMs)]);
  let seq = 0;
  return {
    async cycle(answer) {
      const room = `bench-${++seq}`;
      const ring = b.rings.expect(room, timeoutMs);
      const sentAt = performance.now();
      const sent = a.client.sendCallInvitation({ to: b.userId, roomName: room, callType: 'video_call', message: 'benchmark call' });
      let invitationId: string;
      let ringAt: number;
      try {
        const [rung, result] = await Promise.all([ring, sent]);
        if (result.existing || result.joined || result.invitees[0]?.state !== 'pending') {
          throw new UnexpectedError(`invite answered ${JSON.stringify(result.invitees)} existing=${result.existing} joined=${result.joined}`);
        }
        if (rung.value.invitationId !== result.invitationId) throw new UnexpectedError('the ring and the invite result name different invitations');
        invitationId = result.invitationId;
        ringAt = rung.at;
      } catch (error) {
        b.rings.cancel(room);
        throw error;
      }
      const expected = answer === 'accept' ? 'accepted' : 'declined';
      const heard = a.answers.expect(invitationId, timeoutMs);
      const answeredAt = performance.now();
      const answering = answer === 'accept' ? b.client.acceptCallInvitation(invitationId) : b.client.declineCallInvitation(invitationId);
      try {
        const [outcome, result] = await Promise.all([heard, answering]);
        if (outcome.value !== expected || result.state !== expected) throw new UnexpectedError(`answered ${result.state}, the sender heard ${outcome.value}`);
        return { ringMs: ringAt - sentAt, answerMs: outcome.at - answeredAt };
      } catch (error) {
        a.answers.cancel(invitationId);
        throw error;
      }
    },
    close() {
      a.client.disconnect();
      b.client.disconnect();
    },
  };
}

// ---- the baseline: two PartySockets to bare forwarding objects --------------------------------------------

/** Padding that makes a baseline frame about as large as a real `invitation.received` frame. */
const PAD = 'x'.repeat(360);

interface Peer {
  name: string;
  socket: PartySocket;
  inbox: Mailbox<unknown>;
  acks: Mailbox<unknown>;
}

function connectPeer(host: string, name: string, timeoutMs: number, durable: boolean, hook: boolean): Promise<Peer> {
  const socket = new PartySocket({
    host,
    protocol: 'ws',
    party: 'forwarder',
    room: name,
    query: { ...(durable ? { durable: '1' } : {}), ...(hook ? { hook: '1' } : {}) },
    WebSocket,
    maxEnqueuedMessages: 0,
    connectionTimeout: 5000,
  });
  const inbox = new Mailbox<unknown>('forward');
  const acks = new Mailbox<unknown>('ack');
  let opened = false;
  socket.addEventListener('close', () => {
    if (!opened || !socket.shouldReconnect) return;
    drops.baseline++;
    console.warn(`[bench] baseline ${name}: connection closed at ${performance.now().toFixed(0)} ms`);
  });
  socket.addEventListener('message', (event: MessageEvent) => {
    const frame = JSON.parse(String(event.data)) as { type?: string; id: string; message?: string };
    if (frame.type === 'ack') acks.deliver(frame.id, frame);
    else if (frame.type === 'error') acks.fail(frame.id, Object.assign(new Error(frame.message ?? 'error'), { code: 'baseline_error' }));
    else inbox.deliver(frame.id, frame);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error(`baseline socket ${name} did not open within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.addEventListener(
      'open',
      () => {
        clearTimeout(timer);
        opened = true;
        resolve({ name, socket, inbox, acks });
      },
      { once: true },
    );
  });
}

/**
 * A forwards an invitation-sized frame to B; B forwards an answer back to A. Each side waits for its ack too.
 * `durable`: both objects store each frame before passing it on; `hook`: they POST each event to the baseline's
 * webhook endpoint (see bench/baseline/worker.ts).
 */
export async function connectBaselinePair(
  host: string,
  ids: { caller: string; callee: string },
  timeoutMs: number,
  durable = false,
  hook = false,
): Promise<Pair> {
  const [a, b] = await Promise.all([connectPeer(host, ids.caller, timeoutMs, durable, hook), connectPeer(host, ids.callee, timeoutMs, durable, hook)]);
  let seq = 0;
  const hop = async (from: Peer, to: Peer, id: string, body: Record<string, unknown>): Promise<number> => {
    const arrived = to.inbox.expect(id, timeoutMs);
    const acked = from.acks.expect(id, timeoutMs);
    const sentAt = performance.now();
    from.socket.send(JSON.stringify({ to: to.name, id, ...body }));
    try {
      const [hit, ack] = await Promise.all([arrived, acked]);
      if ((ack.value as { delivered?: number }).delivered !== 1)
        throw new UnexpectedError(`forwarded to ${(ack.value as { delivered?: number }).delivered} sockets`);
      return hit.at - sentAt;
    } catch (error) {
      to.inbox.cancel(id);
      from.acks.cancel(id);
      throw error;
    }
  };
  return {
    async cycle(answer) {
      const n = ++seq;
      const ringMs = await hop(a, b, `${n}:invite`, { type: 'invitation.received', pad: PAD });
      const answerMs = await hop(b, a, `${n}:${answer}`, { type: answer === 'accept' ? 'invitation.accepted' : 'invitation.declined' });
      return { ringMs, answerMs };
    },
    close() {
      a.socket.close();
      b.socket.close();
    },
  };
}
