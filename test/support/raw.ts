import WebSocket, { type ClientOptions, type RawData } from 'ws';
import { SOCKET_PROTOCOL, TOKEN_PROTOCOL_PREFIX } from '../../src/protocol/socket.js';
import { createUserToken } from '../../src/server/tokens.js';
import { DEMO, uniqueUser } from './clients.js';

export interface RawFrame {
  type: string;
  requestId?: string | null;
  [key: string]: unknown;
}

/** A bare WebSocket speaking the wire protocol, for sending what a well-behaved client never would. */
export interface RawSocket {
  userId: string;
  socket: WebSocket;
  frames: RawFrame[];
  send(data: string | Buffer | object): void;
  /** Sends a request and resolves with the server's result or error frame for its requestId. */
  request(frame: RawFrame & { requestId: string }): Promise<RawFrame>;
  next(match: (frame: RawFrame) => boolean, timeoutMs?: number): Promise<RawFrame>;
  close(): Promise<void>;
}

/** Where a socket connects, and the subprotocols it offers: the token travels as one of them, never in the URL. */
export interface SocketAddress {
  url: string;
  protocols: string[];
}

export function socketUrl(
  host: string,
  params: { projectId?: string; userId: string; token?: string | null; apiKey?: string | null; deviceId?: string },
): SocketAddress {
  const query = new URLSearchParams();
  if (params.apiKey !== null) query.set('apiKey', params.apiKey ?? DEMO.apiKey);
  if (params.deviceId) query.set('deviceId', params.deviceId);
  return {
    url: `ws://${host}/parties/user-inbox/${params.projectId ?? DEMO.projectId}:${params.userId}?${query}`,
    protocols: [SOCKET_PROTOCOL, ...(params.token ? [TOKEN_PROTOCOL_PREFIX + params.token] : [])],
  };
}

export function openSocket(address: SocketAddress, options?: ClientOptions): WebSocket {
  return new WebSocket(address.url, address.protocols, options);
}

/** A message's text: these sockets keep ws's default binaryType, so every message arrives as one Buffer. */
export function frameText(data: RawData): string {
  return (data as Buffer).toString();
}

/** Tries to open a socket; resolves with the HTTP status of a refusal, or 101 when it opened. */
export function upgradeStatus(address: SocketAddress | string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const socket = typeof address === 'string' ? new WebSocket(address, { headers }) : openSocket(address, { headers });
    socket.on('open', () => {
      socket.close();
      resolve(101);
    });
    socket.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
    socket.on('error', () => resolve(0));
  });
}

export async function openRaw(host: string, userId = uniqueUser('raw'), deviceId?: string): Promise<RawSocket> {
  const { token } = await createUserToken({ projectId: DEMO.projectId, secret: DEMO.secret, userId, name: userId });
  return connectRaw(socketUrl(host, { userId, token, ...(deviceId ? { deviceId } : {}) }), userId);
}

/**
 * Opens a bare socket to `address` and resolves once its snapshot arrived; every frame is kept in `frames`.
 * `userId` names it in timeout messages.
 */
export async function connectRaw(address: SocketAddress, userId: string, snapshotTimeoutMs = 10_000): Promise<RawSocket> {
  const socket = openSocket(address);
  const frames: RawFrame[] = [];
  const waiters = new Set<{ match: (frame: RawFrame) => boolean; resolve: (frame: RawFrame) => void }>();
  socket.on('message', (data) => {
    const frame = JSON.parse(frameText(data)) as RawFrame;
    frames.push(frame);
    for (const waiter of waiters) {
      if (waiter.match(frame)) {
        waiters.delete(waiter);
        waiter.resolve(frame);
      }
    }
  });
  const next = (match: (frame: RawFrame) => boolean, timeoutMs = 10_000) =>
    new Promise<RawFrame>((resolve, reject) => {
      const seen = frames.find(match);
      if (seen) return resolve(seen);
      const waiter = { match, resolve: (frame: RawFrame) => (clearTimeout(timer), resolve(frame)) };
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`${userId}: no matching frame within ${timeoutMs} ms; got ${JSON.stringify(frames.slice(-5))}`));
      }, timeoutMs);
      waiters.add(waiter);
    });
  await next((frame) => frame.type === 'snapshot', snapshotTimeoutMs);
  return {
    userId,
    socket,
    frames,
    send: (data) => socket.send(typeof data === 'string' || Buffer.isBuffer(data) ? data : JSON.stringify(data)),
    request(frame) {
      const answer = next((reply) => (reply.type === 'result' || reply.type === 'error') && reply.requestId === frame.requestId);
      socket.send(JSON.stringify(frame));
      return answer;
    },
    next,
    close: () =>
      new Promise((resolve) => {
        if (socket.readyState === WebSocket.CLOSED) return resolve();
        socket.once('close', () => resolve());
        socket.close();
      }),
  };
}
