/**
 * The invitation benchmark: `npm run bench` (options: `npm run bench -- --help`; see bench/README.md).
 *
 * Against the real signaling server under `wrangler dev` and, in the same run, against bare forwarding Durable
 * Objects (bench/baseline) on the same path, A's socket → A's object → RPC → B's object → B's socket:
 *   1. latency: time-to-ring (send → the invitee's onInvitationReceived) and the accept round trip
 *      (acceptCallInvitation → the sender's onInvitationAccepted), one pair at a time for context, then with a
 *      moderate number of pairs in flight, in alternating rounds so that load drifting on the machine hits every
 *      side alike, with the skeleton of our stack (bench/baseline/skeleton.ts) as a fourth side for CPU per cycle;
 *   2. sustained throughput with many concurrent pairs (invite → ring → accept or decline → the sender hears it).
 * Prints tables and PASS/FAIL lines and writes bench/results/latest.json.
 * Exit code: 0 every target met; 1 errors, or the run could not complete; 2 no errors but a target missed.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { reportBackendSection, runBackendSection, type BackendBenchResult } from './backend.js';
import { printHubSection, runHubSection, type HubBenchResult } from './hub.js';
import { groupCpuMs } from './lib/cpu.js';
import { runLatency, runThroughput, type LatencyRun, type ThroughputRun } from './lib/drive.js';
import { connectBaselinePair, connectOurPair, drops, inBatches, serverVars, type Pair } from './lib/pairs.js';
import { ErrorTally, summarize, type Summary } from './lib/stats.js';
import { connectHeldSocket, connectOurUser, mintTokens, runUsers, type HeldUser, type HolderKind, type UsersRun } from './lib/users.js';
import { currentStorage, DEFAULT_STORAGE, startWrangler, useStorage, type StartedWorker } from './lib/wrangler.js';
import { reportWorkerSize, runWorkerSize, type WorkerSizeRun } from './worker-size.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const BENCH_PROJECT = {
  projectId: 'bench',
  apiKey: 'bench-key',
  secret: 'bench-secret',
  // The default of 30 a minute per user is a product limit, not what this measures.
  invitesPerMinute: 100_000,
  allowedOrigins: ['*'],
};

const SECTIONS = ['users', 'latency', 'throughput', 'webhooks', 'backend', 'worker'] as const;
type Section = (typeof SECTIONS)[number];

const { values: args } = parseArgs({
  options: {
    invitations: { type: 'string', default: '2000' },
    'latency-pairs': { type: 'string', default: '20' },
    warmup: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '10' },
    'unloaded-invitations': { type: 'string', default: '200' },
    pairs: { type: 'string', default: '200' },
    duration: { type: 'string', default: '15' },
    ramp: { type: 'string', default: '3' },
    'timeout-ms': { type: 'string', default: '10000' },
    out: { type: 'string', default: 'bench/results/latest.json' },
    'max-seconds': { type: 'string', default: '1200' },
    'skip-durable-throughput': { type: 'boolean', default: false },
    users: { type: 'string', default: '2000' },
    'users-concurrency': { type: 'string', default: '50' },
    'idle-seconds': { type: 'string', default: '15' },
    only: { type: 'string' },
    storage: { type: 'string', default: DEFAULT_STORAGE },
    help: { type: 'boolean', default: false },
  },
});

if (args.help) {
  console.log(`npm run bench -- [options]
  --invitations N           latency samples per side, N pairs in flight      default 2000
  --latency-pairs N         pairs in flight while measuring latency          default 20
  --warmup N                unrecorded cycles per pair before measuring      default 10
  --rounds N                alternating latency rounds                       default 10
  --unloaded-invitations N  one-pair latency samples per side (0: skip)      default 200
  --pairs N                 concurrent pairs in the throughput phase         default 200
  --duration S              measured seconds of each throughput phase        default 15
  --ramp S                  unmeasured seconds before that                   default 3
  --timeout-ms MS           client request and event timeout                 default 10000
  --out FILE                results JSON                                     default bench/results/latest.json
  --max-seconds S           hard limit for the whole run                     default 1200
  --skip-durable-throughput skip the throughput phase of the baseline with writes (~20 s)
  --users N                 connected users per side (0: skip that section)  default 2000
  --users-concurrency N     connects in flight at a time                     default 50
  --idle-seconds S          silence before the idle memory is read           default 15
  --only SECTIONS           comma-separated: users, latency, throughput,     default all
                            webhooks (bench/hub.ts), backend (bench/backend.ts),
                            worker (bench/worker-size.ts)
                            (targets of sections not run are not checked)
  --storage ram|disk        where the servers keep their state: /dev/shm     default ${DEFAULT_STORAGE}
                            or the OS temp folder (see bench/README.md)`);
  process.exit(0);
}

function count(name: keyof typeof args, min: number): number {
  const value = Number(args[name]);
  if (!Number.isInteger(value) || value < min) {
    console.error(`--${name} must be an integer ≥ ${min}`);
    process.exit(1);
  }
  return value;
}

if (args.storage !== 'ram' && args.storage !== 'disk') {
  console.error('--storage is ram or disk');
  process.exit(1);
}
useStorage(args.storage);

const config = {
  storage: args.storage,
  invitations: count('invitations', 1),
  latencyPairs: count('latency-pairs', 1),
  warmupCycles: count('warmup', 0),
  rounds: count('rounds', 1),
  unloadedInvitations: count('unloaded-invitations', 0),
  pairs: count('pairs', 1),
  durationMs: count('duration', 1) * 1000,
  rampMs: count('ramp', 0) * 1000,
  timeoutMs: count('timeout-ms', 100),
  maxSeconds: count('max-seconds', 10),
  durableThroughput: args['skip-durable-throughput'] !== true,
  users: count('users', 0),
  usersConcurrency: count('users-concurrency', 1),
  idleMs: count('idle-seconds', 0) * 1000,
  sections: sectionsToRun(args.only),
};

function sectionsToRun(only: string | undefined): Set<Section> {
  if (only === undefined) return new Set(SECTIONS);
  const names = only.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !(SECTIONS as readonly string[]).includes(name));
  if (unknown.length > 0 || names.length === 0) {
    console.error(`--only takes a comma-separated list of ${SECTIONS.join(', ')}`);
    process.exit(1);
  }
  return new Set(names as Section[]);
}

/**
 * The open-file limit this process and the servers it starts inherit (`ulimit -n`; Linux only). Node cannot raise
 * it, so the run stops with a clear message when it cannot hold the users: each needs a socket here and one in
 * workerd, and each object's SQLite files take a few more.
 */
function checkOpenFileLimit(users: number): void {
  let soft: number;
  try {
    const line = /^Max open files\s+(\S+)\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    soft = line?.[1] === 'unlimited' ? Infinity : Number(line?.[1]);
  } catch {
    return;
  }
  const needed = users * 6 + 1000;
  if (Number.isFinite(soft) && soft < needed) {
    console.error(`--users ${users} needs an open-file limit of about ${needed} (ulimit -n is ${soft}): raise it (ulimit -n ${needed}) or connect fewer users`);
    process.exit(1);
  }
}
if (config.sections.has('users') && config.users > 0) checkOpenFileLimit(config.users);

// ---- lifecycle: everything started is stopped, on success, failure, signal or the watchdog --------------

const servers: StartedWorker[] = [];
const openPairs = new Set<Pair>();
const openUsers = new Set<HeldUser>();
const starting = new AbortController();
let cleaning: Promise<void> | undefined;

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    starting.abort();
    for (const pair of openPairs) {
      try {
        pair.close();
      } catch {
        // closing anyway
      }
    }
    openPairs.clear();
    for (const user of openUsers) {
      try {
        user.close();
      } catch {
        // closing anyway
      }
    }
    openUsers.clear();
    await Promise.allSettled(servers.map((server) => server.stop()));
  })();
  return cleaning;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping the servers`);
    void cleanup().finally(() => process.exit(130));
  });
}

const watchdog = setTimeout(() => {
  console.error(`\nthe benchmark exceeded --max-seconds ${config.maxSeconds}: stopping`);
  void cleanup().finally(() => process.exit(1));
}, config.maxSeconds * 1000);
watchdog.unref();

function log(message: string): void {
  console.log(`[${(performance.now() / 1000).toFixed(1).padStart(6)}s] ${message}`);
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- the sides -------------------------------------------------------------------------------------------

type SideName = 'ours' | 'baseline' | 'durable' | 'skeleton';
/**
 * The users section's floors, in the order they run and print: each a holder on a baseline server of its own. `row`,
 * `cpu` and `ratio` name it in the report's table, CPU line and connect-rate line.
 */
const USER_FLOORS = [
  // The least an object that keeps anything pays per connect.
  {
    key: 'durable',
    holder: 'write',
    prefix: 'dhold',
    name: 'holder + 1 write',
    does: 'writes a row per connect',
    row: '  + 1 write per connect',
    cpu: 'baseline + 1 write',
    ratio: 'the holder + 1 write',
  },
  // What our connect must pay at least: an alarm to close the socket when its token expires.
  {
    key: 'alarm',
    holder: 'alarm',
    prefix: 'ahold',
    name: 'holder + alarm',
    does: 'sets its alarm per connect',
    row: '  + its alarm set per connect',
    cpu: 'baseline + alarm',
    ratio: '+ its alarm',
  },
  // The same holder built on partyserver's Server, as the inbox is: what the framework adds to a connect.
  {
    key: 'party',
    holder: 'party',
    prefix: 'phold',
    name: "holder on partyserver's Server + alarm",
    does: "runs on partyserver's Server and sets its alarm per connect",
    row: "  + partyserver's Server, alarm",
    cpu: 'partyserver + alarm',
    ratio: 'on partyserver with its alarm',
  },
] as const satisfies ReadonlyArray<{ key: string; holder: Exclude<HolderKind, 'bare'> } & Record<'prefix' | 'name' | 'does' | 'row' | 'cpu' | 'ratio', string>>;
type FloorKey = (typeof USER_FLOORS)[number]['key'];
/** The users section: ours, the bare holder, and its floors. */
type UsersSection = Record<'ours' | 'baseline' | FloorKey, UsersRun>;
/**
 * The latency section's sides. The skeleton (bench/baseline/skeleton.ts) is our own Worker with the inbox's invitation
 * handling cut to the least an answerable invitation needs: between the durable forward and it lies what our stack
 * costs, between it and ours what the inbox's logic does. It runs in the latency section only.
 */
const SIDES: readonly SideName[] = ['ours', 'baseline', 'durable', 'skeleton'];
const LABEL: Record<SideName, string> = {
  ours: 'BaxCloud Call',
  baseline: 'bare forward (baseline)',
  durable: 'bare forward + 1 write/object',
  skeleton: 'skeleton of our stack',
};

interface Side {
  connect: () => Promise<Pair>;
  /** The process group of the wrangler serving it, for CPU accounting (a new one after a restart). */
  pgid: () => number | undefined;
  warmupErrors: ErrorTally;
  unloaded: LatencyRun;
  latency: LatencyRun;
  latencyCpuMs?: number;
  throughput?: ThroughputRun;
  throughputCpuMs?: number;
}

const runId = `${process.pid.toString(36)}${Date.now().toString(36)}`;
const loadAtStart = loadavg();
let userCounter = 0;
/** User ids unique to this run, so nothing persisted by another run can interfere. */
function pairIds(prefix: string): { caller: string; callee: string } {
  const n = ++userCounter;
  return { caller: `${prefix}-${runId}-${n}-a`, callee: `${prefix}-${runId}-${n}-b` };
}

function emptyLatency(): LatencyRun {
  return { ring: [], answer: [], completed: 0, errors: new ErrorTally(), elapsedMs: 0 };
}

async function connectPairs(count: number, connect: () => Promise<Pair>): Promise<Pair[]> {
  return inBatches(count, 10, async () => {
    const pair = await connect();
    openPairs.add(pair);
    return pair;
  });
}

function closePairs(pairs: readonly Pair[]): void {
  for (const pair of pairs) {
    pair.close();
    openPairs.delete(pair);
  }
}

/** Runs `fn` and adds the workerd CPU time it took on `side`'s server. */
async function withCpu<T>(side: Side, fn: () => Promise<T>): Promise<{ result: T; cpuMs: number | undefined }> {
  const before = groupCpuMs(side.pgid());
  const result = await fn();
  const after = groupCpuMs(side.pgid());
  return { result, cpuMs: before && after ? after.workerd - before.workerd : undefined };
}

// ---- the run ---------------------------------------------------------------------------------------------

/** A baseline alone (bench/baseline/worker.ts, or another config of that folder), on a fresh state. */
async function startBaseline(config = 'bench/baseline/wrangler.jsonc'): Promise<[StartedWorker]> {
  const baseline = await startWrangler({ config, healthPath: '/health', signal: starting.signal });
  servers.push(baseline);
  return [baseline];
}

/** Starts the signaling server and the baseline, each `wrangler dev` on 127.0.0.1 with fresh state. */
async function startServers(): Promise<[StartedWorker, StartedWorker]> {
  const started = await Promise.allSettled([
    // Like invitesPerMinute, the per-connection frame rate is a product limit, not what this measures.
    startWrangler({
      config: 'wrangler.jsonc',
      healthPath: '/v1/health',
      vars: serverVars([BENCH_PROJECT]),
      signal: starting.signal,
    }),
    startWrangler({ config: 'bench/baseline/wrangler.jsonc', healthPath: '/health', signal: starting.signal }),
  ]);
  const pair: StartedWorker[] = [];
  for (const result of started) if (result.status === 'fulfilled') pair.push(result.value);
  servers.push(...pair);
  for (const result of started) if (result.status === 'rejected') throw result.reason;
  return pair as [StartedWorker, StartedWorker];
}

/** Stops servers a section started for itself, and forgets them. */
async function stopServers(pair: StartedWorker[]): Promise<void> {
  await Promise.allSettled(pair.map((server) => server.stop()));
  for (const server of pair) servers.splice(servers.indexOf(server), 1);
}

async function main(): Promise<number> {
  const state = currentStorage();
  log(`load average ${loadAtStart.map((n) => n.toFixed(2)).join(' ')} on ${cpus().length} cores; the servers' state in ${state.folder} (${state.kind})`);
  mkdirSync(join(root, '.bench'), { recursive: true });
  // 0. connected users: memory, connect rate, resync after a restart, on a server pair of their own: the 2,000 users'
  // departures (a profile write and a grace-period alarm each, 15 s later) must not run during the later sections.
  let users: UsersSection | undefined;
  const usersErrors = { ours: [] as string[], baseline: [] as string[] };
  if (config.sections.has('users') && config.users > 0) {
    log('bundling and starting a signaling server and a baseline for the users section (wrangler dev on 127.0.0.1, fresh state)');
    const [server, bare] = await startServers();
    const common = {
      users: config.users,
      concurrency: config.usersConcurrency,
      idleMs: config.idleMs,
      restart: true,
      resyncTimeoutMs: 90_000,
      log,
      open: openUsers,
    };
    log(`users (baseline): connecting ${config.users} users, one bare holder object each`);
    const baseline = await runUsers({ ...common, server: bare, connect: (i) => connectHeldSocket(bare.host, `hold-${runId}-${i}`, config.timeoutMs) });
    await stopServers([bare]);
    // Each floor on a baseline server of its own, so that its memory is its users' alone.
    const floors = {} as Record<FloorKey, UsersRun>;
    let floorLogs = '';
    for (const { key, holder, prefix, name, does } of USER_FLOORS) {
      const [floorServer] = await startBaseline(holder === 'party' ? 'bench/baseline/party-holder.wrangler.jsonc' : undefined);
      log(`users (baseline: ${name}): connecting ${config.users} users, one holder object each that ${does}`);
      floors[key] = await runUsers({
        ...common,
        server: floorServer,
        connect: (i) => connectHeldSocket(floorServer.host, `${prefix}-${runId}-${i}`, config.timeoutMs, holder),
      });
      floorLogs += `\n--- ${name} ---\n${floorServer.logs()}`;
      await stopServers([floorServer]);
    }
    log(`users (ours): connecting ${config.users} users, one device each`);
    // Their tokens are minted before the clock starts: that is the app's backend's work, which the holders skip.
    const userIds = Array.from({ length: config.users }, (_, i) => `user-${runId}-${i}`);
    const tokens = await mintTokens(userIds, BENCH_PROJECT);
    const ours = await runUsers({
      ...common,
      server,
      connect: (i) => connectOurUser(server.host, userIds[i]!, BENCH_PROJECT, config.timeoutMs, tokens[i]),
    });
    users = { ours, baseline, ...floors };
    for (const user of openUsers) user.close();
    openUsers.clear();
    writeFileSync(join(root, '.bench/wrangler-users-server.log'), server.logs());
    writeFileSync(join(root, '.bench/wrangler-users-baseline.log'), bare.logs() + floorLogs);
    usersErrors.ours = errorLines(server.logs());
    usersErrors.baseline = errorLines(bare.logs() + floorLogs);
    await stopServers([server]);
  }

  log('bundling and starting the signaling server and the baseline (wrangler dev on 127.0.0.1, fresh state)');
  const [server, bare] = await startServers();
  const logOffsets = [server.logs().length, bare.logs().length];
  log(`server ${server.host}, baseline ${bare.host}`);
  let skeleton: StartedWorker | undefined;
  if (config.sections.has('latency')) {
    log('bundling and starting the skeleton of our stack for the latency section (bench/baseline/skeleton.ts)');
    skeleton = await startWrangler({
      config: 'bench/baseline/skeleton.wrangler.jsonc',
      healthPath: '/v1/health',
      vars: serverVars([BENCH_PROJECT]),
      signal: starting.signal,
    });
    servers.push(skeleton);
  }

  const side = (connect: () => Promise<Pair>, pgid: () => number | undefined): Side => ({
    connect,
    pgid,
    warmupErrors: new ErrorTally(),
    unloaded: emptyLatency(),
    latency: emptyLatency(),
  });
  const sides: Record<SideName, Side> = {
    ours: side(
      () => connectOurPair(server.host, pairIds('bench'), BENCH_PROJECT, config.timeoutMs),
      () => server.pgid,
    ),
    baseline: side(
      () => connectBaselinePair(bare.host, pairIds('base'), config.timeoutMs),
      () => bare.pgid,
    ),
    durable: side(
      () => connectBaselinePair(bare.host, pairIds('dura'), config.timeoutMs, true),
      () => bare.pgid,
    ),
    skeleton: side(
      () => connectOurPair(skeleton!.host, pairIds('skel'), BENCH_PROJECT, config.timeoutMs),
      () => skeleton?.pgid,
    ),
  };

  // 1. latency --------------------------------------------------------------------------------------------
  if (config.sections.has('latency')) await latencySection(sides);
  // 2. throughput -----------------------------------------------------------------------------------------
  if (config.sections.has('throughput')) await throughputSection(sides);

  // 3. webhooks through the sharded hub, and the Worker's size and cold start: each starts its own servers -------
  let webhooks: HubBenchResult | undefined;
  if (config.sections.has('webhooks')) {
    log(`webhooks: ${config.pairs} pairs, with and without a webhook endpoint`);
    webhooks = await runHubSection({ pairs: config.pairs, timeoutMs: config.timeoutMs, log });
  }
  let backend: BackendBenchResult | undefined;
  if (config.sections.has('backend')) {
    log("backend: the app backend's sends as its invitations waiting grow");
    backend = await runBackendSection({ log });
  }
  let worker: WorkerSizeRun | undefined;
  if (config.sections.has('worker')) {
    log('worker: size and cold start');
    worker = await runWorkerSize({ log });
  }

  // 4. what the servers logged (kept in .bench/ for a look afterwards) --------------------------------------
  writeFileSync(join(root, '.bench/wrangler-server.log'), server.logs());
  writeFileSync(join(root, '.bench/wrangler-baseline.log'), bare.logs());
  if (skeleton) writeFileSync(join(root, '.bench/wrangler-skeleton.log'), skeleton.logs());
  const serverErrors = [...usersErrors.ours, ...errorLines(server.logs().slice(logOffsets[0]))];
  const baselineErrors = [...usersErrors.baseline, ...errorLines(bare.logs().slice(logOffsets[1]))];
  const skeletonErrors = skeleton ? errorLines(skeleton.logs()) : [];
  return report(sides, { ours: serverErrors, baseline: baselineErrors, durable: [], skeleton: skeletonErrors }, users, { webhooks, backend, worker });
}

async function latencySection(sides: Record<SideName, Side>): Promise<void> {
  log(`latency: connecting ${config.latencyPairs} pairs to each side`);
  const latencyPairs = {} as Record<SideName, Pair[]>;
  for (const name of SIDES) latencyPairs[name] = await connectPairs(config.latencyPairs, sides[name].connect);
  const latencyDeadline = performance.now() + 150_000;
  if (config.warmupCycles > 0) {
    log(`latency: warming up, ${config.warmupCycles} cycles per pair on each side`);
    for (const name of SIDES) {
      const warm = await runLatency(latencyPairs[name], config.warmupCycles, latencyDeadline);
      for (const [label, n] of Object.entries(warm.errors.toJSON())) {
        for (let i = 0; i < n; i++) sides[name].warmupErrors.add(Object.assign(new Error(label), { code: label }));
      }
    }
  }
  if (config.unloadedInvitations > 0) {
    // One pair, one invitation at a time: what an invitation costs without queueing behind others, for context.
    log(`latency: ${config.unloadedInvitations} invitations over a single pair on each side`);
    const half = Math.ceil(config.unloadedInvitations / 2);
    for (const name of [...SIDES, ...[...SIDES].reverse()]) {
      await runLatency(latencyPairs[name].slice(0, 1), half, latencyDeadline, sides[name].unloaded);
    }
  }
  const perRound = Math.ceil(config.invitations / config.latencyPairs / config.rounds);
  for (let round = 0; round < config.rounds; round++) {
    // Forward and reverse order in turn, so a drift in the machine's load favours no side.
    const order = round % 2 === 0 ? SIDES : [...SIDES].reverse();
    for (const name of order) {
      const { cpuMs } = await withCpu(sides[name], () => runLatency(latencyPairs[name], perRound, latencyDeadline, sides[name].latency));
      if (cpuMs !== undefined) sides[name].latencyCpuMs = (sides[name].latencyCpuMs ?? 0) + cpuMs;
    }
    log(`latency: round ${round + 1}/${config.rounds} (${SIDES.map((name) => `${sides[name].latency.completed} ${name}`).join(', ')})`);
  }
  closePairs(SIDES.flatMap((name) => latencyPairs[name]));
  await pause(500);
}

async function throughputSection(sides: Record<SideName, Side>): Promise<void> {
  for (const name of SIDES.filter((name) => name !== 'skeleton' && (name !== 'durable' || config.durableThroughput))) {
    log(`throughput (${name}): connecting ${config.pairs} pairs`);
    const pairs = await connectPairs(config.pairs, sides[name].connect);
    await pause(500);
    log(`throughput (${name}): ${config.pairs} pairs for ${config.rampMs / 1000} + ${config.durationMs / 1000} s`);
    const { result, cpuMs } = await withCpu(sides[name], () => runThroughput(pairs, config.rampMs, config.durationMs, 100_000));
    sides[name].throughput = result;
    sides[name].throughputCpuMs = cpuMs;
    log(`throughput (${name}): ${result.completed} invitations, ${result.errors.total} errors`);
    closePairs(pairs);
    await pause(500);
  }
}

/** Lines of wrangler's output that mean something failed on the server. */
function errorLines(output: string): string[] {
  return output
    .split('\n')
    .filter((line) => /\b(failed|Uncaught|Error in |exception)\b|✘|\[ERROR\]/i.test(line))
    .map((line) => line.trim());
}

// ---- the report ------------------------------------------------------------------------------------------

function report(
  sides: Record<SideName, Side>,
  serverErrors: Record<SideName, string[]>,
  users: UsersSection | undefined,
  { webhooks, backend, worker }: { webhooks: HubBenchResult | undefined; backend: BackendBenchResult | undefined; worker: WorkerSizeRun | undefined },
): number {
  // The skeleton's clients are BaxCloudClients too: a connection of theirs that drops counts as ours.
  const dropsOf: Record<SideName, number> = { ours: drops.ours, baseline: drops.baseline, durable: 0, skeleton: 0 };
  const errorsOf = (name: SideName) => {
    const s = sides[name];
    return (
      s.warmupErrors.total +
      s.unloaded.errors.total +
      s.latency.errors.total +
      (s.throughput?.errors.total ?? 0) +
      // The users section's floors are baseline lines: their errors count as the baseline's.
      (name === 'ours'
        ? (users?.ours.errors.total ?? 0)
        : name === 'baseline'
          ? [users?.baseline, ...USER_FLOORS.map(({ key }) => users?.[key])].reduce((sum, run) => sum + (run?.errors.total ?? 0), 0)
          : 0) +
      serverErrors[name].length +
      dropsOf[name]
    );
  };
  const errors = Object.fromEntries(SIDES.map((name) => [name, errorsOf(name)])) as Record<SideName, number>;
  const totalErrors = SIDES.reduce((sum, name) => sum + errors[name], 0);

  const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '-').padStart(9);
  const header = `  ${''.padEnd(46)}${'n'.padStart(6)}${'p50'.padStart(9)}${'p95'.padStart(9)}${'p99'.padStart(9)}${'max'.padStart(9)}${'mean'.padStart(9)}`;
  const row = (label: string, s: Summary) => `  ${label.padEnd(46)}${String(s.count).padStart(6)}${ms(s.p50)}${ms(s.p95)}${ms(s.p99)}${ms(s.max)}${ms(s.mean)}`;
  const table = (runOf: (side: Side) => LatencyRun) => {
    console.log(header);
    console.log(row('time-to-ring: send → onInvitationReceived', summarize(runOf(sides.ours).ring)));
    console.log(row('  baseline: A → A obj → RPC → B obj → B', summarize(runOf(sides.baseline).ring)));
    console.log(row('  baseline + 1 write in each object', summarize(runOf(sides.durable).ring)));
    console.log(row('  skeleton of our stack', summarize(runOf(sides.skeleton).ring)));
    console.log(row('accept: acceptCallInvitation → onAccepted', summarize(runOf(sides.ours).answer)));
    console.log(row('  baseline: B → B obj → RPC → A obj → A', summarize(runOf(sides.baseline).answer)));
    console.log(row('  baseline + 1 write in each object', summarize(runOf(sides.durable).answer)));
    console.log(row('  skeleton of our stack', summarize(runOf(sides.skeleton).answer)));
  };
  const perInvitation = (cpuMs: number | undefined, n: number) => (cpuMs === undefined || n === 0 ? undefined : Math.round((cpuMs / n) * 100) / 100);
  const rate = (t: ThroughputRun) => t.completed / (t.durationMs / 1000);
  const windows = (t: ThroughputRun) => {
    const sorted = [...t.perSecond].sort((a, b) => a - b);
    return { min: sorted[0] ?? 0, median: sorted[Math.floor(sorted.length / 2)] ?? 0, max: sorted[sorted.length - 1] ?? 0 };
  };

  const state = currentStorage();
  console.log(
    `\nEvery server keeps its Durable Objects' state in ${state.folder} (--storage ${state.kind}` +
      `${state.kind === 'ram' ? ': no commit waits for a disk' : ': each commit waits for its fsync on the one JavaScript thread'})`,
  );
  const latencyRan = config.sections.has('latency');
  if (latencyRan && config.unloadedInvitations > 0) {
    console.log('\nLatency, ms: a single pair, one invitation at a time (context: no queueing behind other pairs)');
    table((side) => side.unloaded);
  }
  if (latencyRan) {
    console.log(
      `\nLatency, ms: ${config.latencyPairs} pairs in flight, after ${config.warmupCycles} warm-up cycles per pair, ${config.rounds} alternating rounds`,
    );
    table((side) => side.latency);
  }
  const ring = summarize(sides.ours.latency.ring);
  const accept = summarize(sides.ours.latency.answer);
  const baseRing = summarize(sides.baseline.latency.ring);
  const baseAnswer = summarize(sides.baseline.latency.answer);
  const ratio = ring.p99 / baseRing.p99;
  const cpuOf = (name: SideName) => perInvitation(sides[name].latencyCpuMs, sides[name].latency.completed);
  const cpuRatio = (cpuOf('ours') ?? NaN) / (cpuOf('durable') ?? NaN);
  const skeletonCpuRatio = (cpuOf('skeleton') ?? NaN) / (cpuOf('durable') ?? NaN);
  if (latencyRan) {
    console.log(`  p99 / baseline p99: time-to-ring ${ratio.toFixed(2)}×, accept ${(accept.p99 / baseAnswer.p99).toFixed(2)}×`);
    console.log(
      `  workerd CPU per invitation cycle (ms): ${SIDES.map((name) => `${name} ${cpuOf(name) ?? '-'}`).join(', ')}; ours / durable ${cpuRatio.toFixed(2)}×, skeleton / durable ${skeletonCpuRatio.toFixed(2)}×`,
    );
  }

  if (users) {
    const kb = (n: number | null) => (n === null ? '-' : (n / 1024).toFixed(1)).padStart(10);
    const perUser = (n: number | null) => (n === null ? '-' : n.toFixed(1)).padStart(10);
    const secs = (n: number | null | undefined) => (n === null || n === undefined ? '-' : (n / 1000).toFixed(2)).padStart(10);
    console.log(
      `\nConnected users: ${config.users} per side, one device each, ${config.usersConcurrency} connecting at a time; idle = after ${config.idleMs / 1000} s of silence`,
    );
    console.log(
      `  ${''.padEnd(31)}${'users/s'.padStart(9)}${'RSS MB'.padStart(10)}${'+conn MB'.padStart(10)}${'+idle MB'.padStart(10)}${'KB/user'.padStart(10)}${'(awake)'.padStart(10)}${'down s'.padStart(10)}${'resync s'.padStart(10)}`,
    );
    const rows: Array<[string, UsersRun]> = [
      ['BaxCloud Call (UserInbox)', users.ours],
      ['bare holder object (baseline)', users.baseline],
      ...USER_FLOORS.map(({ key, row }): [string, UsersRun] => [row, users[key]]),
    ];
    for (const [label, u] of rows) {
      const delta = (n: number | null) => (n === null || u.rssBeforeKb === null ? null : n - u.rssBeforeKb);
      console.log(
        `  ${label.padEnd(31)}${u.perSecond.toFixed(1).padStart(9)}${kb(u.rssBeforeKb)}${kb(delta(u.rssConnectedKb))}${kb(delta(u.rssIdleKb))}` +
          `${perUser(u.idleKbPerUser)}${perUser(u.connectedKbPerUser)}${secs(u.restart?.serverDownMs)}${secs(u.restart?.resyncAfterUpMs)}`,
      );
    }
    console.log('  (down s: kill → the new server answers; resync s: from then until every user is served again, snapshot included)');
    console.log(
      `  CPU per connect (ms): workerd ${users.ours.workerdCpuMsPerConnect ?? '-'} ours, ${users.baseline.workerdCpuMsPerConnect ?? '-'} baseline, ` +
        `${USER_FLOORS.map(({ key, cpu }) => `${users[key].workerdCpuMsPerConnect ?? '-'} ${cpu}`).join(', ')}; ` +
        `the clients (this process) ${users.ours.clientCpuMsPerConnect} ours, ${users.baseline.clientCpuMsPerConnect} baseline`,
    );
  }

  if (config.sections.has('throughput'))
    console.log(
      `\nThroughput: ${config.pairs} concurrent pairs, ${config.durationMs / 1000} s measured after ${config.rampMs / 1000} s (invite → ring → accept or decline → the sender hears it)`,
    );
  if (config.sections.has('throughput'))
    console.log(
      `  ${''.padEnd(31)}${'inv/s'.padStart(8)}${'1-s min'.padStart(9)}${'median'.padStart(8)}${'max'.padStart(7)}${'done'.padStart(8)}${'ring p50'.padStart(10)}${'ring p99'.padStart(10)}${'CPU ms/inv'.padStart(12)}${'errors'.padStart(8)}`,
    );
  for (const name of SIDES) {
    const t = sides[name].throughput;
    if (!t) continue;
    const w = windows(t);
    const r = summarize(t.ring);
    console.log(
      `  ${LABEL[name].padEnd(31)}${rate(t).toFixed(1).padStart(8)}${String(w.min).padStart(9)}${String(w.median).padStart(8)}${String(w.max).padStart(7)}` +
        `${String(t.completed).padStart(8)}${ms(r.p50).padStart(10)}${ms(r.p99).padStart(10)}${String(perInvitation(sides[name].throughputCpuMs, t.cycles) ?? '-').padStart(12)}${String(t.errors.total).padStart(8)}`,
    );
  }

  console.log('\nErrors');
  const errorDetail = (name: SideName) => ({
    total: errors[name],
    warmup: sides[name].warmupErrors.toJSON(),
    unloaded: sides[name].unloaded.errors.toJSON(),
    latency: sides[name].latency.errors.toJSON(),
    throughput: sides[name].throughput?.errors.toJSON() ?? {},
    droppedConnections: dropsOf[name],
    serverLog: serverErrors[name].slice(0, 20),
  });
  for (const name of SIDES) {
    const { serverLog, ...counts } = errorDetail(name);
    console.log(`  ${LABEL[name].padEnd(31)}${JSON.stringify({ ...counts, serverLog: serverLog.length })}`);
    const s = sides[name];
    for (const sample of [...s.unloaded.errors.samples, ...s.latency.errors.samples, ...(s.throughput?.errors.samples ?? [])].slice(0, 3))
      console.log(`      e.g. ${sample}`);
    for (const line of serverLog.slice(0, 3)) console.log(`      server: ${line.slice(0, 200)}`);
  }

  const enough = !latencyRan || SIDES.every((name) => sides[name].latency.completed >= config.invitations);
  const targets: Array<{ name: string; pass: boolean }> = [];
  if (latencyRan) {
    targets.push(
      { name: `time-to-ring p99 ≤ 2 × baseline p99: ${ring.p99} ms vs ${(2 * baseRing.p99).toFixed(2)} ms (${ratio.toFixed(2)}×)`, pass: ratio <= 2 },
      {
        name: `workerd CPU per invitation cycle ≤ 1.25 × the durable baseline's: ${cpuOf('ours')} ms vs ${((cpuOf('durable') ?? NaN) * 1.25).toFixed(2)} ms (${cpuRatio.toFixed(2)}×; the skeleton of our stack ${skeletonCpuRatio.toFixed(2)}×)`,
        pass: cpuRatio <= 1.25,
      },
    );
  }
  const ourThroughput = sides.ours.throughput;
  const bareThroughput = sides.baseline.throughput;
  if (ourThroughput && bareThroughput) {
    const throughputRatio = rate(ourThroughput) / rate(bareThroughput);
    targets.push({
      name: `invitations/s with ${config.pairs} pairs ≥ 0.35 × the bare forward's: ${rate(ourThroughput).toFixed(1)} vs ${(0.35 * rate(bareThroughput)).toFixed(1)} (${throughputRatio.toFixed(2)}×)`,
      pass: throughputRatio >= 0.35,
    });
  }
  if (users) {
    const memoryRatio = (users.ours.idleKbPerUser ?? NaN) / Math.max(1, users.baseline.idleKbPerUser ?? NaN);
    const rateRatio = users.ours.perSecond / users.baseline.perSecond;
    targets.push(
      {
        name: `idle memory per connected user ≤ 1.5 × the bare holder's: ${users.ours.idleKbPerUser} KB vs ${((users.baseline.idleKbPerUser ?? NaN) * 1.5).toFixed(1)} KB (${memoryRatio.toFixed(2)}×; the holder's counts as at least 1 KB)`,
        pass: memoryRatio <= 1.5,
      },
      {
        name:
          `connect rate ≥ 0.7 × the bare holder's: ${users.ours.perSecond} vs ${(0.7 * users.baseline.perSecond).toFixed(1)} users/s (${rateRatio.toFixed(2)}×; ` +
          `${USER_FLOORS.map(({ key, ratio }) => `${ratio}: ${(users[key].perSecond / users.baseline.perSecond).toFixed(2)}×`).join(', ')})`,
        pass: rateRatio >= 0.7,
      },
    );
  }
  targets.push({ name: `zero errors: ${SIDES.map((name) => `${errors[name]} ${name}`).join(', ')}`, pass: totalErrors === 0 });
  if (latencyRan) {
    targets.push({
      name: `at least ${config.invitations} latency samples per side: ${SIDES.map((name) => `${sides[name].latency.completed} ${name}`).join(', ')}`,
      pass: enough,
    });
  }
  if (webhooks) {
    printHubSection(webhooks);
    targets.push(...webhooks.targets.map((target) => ({ ...target, name: `webhooks: ${target.name}` })));
  }
  if (backend) {
    console.log('');
    for (const line of reportBackendSection(backend)) console.log(line);
    targets.push(...backend.targets.map((target) => ({ ...target, name: `backend: ${target.name}` })));
  }
  if (worker) {
    console.log('');
    for (const line of reportWorkerSize(worker)) console.log(line);
    targets.push(...worker.targets.map((target) => ({ ...target, name: `worker: ${target.name}` })));
  }
  console.log('');
  for (const target of targets) console.log(`${target.pass ? 'PASS' : 'FAIL'}  ${target.name}`);

  const latencyOf = (name: SideName, run: (side: Side) => LatencyRun) => ({
    ring: summarize(run(sides[name]).ring),
    answer: summarize(run(sides[name]).answer),
  });
  const results = {
    date: new Date().toISOString(),
    commit: git(['rev-parse', '--short', 'HEAD']),
    /** Files of the server that differed from that commit at the end of the run (the run bundled them at its start). */
    uncommitted: (git(['status', '--porcelain', '--', 'src/server', 'src/protocol', 'wrangler.jsonc']) ?? '').split('\n').filter(Boolean),
    machine: {
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? null,
      loadavgAtStart: loadAtStart.map((n) => Math.round(n * 100) / 100),
      loadavgAtEnd: loadavg().map((n) => Math.round(n * 100) / 100),
    },
    wrangler: packageVersion('wrangler'),
    config,
    sides: LABEL,
    unloaded: Object.fromEntries(SIDES.map((name) => [name, latencyOf(name, (side) => side.unloaded)])),
    latency: Object.fromEntries(
      SIDES.map((name) => [
        name,
        { ...latencyOf(name, (side) => side.latency), workerdCpuMsPerInvitation: perInvitation(sides[name].latencyCpuMs, sides[name].latency.completed) },
      ]),
    ),
    ringP99Ratio: Math.round(ratio * 100) / 100,
    acceptP99Ratio: Math.round((accept.p99 / baseAnswer.p99) * 100) / 100,
    throughput: Object.fromEntries(
      SIDES.filter((name) => sides[name].throughput).map((name) => {
        const t = sides[name].throughput!;
        return [
          name,
          {
            pairs: t.pairs,
            rampMs: t.rampMs,
            durationMs: t.durationMs,
            perSecond: Math.round(rate(t) * 10) / 10,
            completed: t.completed,
            cycles: t.cycles,
            accepted: t.accepted,
            declined: t.declined,
            windows: t.perSecond,
            drainMs: Math.round(t.drainMs),
            ring: summarize(t.ring),
            answer: summarize(t.answer),
            workerdCpuMsPerInvitation: perInvitation(sides[name].throughputCpuMs, t.cycles),
          },
        ];
      }),
    ),
    users: users && Object.fromEntries(Object.entries(users).map(([name, run]) => [name, { ...run, errors: run.errors.toJSON() }])),
    errors: Object.fromEntries(SIDES.map((name) => [name, errorDetail(name)])),
    webhooks,
    backend,
    worker,
    targets,
    pass: targets.every((target) => target.pass),
  };
  const out = resolve(root, args.out);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
  console.log(`\nresults: ${out}`);

  const webhookErrors = webhooks ? webhooks.events.lost + Object.values(webhooks.errors).reduce((sum, n) => sum + n, 0) : 0;
  if (totalErrors > 0 || webhookErrors > 0 || !enough) return 1;
  return results.pass ? 0 : 2;
}

function git(argv: string[]): string | null {
  try {
    return execFileSync('git', argv, { cwd: root, encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

function packageVersion(name: string): string | null {
  try {
    return (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return null;
  }
}

let code = 1;
try {
  code = await main();
} catch (error) {
  console.error('\nthe benchmark could not complete:', error);
  code = 1;
} finally {
  log('stopping the servers');
  await cleanup();
  clearTimeout(watchdog);
  log('stopped');
}
process.exit(code);
