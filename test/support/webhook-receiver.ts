import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Webhook } from 'standardwebhooks';
import type { UserInfo } from '../../src/protocol/types.js';
import { freePort } from './server.js';

/**
 * The fields of an event's `data` the tests read. Each event type carries some of them (docs/backend.md); a test
 * picks events by `type` first.
 */
export interface WebhookEventData {
  projectId?: string;
  invitationId?: string;
  invitation?: { invitationId: string; roomName: string; fromUser: UserInfo; ring?: false };
  /** On invitation.canceled and invitation.expired: whether the invitee missed the call. */
  missed?: boolean;
  ring?: false;
  invitees?: Array<{ userId: string }>;
  userId?: string;
  roomName?: string;
  callId?: string;
  startedAt?: number;
  endedAt?: number | null;
  durationMs?: number | null;
  participants?: unknown[];
}

export interface ReceivedWebhook {
  id: string;
  timestamp: number;
  signature: string;
  body: string;
  /** Parsed body, after the signature verified. */
  payload: { type: string; timestamp: string; data: WebhookEventData };
  /** When the request arrived (local clock, ms). */
  at: number;
  /** What the receiver answered. */
  answered: number;
}

/** Decides the answer to one request: a status (and headers), optionally after a delay. */
export type Behaviour = (request: { id: string; attempt: number; payload: ReceivedWebhook['payload'] }) => {
  status: number;
  headers?: Record<string, string>;
  delayMs?: number;
};

/**
 * A real HTTP webhook receiver on a free loopback port. Every request is verified with the official
 * `standardwebhooks` package before it is recorded; a request that fails verification fails the test.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  readonly rejected: Array<{ reason: string; headers: IncomingMessage['headers']; body: string }> = [];
  behaviour: Behaviour = () => ({ status: 204 });
  secret = '';
  /** Requests the receiver is holding (delayed) right now. */
  inFlight = 0;
  private server: Server | undefined;
  private readonly attemptsById = new Map<string, number>();
  private readonly sockets = new Set<import('node:net').Socket>();

  private constructor(readonly port: number) {}

  static async start(): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver(await freePort());
    await receiver.up();
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  /** Starts listening (again) on the same port. */
  async up(): Promise<void> {
    if (this.server) return;
    // A sender that goes away mid-request (a server the test kills) delivered nothing: the read's rejection is dropped.
    const server = createServer((request, response) => void this.handle(request, response).catch(() => response.destroy()));
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }

  /** Stops listening and drops open connections: senders see "connection refused" until `up()`. */
  async down(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Distinct webhook ids delivered with a 2xx answer. */
  acceptedIds(): Set<string> {
    return new Set(this.received.filter((hook) => hook.answered >= 200 && hook.answered < 300).map((hook) => hook.id));
  }

  async waitFor(predicate: () => boolean, timeoutMs = 20_000, what = 'webhooks'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}; received: ${JSON.stringify(this.received.map((hook) => [hook.id, hook.payload.type, hook.answered]))}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    let payload: ReceivedWebhook['payload'];
    try {
      payload = new Webhook(this.secret).verify(body, {
        'webhook-id': String(request.headers['webhook-id']),
        'webhook-timestamp': String(request.headers['webhook-timestamp']),
        'webhook-signature': String(request.headers['webhook-signature']),
      }) as ReceivedWebhook['payload'];
    } catch (error) {
      this.rejected.push({ reason: String(error), headers: request.headers, body });
      response.writeHead(400).end();
      return;
    }
    const id = String(request.headers['webhook-id']);
    const attempt = (this.attemptsById.get(id) ?? 0) + 1;
    this.attemptsById.set(id, attempt);
    const answer = this.behaviour({ id, attempt, payload });
    const hook: ReceivedWebhook = {
      id,
      timestamp: Number(request.headers['webhook-timestamp']),
      signature: String(request.headers['webhook-signature']),
      body,
      payload,
      at: Date.now(),
      answered: answer.status,
    };
    if (answer.delayMs) {
      this.inFlight++;
      await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
      this.inFlight--;
      // The sender gave up waiting (its timeout): this answer never reaches it, so it acknowledges nothing.
      if (request.socket.destroyed) hook.answered = 0;
    }
    this.received.push(hook);
    if (!response.destroyed) response.writeHead(answer.status, answer.headers).end();
  }
}
