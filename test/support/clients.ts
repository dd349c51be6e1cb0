import WebSocket from 'ws';
import { BaxCloudClient } from '../../src/client/client.js';
import type { CallClient, ClientState } from '../../src/client/types.js';
import { createUserToken } from '../../src/server/tokens.js';

export const DEMO = { projectId: 'demo', apiKey: 'demo-api-key', secret: 'demo-secret' };

let counter = 0;
/** A user id no other test uses, so tests sharing one server never see each other's calls. */
export function uniqueUser(prefix = 'user'): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${++counter}`;
}

export interface ClientOptions {
  userId?: string;
  name?: string;
  deviceId?: string;
  project?: { projectId: string; apiKey: string; secret: string };
  requestTimeoutMs?: number;
  /** A token minted beforehand, as an app's backend hands one out (default: minted on each connect). */
  token?: string;
}

/** A token for `userId`, as an app's backend mints one (valid an hour). */
export async function userToken(project: { projectId: string; secret: string }, userId: string, name = userId): Promise<string> {
  return (await createUserToken({ projectId: project.projectId, secret: project.secret, userId, name })).token;
}

/** A real BaxCloudClient over a real WebSocket, resolved once the server's snapshot arrived. */
export async function connectClient(host: string, options: ClientOptions = {}): Promise<BaxCloudClient> {
  const project = options.project ?? DEMO;
  const userId = options.userId ?? uniqueUser();
  const client = new BaxCloudClient({
    projectId: project.projectId,
    apiKey: project.apiKey,
    host,
    user: { userId, name: options.name ?? userId },
    token: async () => options.token ?? (await userToken(project, userId, options.name ?? userId)),
    WebSocket,
    deviceId: options.deviceId ?? `device-${++counter}`,
    requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
  });
  await waitForState(client, (state) => state.connection === 'open', 15_000);
  return client;
}

export function waitForState(
  client: Pick<CallClient, 'getState' | 'subscribe'>,
  predicate: (state: ClientState) => boolean,
  timeoutMs = 10_000,
): Promise<ClientState> {
  return new Promise((resolve, reject) => {
    if (predicate(client.getState())) return resolve(client.getState());
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`state not reached within ${timeoutMs} ms: ${JSON.stringify(client.getState())}`));
    }, timeoutMs);
    const unsubscribe = client.subscribe((state) => {
      if (predicate(state)) {
        clearTimeout(timer);
        unsubscribe();
        resolve(state);
      }
    });
  });
}

type Subscribe<T> = (listener: (event: T) => void) => () => void;

/** Resolves with the next event a client's `on*` method reports that matches. */
export function nextEvent<T>(subscribe: Subscribe<T>, match: (event: T) => boolean = () => true, timeoutMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`no matching event within ${timeoutMs} ms`));
    }, timeoutMs);
    const unsubscribe = subscribe((event) => {
      if (!match(event)) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(event);
    });
  });
}

type EventSource = Pick<
  CallClient,
  | 'onInvitationReceived'
  | 'onInvitationAccepted'
  | 'onInvitationDeclined'
  | 'onInvitationCanceled'
  | 'onInvitationExpired'
  | 'onInvitationAnsweredElsewhere'
  | 'onInvitationDelivered'
  | 'onPresenceChanged'
  | 'onMissedCallsChanged'
>;

/** Every `on…` event a client reports, in order, as `[listener name, payload]`. */
export function recordEvents(client: EventSource): Array<[string, unknown]> {
  const events: Array<[string, unknown]> = [];
  const names = [
    'onInvitationReceived',
    'onInvitationAccepted',
    'onInvitationDeclined',
    'onInvitationCanceled',
    'onInvitationExpired',
    'onInvitationAnsweredElsewhere',
    'onInvitationDelivered',
    'onPresenceChanged',
    'onMissedCallsChanged',
  ] as const;
  for (const name of names) client[name]((payload: unknown) => events.push([name, payload]));
  return events;
}

/** Drops a client's socket as a network failure would; it reconnects by itself. Reaches into private parts. */
export function dropConnection(client: BaxCloudClient, code?: number): void {
  (client as unknown as { connection: { socket: { reconnect(code?: number): void } } }).connection.socket.reconnect(code);
}
