/**
 * The webhook benchmark section: does a project with webhook endpoints keep up with one without?
 *
 * One real signaling server (`wrangler dev`, fresh state) with two projects: `hub-plain` without webhook endpoints
 * and `hub-hooks` with one configured endpoint, a local receiver on 127.0.0.1 that checks each signature and
 * answers 204 at once. The same number of pairs drive invitation cycles (invite → ring → accept or decline → the
 * sender hears it) on each project, in alternating phases (plain, hooks, hooks, plain, …) so that drift in the
 * machine's load hits both alike. The receiver counts events by webhook id: every cycle on `hub-hooks` must give
 * its three events (invitation.created, .delivered, .accepted or .declined), none lost, none sent under two ids.
 *
 * Beside it, the floor on a baseline server (bench/baseline/worker.ts): the bare forward with one write in each
 * object, without and with one signed POST per event to a receiver of its own. On one machine every object, every
 * outbound request and every commit share workerd's one thread, so what an endpoint costs there is the least any
 * design that sends each event as its own request pays; the floor's ratio shows it beside ours.
 *
 * `runHubSection(options)` is what `bench/run.ts` calls; alone: `node --import tsx bench/hub.ts [--pairs 200 …]`.
 * Exit code alone: 0 every target met; 1 errors or lost events; 2 no errors but a target missed.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort } from '../test/support/server.js';
import { groupCpuMs } from './lib/cpu.js';
import { runThroughput, type ThroughputRun } from './lib/drive.js';
import { benchProject, connectBaselinePair, connectOurPair, inBatches, serverVars, type Pair } from './lib/pairs.js';
import { ErrorTally, median } from './lib/stats.js';
import { startWrangler, type StartedWorker } from './lib/wrangler.js';

export interface HubBenchOptions {
  /** Concurrent pairs on each project (default 200). */
  pairs?: number;
  /** Measured seconds of each phase (default 10) after `rampMs` unmeasured (default 3 s). */
  durationMs?: number;
  rampMs?: number;
  /** Phases per project (default 2), alternating. */
  rounds?: number;
  timeoutMs?: number;
  /** HUB_SHARDS for the server; unset: the server's default. */
  shards?: number;
  /** The rate with endpoints must be at least this share of the rate without (default 0.9). */
  targetRatio?: number;
  signal?: AbortSignal;
  log?: (message: string) => void;
}

export interface HubBenchResult {
  pairs: number;
  shards: number | null;
  /** Invitations per second of each phase, and their mean, per project. */
  plain: { phases: number[]; perSecond: number; cpuMsPerInvitation: number | null };
  hooks: { phases: number[]; perSecond: number; cpuMsPerInvitation: number | null };
  /**
   * The floor, on the baseline (bench/baseline/worker.ts): the bare forward with one write in each object, without
   * and with one signed POST per event (three per cycle, fire and forget), and the ratio of the two.
   */
  floor: {
    plain: { phases: number[]; perSecond: number; cpuMsPerInvitation: number | null };
    hooks: { phases: number[]; perSecond: number; cpuMsPerInvitation: number | null };
    ratio: number;
    events: { expected: number; distinct: number; badSignatures: number };
  };
  ratio: number;
  events: {
    /** Three per completed cycle on the project with endpoints. */
    expected: number;
    /** Distinct webhook ids that reached the receiver. */
    distinct: number;
    requests: number;
    /** Requests that repeated an id (at-least-once allows them). */
    repeats: number;
    lost: number;
    /** One step of an invitation arriving under more than one id: never allowed. */
    duplicatedSteps: number;
    badSignatures: number;
    /** The longest wait, after a phase, until the receiver had every event of it. */
    drainMs: number;
  };
  errors: Record<string, number>;
  targets: Array<{ name: string; pass: boolean }>;
  pass: boolean;
}

const WEBHOOK_SECRET = `whsec_${Buffer.from('hub benchmark webhook secret 32b').toString('base64')}`;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A local receiver: checks each Standard Webhooks signature, answers 204 at once, counts by id. */
class CountingReceiver {
  readonly bodies = new Map<string, string>();
  requests = 0;
  badSignatures = 0;
  private readonly key = Buffer.from(WEBHOOK_SECRET.slice('whsec_'.length), 'base64');

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<CountingReceiver> {
    const port = await freePort();
    const server = createServer();
    const receiver = new CountingReceiver(server, `http://127.0.0.1:${port}/hooks`);
    server.on('request', (request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        receiver.take(
          String(request.headers['webhook-id']),
          String(request.headers['webhook-timestamp']),
          String(request.headers['webhook-signature']),
          Buffer.concat(chunks).toString('utf8'),
        );
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    return receiver;
  }

  private take(id: string, timestamp: string, signature: string, body: string): void {
    this.requests++;
    const expected = createHmac('sha256', this.key).update(`${id}.${timestamp}.${body}`).digest();
    const valid = signature.split(' ').some((entry) => {
      const [version, value] = entry.split(',');
      const given = Buffer.from(value ?? '', 'base64');
      return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
    });
    if (!valid) {
      this.badSignatures++;
      return;
    }
    if (!this.bodies.has(id)) this.bodies.set(id, body);
  }

  /** Invitation steps (type, invitation, invitee) that arrived under more than one id. */
  duplicatedSteps(): number {
    const steps = new Map<string, number>();
    for (const body of this.bodies.values()) {
      const { type, data } = JSON.parse(body) as { type: string; data: { invitationId?: string; invitation?: { invitationId: string }; userId?: string } };
      const step = `${type}:${data.invitationId ?? data.invitation?.invitationId}:${data.userId ?? ''}`;
      steps.set(step, (steps.get(step) ?? 0) + 1);
    }
    let duplicated = 0;
    for (const n of steps.values()) if (n > 1) duplicated += n - 1;
    return duplicated;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

type Side = 'plain' | 'hooks' | 'floorPlain' | 'floorHooks';
const SIDES: readonly Side[] = ['plain', 'hooks', 'floorPlain', 'floorHooks'];

export async function runHubSection(options: HubBenchOptions = {}): Promise<HubBenchResult> {
  const pairsPerProject = options.pairs ?? 200;
  const durationMs = options.durationMs ?? 10_000;
  const rampMs = options.rampMs ?? 3_000;
  const rounds = options.rounds ?? 2;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const targetRatio = options.targetRatio ?? 0.9;
  const log = options.log ?? ((message: string) => console.log(`[hub ${(performance.now() / 1000).toFixed(1).padStart(6)}s] ${message}`));

  const receiver = await CountingReceiver.start();
  /** The floor's endpoint: the baseline's objects POST their events here (bench/baseline/worker.ts, `?hook=1`). */
  const floorReceiver = await CountingReceiver.start();
  const plain = benchProject('hub-plain');
  const hooks = { ...benchProject('hub-hooks'), webhooks: [{ url: receiver.url, secret: WEBHOOK_SECRET }] };
  let server: StartedWorker | undefined;
  let floorServer: StartedWorker | undefined;
  const open: Pair[] = [];
  try {
    log(`starting the signaling server and the baseline (fresh state${options.shards ? `, HUB_SHARDS=${options.shards}` : ''})`);
    [server, floorServer] = await Promise.all([
      startWrangler({
        config: 'wrangler.jsonc',
        healthPath: '/v1/health',
        vars: {
          ...serverVars([plain, hooks]),
          // The receiver is on loopback, which only local development may send to.
          LOCAL_DEVELOPMENT: 'on',
          ...(options.shards ? { HUB_SHARDS: String(options.shards) } : {}),
        },
        signal: options.signal,
      }),
      startWrangler({
        config: 'bench/baseline/wrangler.jsonc',
        healthPath: '/health',
        vars: { HOOK_URL: floorReceiver.url, HOOK_SECRET: WEBHOOK_SECRET },
        signal: options.signal,
      }),
    ]);
    const runId = `${process.pid.toString(36)}${Date.now().toString(36)}`;
    const keep = (pair: Pair) => (open.push(pair), pair);
    const connect = (p: typeof plain, tag: string) =>
      inBatches(pairsPerProject, 10, async (n) =>
        keep(await connectOurPair(server!.host, { caller: `${tag}-${runId}-${n}-a`, callee: `${tag}-${runId}-${n}-b` }, p, timeoutMs)),
      );
    const connectFloor = (hook: boolean, tag: string) =>
      inBatches(pairsPerProject, 10, async (n) =>
        keep(await connectBaselinePair(floorServer!.host, { caller: `${tag}-${runId}-${n}-a`, callee: `${tag}-${runId}-${n}-b` }, timeoutMs, true, hook)),
      );
    log(`connecting ${pairsPerProject} pairs to each project, and to the baseline with and without its endpoint`);
    const sides: Record<Side, Pair[]> = {
      plain: await connect(plain, 'plain'),
      hooks: await connect(hooks, 'hooks'),
      floorPlain: await connectFloor(false, 'floor'),
      floorHooks: await connectFloor(true, 'floorhook'),
    };
    await pause(500);

    const phases: Record<Side, ThroughputRun[]> = { plain: [], hooks: [], floorPlain: [], floorHooks: [] };
    /** workerd CPU (ms) of each side's phases, webhook drain included, and the cycles they ran (ramp included). */
    const cpu: Record<Side, { ms: number; cycles: number } | null> = {
      plain: { ms: 0, cycles: 0 },
      hooks: { ms: 0, cycles: 0 },
      floorPlain: { ms: 0, cycles: 0 },
      floorHooks: { ms: 0, cycles: 0 },
    };
    /** Every cycle on a side with an endpoint gives three events: waits until its receiver has them all. */
    const drain = async (into: CountingReceiver, expected: number): Promise<number> => {
      const start = performance.now();
      let last = -1;
      let stillSince = start;
      while (into.bodies.size < expected && performance.now() - stillSince < 15_000) {
        if (into.bodies.size !== last) {
          last = into.bodies.size;
          stillSince = performance.now();
        }
        await pause(100);
      }
      return performance.now() - start;
    };
    const expectedSoFar = (side: 'hooks' | 'floorHooks') => 3 * phases[side].reduce((sum, run) => sum + run.cycles, 0);
    let drainMs = 0;
    for (let round = 0; round < rounds; round++) {
      for (const name of round % 2 === 0 ? SIDES : [...SIDES].reverse()) {
        options.signal?.throwIfAborted();
        const group = name.startsWith('floor') ? floorServer : server;
        const cpuBefore = groupCpuMs(group.pgid)?.workerd;
        const run = await runThroughput(sides[name], rampMs, durationMs, 100_000);
        phases[name].push(run);
        // The webhooks of a phase are its own work: the next phase starts once they are out.
        if (name === 'hooks') drainMs = Math.max(drainMs, await drain(receiver, expectedSoFar('hooks')));
        if (name === 'floorHooks') await drain(floorReceiver, expectedSoFar('floorHooks'));
        const cpuAfter = groupCpuMs(group.pgid)?.workerd;
        const tally = cpu[name];
        if (tally && cpuBefore !== undefined && cpuAfter !== undefined) {
          tally.ms += cpuAfter - cpuBefore;
          tally.cycles += run.cycles;
        } else cpu[name] = null;
        log(
          `${name} ${round + 1}/${rounds}: ${(run.completed / (durationMs / 1000)).toFixed(1)} invitations/s (each second: ${run.perSecond.join(' ')}; ` +
            `ring p50 ${median(run.ring).toFixed(0)} ms), ${run.errors.total} errors` +
            (cpuBefore !== undefined && cpuAfter !== undefined ? `, workerd CPU ${((cpuAfter - cpuBefore) / Math.max(1, run.cycles)).toFixed(2)} ms/inv` : ''),
        );
        await pause(500);
      }
    }
    const expected = expectedSoFar('hooks');
    const floorExpected = expectedSoFar('floorHooks');

    const errors = new ErrorTally();
    for (const run of SIDES.flatMap((side) => phases[side]))
      for (const [label, n] of Object.entries(run.errors.toJSON())) for (let i = 0; i < n; i++) errors.add({ code: label });
    const rate = (runs: ThroughputRun[]) => runs.map((run) => Math.round((run.completed / (durationMs / 1000)) * 10) / 10);
    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
    const rates = Object.fromEntries(SIDES.map((side) => [side, rate(phases[side])])) as Record<Side, number[]>;
    const ratio = mean(rates.hooks) / mean(rates.plain);
    const floorRatio = mean(rates.floorHooks) / mean(rates.floorPlain);
    const distinct = receiver.bodies.size;
    const events = {
      expected,
      distinct,
      requests: receiver.requests,
      repeats: receiver.requests - receiver.badSignatures - distinct,
      lost: Math.max(0, expected - distinct),
      duplicatedSteps: receiver.duplicatedSteps(),
      badSignatures: receiver.badSignatures,
      drainMs: Math.round(drainMs),
    };
    const targets = [
      {
        name: `invitations/s with webhook endpoints ≥ ${targetRatio} × without: ${mean(rates.hooks).toFixed(1)} vs ${mean(rates.plain).toFixed(1)} (${ratio.toFixed(2)}×; the floor's ${floorRatio.toFixed(2)}×)`,
        pass: ratio >= targetRatio,
      },
      {
        name: `no webhook event lost or sent under two ids: ${distinct}/${expected} received, ${events.duplicatedSteps} steps under two ids, ${events.badSignatures} bad signatures (${events.repeats} repeats of an id)`,
        pass: events.lost === 0 && events.duplicatedSteps === 0 && events.badSignatures === 0 && distinct === expected,
      },
      { name: `zero errors in the webhook phases: ${errors.total}`, pass: errors.total === 0 },
    ];
    const perInvitation = (tally: { ms: number; cycles: number } | null) =>
      tally && tally.cycles > 0 ? Math.round((tally.ms / tally.cycles) * 100) / 100 : null;
    const summary = (side: Side) => ({ phases: rates[side], perSecond: Math.round(mean(rates[side]) * 10) / 10, cpuMsPerInvitation: perInvitation(cpu[side]) });
    return {
      pairs: pairsPerProject,
      shards: options.shards ?? null,
      plain: summary('plain'),
      hooks: summary('hooks'),
      floor: {
        plain: summary('floorPlain'),
        hooks: summary('floorHooks'),
        ratio: Math.round(floorRatio * 100) / 100,
        events: { expected: floorExpected, distinct: floorReceiver.bodies.size, badSignatures: floorReceiver.badSignatures },
      },
      ratio: Math.round(ratio * 100) / 100,
      events,
      errors: errors.toJSON(),
      targets,
      pass: targets.every((target) => target.pass),
    };
  } finally {
    for (const pair of open) {
      try {
        pair.close();
      } catch {
        // closing anyway
      }
    }
    await Promise.all([server?.stop(), floorServer?.stop()]);
    await Promise.all([receiver.stop(), floorReceiver.stop()]);
  }
}

/** Prints a result as the benchmark's other sections do. */
export function printHubSection(result: HubBenchResult): void {
  console.log(`\nWebhooks: ${result.pairs} concurrent pairs per project${result.shards ? `, HUB_SHARDS=${result.shards}` : ''}`);
  const cpuCell = (ms: number | null) => (ms === null ? '—' : ms.toFixed(2)).padStart(12);
  console.log(`  ${''.padEnd(34)}${'inv/s'.padStart(8)}${'CPU ms/inv'.padStart(12)}   phases`);
  for (const [label, side] of [
    ['without webhook endpoints', result.plain],
    ['with one endpoint (local, 2xx)', result.hooks],
    ['floor: bare forward + 1 write/object', result.floor.plain],
    ['  + 1 signed POST per event', result.floor.hooks],
  ] as const) {
    console.log(`  ${label.padEnd(34)}${side.perSecond.toFixed(1).padStart(8)}${cpuCell(side.cpuMsPerInvitation)}   ${side.phases.join(', ')}`);
  }
  const e = result.events;
  console.log(
    `  events: ${e.distinct}/${e.expected} by id, ${e.requests} requests (${e.repeats} repeats), ${e.duplicatedSteps} steps under two ids, drained at most ${e.drainMs} ms after a phase`,
  );
  const f = result.floor;
  console.log(
    `  with an endpoint / without: ours ${result.ratio.toFixed(2)}×, the floor's ${f.ratio.toFixed(2)}× (its events: ${f.events.distinct}/${f.events.expected}, ${f.events.badSignatures} bad signatures)`,
  );
  for (const target of result.targets) console.log(`${target.pass ? 'PASS' : 'FAIL'}  ${target.name}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values: args } = parseArgs({
    options: {
      pairs: { type: 'string', default: '200' },
      duration: { type: 'string', default: '10' },
      ramp: { type: 'string', default: '3' },
      rounds: { type: 'string', default: '2' },
      shards: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (args.help) {
    console.log(`node --import tsx bench/hub.ts [--pairs 200] [--duration 10] [--ramp 3] [--rounds 2] [--shards N]`);
    process.exit(0);
  }
  const whole = (name: string, value: string | undefined) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) {
      console.error(`--${name} must be a whole number ≥ 1`);
      process.exit(1);
    }
    return n;
  };
  const stop = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop.abort());
  let code = 1;
  try {
    const result = await runHubSection({
      pairs: whole('pairs', args.pairs),
      durationMs: whole('duration', args.duration) * 1000,
      rampMs: Number(args.ramp) * 1000,
      rounds: whole('rounds', args.rounds),
      shards: args.shards === undefined ? undefined : whole('shards', args.shards),
      signal: stop.signal,
    });
    printHubSection(result);
    code = result.events.lost > 0 || Object.keys(result.errors).length > 0 ? 1 : result.pass ? 0 : 2;
  } catch (error) {
    console.error('the webhook benchmark could not complete:', error);
  }
  process.exit(code);
}
