import { performance } from 'node:perf_hooks';
import { PartySocket } from 'partysocket';
import WebSocket from 'ws';
import type { BaxCloudClient } from '../../src/client/client.js';
import { connectClient, userToken } from '../../test/support/clients.js';
import { groupCpuMs, groupWorkerdRssKb } from './cpu.js';
import { inBatches } from './pairs.js';
import { ErrorTally } from './stats.js';
import type { StartedWorker } from './wrangler.js';

/** One connected user, one device: how often it was served (the first snapshot, then one per reconnect). */
export interface HeldUser {
  served: number;
  close(): void;
}

export interface UsersRun {
  users: number;
  /** Wall time to connect them all, `concurrency` at a time, each until served (our snapshot, the holder's frame). */
  connectMs: number;
  perSecond: number;
  /** workerd RSS (KiB) before connecting, right after, and after `idleMs` of silence. */
  rssBeforeKb: number | null;
  rssConnectedKb: number | null;
  rssIdleKb: number | null;
  idleMs: number;
  /** (idle − before) / users, KiB. */
  idleKbPerUser: number | null;
  /** workerd CPU (user + system) per connect, ms; and this process's (the clients'), ms. */
  workerdCpuMsPerConnect: number | null;
  clientCpuMsPerConnect: number;
  /** (connected − before) / users, KiB: every object still awake. */
  connectedKbPerUser: number | null;
  restart?: {
    /** From the kill until the new server answered its health path. */
    serverDownMs: number;
    /** From the server answering until every user was served again. */
    resyncAfterUpMs: number | null;
    /** From the kill until every user was served again. */
    resyncAfterDownMs: number | null;
    notResynced: number;
  };
  errors: ErrorTally;
}

export interface UsersOptions {
  server: StartedWorker;
  users: number;
  concurrency: number;
  idleMs: number;
  restart: boolean;
  resyncTimeoutMs: number;
  connect: (index: number) => Promise<HeldUser>;
  log: (message: string) => void;
  /** Users connected and not closed yet, so the run's cleanup can close them. */
  open: Set<HeldUser>;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Connects `users` users (one device each), measures the connect rate and the workerd memory they cost, awake and
 * after `idleMs` of silence (workerd evicts an object 10 s after its last event; its hibernatable sockets stay
 * open), then optionally kills the server, starts it again on the same state and port, and measures how long until
 * every user is served again. Closes every user at the end.
 */
export async function runUsers(options: UsersOptions): Promise<UsersRun> {
  const { server, users, log } = options;
  const errors = new ErrorTally();
  const rssBeforeKb = groupWorkerdRssKb(server.pgid) ?? null;
  const cpuBefore = groupCpuMs(server.pgid);
  const clientBefore = process.cpuUsage();
  const started = performance.now();
  const held: HeldUser[] = [];
  await inBatches(users, options.concurrency, async (index) => {
    try {
      const user = await options.connect(index);
      held.push(user);
      options.open.add(user);
    } catch (error) {
      errors.add(error);
    }
  });
  const connectMs = performance.now() - started;
  const cpuAfter = groupCpuMs(server.pgid);
  const client = process.cpuUsage(clientBefore);
  const perConnect = (ms: number) => Math.round((ms / Math.max(1, held.length)) * 100) / 100;
  const rssConnectedKb = groupWorkerdRssKb(server.pgid) ?? null;
  log(`  ${held.length} users connected in ${(connectMs / 1000).toFixed(1)} s; idle for ${options.idleMs / 1000} s`);
  await pause(options.idleMs);
  const rssIdleKb = groupWorkerdRssKb(server.pgid) ?? null;
  const perUser = (kb: number | null) =>
    kb === null || rssBeforeKb === null || held.length === 0 ? null : Math.round(((kb - rssBeforeKb) / held.length) * 10) / 10;

  let restart: UsersRun['restart'];
  if (options.restart && held.length > 0) {
    for (const user of held) user.served = 0;
    log('  killing the server and starting it again on the same state');
    const { downAt, upAt } = await server.restart();
    const deadline = performance.now() + options.resyncTimeoutMs;
    let allAt: number | null = null;
    for (;;) {
      if (held.every((user) => user.served > 0)) {
        allAt = performance.now();
        break;
      }
      if (performance.now() > deadline) break;
      await pause(20);
    }
    const notResynced = held.filter((user) => user.served === 0).length;
    if (notResynced > 0) errors.add(Object.assign(new Error(`${notResynced} users not served again`), { code: 'not_resynced' }));
    restart = {
      serverDownMs: Math.round(upAt - downAt),
      resyncAfterUpMs: allAt === null ? null : Math.round(allAt - upAt),
      resyncAfterDownMs: allAt === null ? null : Math.round(allAt - downAt),
      notResynced,
    };
  }
  for (const user of held) {
    user.close();
    options.open.delete(user);
  }
  return {
    users: held.length,
    connectMs: Math.round(connectMs),
    perSecond: Math.round((held.length / (connectMs / 1000)) * 10) / 10,
    rssBeforeKb,
    rssConnectedKb,
    rssIdleKb,
    idleMs: options.idleMs,
    idleKbPerUser: perUser(rssIdleKb),
    workerdCpuMsPerConnect: cpuBefore && cpuAfter ? perConnect(cpuAfter.workerd - cpuBefore.workerd) : null,
    clientCpuMsPerConnect: perConnect((client.user + client.system) / 1000),
    connectedKbPerUser: perUser(rssConnectedKb),
    restart,
    errors,
  };
}

/**
 * A BaxCloudClient; served each time its connection opens (the client opens on the server's snapshot). `token`: one
 * minted beforehand (mintTokens), as an app's backend hands it out, so that the connect rate does not count the
 * backend's work.
 */
export async function connectOurUser(
  host: string,
  userId: string,
  project: { projectId: string; apiKey: string; secret: string },
  timeoutMs: number,
  token?: string,
): Promise<HeldUser> {
  const client: BaxCloudClient = await connectClient(host, { userId, name: userId, deviceId: `${userId}-d`, project, requestTimeoutMs: timeoutMs, token });
  const user = { served: 1, close: () => client.disconnect() };
  let connection = client.getState().connection;
  client.subscribe((state) => {
    if (state.connection === connection) return;
    connection = state.connection;
    if (connection === 'open') user.served++;
  });
  return user;
}

/** Tokens for `userIds` (valid an hour), minted before a timed connect as an app's backend mints them ahead of use. */
export async function mintTokens(userIds: string[], project: { projectId: string; secret: string }): Promise<string[]> {
  return Promise.all(userIds.map((userId) => userToken(project, userId)));
}

/** Which holder a baseline socket connects to (see connectHeldSocket). */
export type HolderKind = 'bare' | 'write' | 'alarm' | 'party';

/**
 * A bare socket to a Holder (bench/baseline/worker.ts), with the client's reconnect settings (src/client/connection.ts);
 * `write`: the holder writes one row per connect; `alarm`: it sets its alarm on each connect, as an inbox does for the
 * token's expiry; `party`: the holder built on partyserver, which sets its alarm too (bench/baseline/party-holder.ts,
 * a server of its own).
 */
export function connectHeldSocket(host: string, name: string, timeoutMs: number, holder: HolderKind = 'bare'): Promise<HeldUser> {
  const socket = new PartySocket({
    host,
    protocol: 'ws',
    party: holder === 'party' ? 'party-holder' : 'holder',
    room: name,
    query: holder === 'write' ? { durable: '1' } : holder === 'alarm' ? { alarm: '1' } : {},
    WebSocket,
    minReconnectionDelay: 250 + Math.random() * 500,
    maxReconnectionDelay: 5000,
    connectionTimeout: 10_000,
    maxEnqueuedMessages: 0,
  });
  const user = { served: 0, close: () => socket.close() };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.close();
      reject(Object.assign(new Error(`holder socket ${name} not served within ${timeoutMs} ms`), { code: 'connect_timeout' }));
    }, timeoutMs);
    socket.addEventListener('message', () => {
      if (++user.served === 1) {
        clearTimeout(timer);
        resolve(user);
      }
    });
  });
}
