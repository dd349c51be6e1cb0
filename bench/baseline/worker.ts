import { DurableObject } from 'cloudflare:workers';
import { routeToObject, type ObjectStub } from './routing.js';

/**
 * The benchmark's baseline: the least a Durable Object can do on our invitation path.
 *
 *   A's socket → A's Forwarder → RPC deliver() → B's Forwarder → B's socket(s)
 *
 * which mirrors A's socket → A's UserInbox → RPC deliverInvitation() → B's UserInbox → B's socket. A's object
 * reads only the target out of the frame, forwards the frame text unchanged and acks the sender once the RPC
 * returned (as the real server answers `invite` once delivery returned). No auth, no validation, no storage.
 *
 * Sockets opened with `?durable=1` add the one thing a durable invitation cannot do without: each object stores
 * the frame in its SQLite before passing it on (the sender's object before the RPC, the receiver's before its
 * sockets), so the frame waits for one storage commit in each object, as an invitation must.
 */

interface ForwarderStub {
  deliver(frame: string, durable: boolean, deliveredEvent: { frameId: unknown } | null): Promise<number>;
}

interface Namespace<Stub> {
  idFromName(name: string): unknown;
  get(id: unknown): Stub;
}

interface Env {
  Forwarder: Namespace<ForwarderStub>;
  Holder: Namespace<unknown>;
  /** Where `?hook=1` sockets' events go, and the endpoint's `whsec_…` secret. */
  HOOK_URL?: string;
  HOOK_SECRET?: string;
}

/** What a forwarded frame says of itself (bench/lib/pairs.ts): its step's event type. */
interface Frame {
  to?: unknown;
  id?: unknown;
  type?: unknown;
}

// The runtime's global, declared here so the Node type-check of bench/ accepts this file too.
declare const WebSocketPair: new () => { 0: WebSocket; 1: WebSocket };

export class Forwarder extends DurableObject<Env> {
  private tableReady = false;
  private hookKey: Promise<CryptoKey> | undefined;

  /** One signed POST of an event to HOOK_URL, kept alive by waitUntil and awaited by nothing else. */
  private hook(type: string, frameId: unknown): void {
    const { HOOK_URL: url, HOOK_SECRET: secret } = this.env;
    if (!url || !secret) throw new Error('HOOK_URL and HOOK_SECRET are needed for ?hook=1');
    this.hookKey ??= crypto.subtle.importKey(
      'raw',
      Uint8Array.from(atob(secret.slice('whsec_'.length)), (c) => c.charCodeAt(0)),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    const id = `msg_${crypto.randomUUID().replace(/-/g, '')}`;
    const timestamp = String(Math.floor(Date.now() / 1000));
    const body = JSON.stringify({
      type,
      timestamp: new Date().toISOString(),
      data: { invitationId: String(frameId).split(':')[0], userId: this.ctx.id.toString() },
    });
    const send = async () => {
      const mac = await crypto.subtle.sign('HMAC', await this.hookKey!, new TextEncoder().encode(`${id}.${timestamp}.${body}`));
      const signature = btoa(String.fromCharCode(...new Uint8Array(mac)));
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${signature}` },
        body,
      });
      await response.body?.cancel();
    };
    this.ctx.waitUntil(send().catch((error: unknown) => console.error('hook failed', error)));
  }

  private store(id: unknown, frame: string): void {
    if (!this.tableReady) {
      this.ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS frames (id TEXT, body TEXT NOT NULL, at INTEGER NOT NULL)');
      this.tableReady = true;
    }
    this.ctx.storage.sql.exec('INSERT INTO frames (id, body, at) VALUES (?, ?, ?)', String(id), frame, Date.now());
  }

  override fetch(request: Request): Response {
    if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') return new Response('WebSocket only', { status: 426 });
    const { 0: client, 1: server } = new WebSocketPair();
    const query = new URL(request.url).searchParams;
    const tags = [...(query.get('durable') === '1' ? ['durable'] : []), ...(query.get('hook') === '1' ? ['hook'] : [])];
    this.ctx.acceptWebSocket(server, tags);
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- the root tsconfig checks this file too, with the DOM's ResponseInit
    return new Response(null, { status: 101, webSocket: client } as ResponseInit);
  }

  /** A frame from this object's own user: `{ "to": "<name>", "id": "…", … }`. */
  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    if (typeof message !== 'string') return;
    let frame: Frame;
    try {
      frame = JSON.parse(message) as Frame;
    } catch {
      ws.send('{"type":"error","message":"malformed JSON"}');
      return;
    }
    if (typeof frame.to !== 'string') {
      ws.send('{"type":"error","message":"to is required"}');
      return;
    }
    try {
      const tags = this.ctx.getTags(ws);
      const durable = tags.includes('durable');
      const hooked = tags.includes('hook');
      if (durable) this.store(frame.id, message);
      // An invite's delivery is an event of the receiver's too (the sender read the frame already: it says which).
      const deliveredEvent = hooked && frame.type === 'invitation.received' ? { frameId: frame.id } : null;
      const delivered = await this.env.Forwarder.get(this.env.Forwarder.idFromName(frame.to)).deliver(message, durable, deliveredEvent);
      ws.send(JSON.stringify({ type: 'ack', id: frame.id, delivered }));
      if (hooked) this.hook(frame.type === 'invitation.received' ? 'invitation.created' : String(frame.type), frame.id);
    } catch (error) {
      console.error('forward failed', error);
      ws.send(JSON.stringify({ type: 'error', id: frame.id, message: String(error) }));
    }
  }

  override webSocketClose(ws: WebSocket, code: number, reason: string): void {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
    } catch {
      // already closed
    }
  }

  /**
   * RPC from another user's Forwarder: send the frame to every socket of this user (after storing it, if durable);
   * `deliveredEvent`: the delivery is an event to POST as well (an invite's, on `?hook=1` sockets).
   */
  deliver(frame: string, durable: boolean, deliveredEvent: { frameId: unknown } | null): number {
    if (durable) this.store(null, frame);
    const sockets = this.ctx.getWebSockets();
    for (const socket of sockets) socket.send(frame);
    if (deliveredEvent) this.hook('invitation.delivered', deliveredEvent.frameId);
    return sockets.length;
  }
}

/**
 * The connected-users baseline: one object per user that holds that user's socket and nothing else (hibernatable,
 * no storage, no state). It sends one small frame when a socket opens, so that a client can tell when it is served
 * again after a reconnect, as our snapshot tells a BaxCloudClient.
 *
 * With `?durable=1` it also writes one row when a socket opens (the object's SQLite table created on first use),
 * before it answers: the least an object that keeps anything of its user pays per connect. With `?alarm=1` it sets
 * its alarm an hour ahead instead, before it answers, as an inbox does to close a socket when its token expires.
 */
export class Holder extends DurableObject<Env> {
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') return new Response('WebSocket only', { status: 426 });
    const params = new URL(request.url).searchParams;
    if (params.get('durable') === '1') {
      this.ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS opened (at INTEGER NOT NULL)');
      this.ctx.storage.sql.exec('INSERT INTO opened (at) VALUES (?)', Date.now());
    }
    if (params.get('alarm') === '1') await this.ctx.storage.setAlarm(Date.now() + 3_600_000);
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    server.send('{"type":"snapshot"}');
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- the root tsconfig checks this file too, with the DOM's ResponseInit
    return new Response(null, { status: 101, webSocket: client } as ResponseInit);
  }

  /** The alarm `?alarm=1` sets (an hour ahead: never due within a run). */
  override alarm(): void {}

  override webSocketClose(ws: WebSocket, code: number, reason: string): void {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
    } catch {
      // already closed
    }
  }
}

export default {
  fetch(request: Request, env: Env): Response | Promise<Response> {
    return routeToObject(request, (party, name) => {
      const namespace: Namespace<unknown> | undefined = party === 'holder' ? env.Holder : party === 'forwarder' ? env.Forwarder : undefined;
      return namespace && (namespace.get(namespace.idFromName(name)) as ObjectStub);
    });
  },
};
