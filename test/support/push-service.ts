import { createECDH, randomBytes, type ECDH } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { freePort } from './server.js';

export interface PushRequest {
  /** The path's last segment: which subscription was addressed. */
  id: string;
  headers: Record<string, string>;
  body: Buffer;
  at: number;
  answered: number;
}

/** Where the stand-in listens: a project that pushes to it lists this host in its `pushServices`. */
export const PUSH_SERVICE_HOST = '127.0.0.1';

/**
 * A stand-in for a browser vendor's push service (RFC 8030) on a free loopback port: it records every
 * request and answers what the test says, so the test can check VAPID and decrypt the payload itself.
 */
export class PushService {
  readonly requests: PushRequest[] = [];
  /** Status to answer per subscription id; default 201 Created. */
  readonly status = new Map<string, number>();
  private server: Server | undefined;

  private constructor(readonly port: number) {}

  static async start(): Promise<PushService> {
    const service = new PushService(await freePort());
    // A sender that goes away mid-request (a server the test kills) delivered nothing: the read's rejection is dropped.
    const server = createServer((request, response) => void service.answer(request, response).catch(() => response.destroy()));
    await new Promise<void>((resolve) => server.listen(service.port, PUSH_SERVICE_HOST, () => resolve()));
    service.server = server;
    return service;
  }

  /** Records one push message and answers with the status set for its subscription. */
  private async answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const id = (request.url ?? '').split('/').pop() ?? '';
    const answered = this.status.get(id) ?? 201;
    const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, String(value)]));
    this.requests.push({ id, headers, body: Buffer.concat(chunks), at: Date.now(), answered });
    response.writeHead(answered, answered === 201 ? { location: `/message/${this.requests.length}` } : {}).end();
  }

  get origin(): string {
    return `http://${PUSH_SERVICE_HOST}:${this.port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  for(id: string): PushRequest[] {
    return this.requests.filter((request) => request.id === id);
  }

  async waitFor(predicate: () => boolean, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`push service: condition not met; requests: ${JSON.stringify(this.requests.map((r) => [r.id, r.answered]))}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** What a browser holds for one push subscription: the ECDH key pair and the auth secret. */
export interface BrowserSubscription {
  id: string;
  endpoint: string;
  ecdh: ECDH;
  auth: Buffer;
  json: { endpoint: string; expirationTime: null; keys: { p256dh: string; auth: string } };
}

export function browserSubscription(service: PushService, id: string): BrowserSubscription {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const auth = randomBytes(16);
  const endpoint = `${service.origin}/push/${id}`;
  return {
    id,
    endpoint,
    ecdh,
    auth,
    json: { endpoint, expirationTime: null, keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: auth.toString('base64url') } },
  };
}
