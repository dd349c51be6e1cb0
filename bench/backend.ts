/**
 * The app backend's sends: does a send cost the same with thousands of invitations waiting as with none?
 *
 * The REST API sends as the system user when a request names no `from`, and that user has no rate limit and no cap on
 * invitations waiting (README, Limits). Its inbox is one object per project, so any cost of a send that grows with
 * what already waits caps how many invitations a backend can send, and makes each one dearer. A real server
 * (`wrangler dev`, fresh state) takes `sends` invitations over REST from `concurrency` requests at a time, each to one
 * of `invitees` users who never connect (so every invitation stays waiting, for 300 s), each in its own room. The
 * invitees are few, so that the objects the run keeps busy stay few. Workerd's CPU is read per block of sends.
 * Target: a send in the last block costs at most 1.5 × one in the first block after the warm-up.
 *
 * `runBackendSection(options)` is what `bench/run.ts` calls; alone: `node --import tsx bench/backend.ts [--sends 3000]`.
 * Exit code alone: 0 the target met; 1 errors; 2 no errors but the target missed.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { groupCpuMs } from './lib/cpu.js';
import { benchProject, serverVars } from './lib/pairs.js';
import { startWrangler } from './lib/wrangler.js';

const PROJECT = benchProject('bench');
const TARGET_RATIO = 1.5;

export interface BackendBenchOptions {
  /** Invitations sent in all (default 3000), after `warmup` unmeasured (default 100). */
  sends?: number;
  warmup?: number;
  /** Sends per measured block (default 500). */
  block?: number;
  /** Users the invitations go to, in turn (default 100). */
  invitees?: number;
  /** Requests in flight at a time (default 8). */
  concurrency?: number;
  log?: (message: string) => void;
}

export interface BackendBlock {
  /** Invitations waiting when the block began. */
  waitingAtStart: number;
  sends: number;
  perSecond: number;
  cpuMsPerSend: number | null;
}

export interface BackendBenchResult {
  sends: number;
  invitees: number;
  blocks: BackendBlock[];
  errors: number;
  errorSamples: string[];
  /** CPU per send, the last block over the first. */
  ratio: number | null;
  targets: { name: string; pass: boolean }[];
}

export async function runBackendSection(options: BackendBenchOptions = {}): Promise<BackendBenchResult> {
  const sends = options.sends ?? 3000;
  const warmup = options.warmup ?? 100;
  const block = options.block ?? 500;
  const invitees = options.invitees ?? 100;
  const concurrency = options.concurrency ?? 8;
  const log = options.log ?? ((message: string) => console.log(`[backend ${(performance.now() / 1000).toFixed(1).padStart(6)}s] ${message}`));
  // The REST API's own rate limit (50 requests a second by default) is a per-project guard of its own, not what
  // this section measures.
  const server = await startWrangler({
    config: 'wrangler.jsonc',
    healthPath: '/v1/health',
    vars: { ...serverVars([PROJECT]), REST_RATE_PER_SECOND: '1000000', REST_RATE_BURST: '1000000' },
  });
  const result: BackendBenchResult = { sends: 0, invitees, blocks: [], errors: 0, errorSamples: [], ratio: null, targets: [] };
  try {
    let next = 0;
    const sendOne = async (): Promise<void> => {
      const i = next++;
      try {
        const response = await fetch(`${server.url}/v1/projects/${PROJECT.projectId}/invitations`, {
          method: 'POST',
          headers: { authorization: `Bearer ${PROJECT.secret}`, 'content-type': 'application/json' },
          body: JSON.stringify({ to: `invitee-${i % invitees}`, callType: 'video_call', roomName: `room-${i}`, timeoutSeconds: 300 }),
        });
        const text = await response.text();
        if (response.status !== 201) throw new Error(`${response.status} ${text.slice(0, 200)}`);
        result.sends++;
      } catch (error) {
        result.errors++;
        if (result.errorSamples.length < 3) result.errorSamples.push(String((error as Error).message ?? error));
      }
    };
    const run = async (count: number): Promise<void> => {
      let left = count;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (left-- > 0) await sendOne();
        }),
      );
    };
    await run(warmup);
    while (next < sends) {
      const count = Math.min(block, sends - next);
      const waitingAtStart = next;
      const cpuBefore = groupCpuMs(server.pgid)?.workerd;
      const startedAt = performance.now();
      await run(count);
      const seconds = (performance.now() - startedAt) / 1000;
      const cpuAfter = groupCpuMs(server.pgid)?.workerd;
      const cpuMsPerSend = cpuBefore === undefined || cpuAfter === undefined ? null : Math.round(((cpuAfter - cpuBefore) / count) * 100) / 100;
      result.blocks.push({ waitingAtStart, sends: count, perSecond: Math.round((count / seconds) * 10) / 10, cpuMsPerSend });
      log(`${waitingAtStart}–${next} waiting: ${(count / seconds).toFixed(1)} sends/s, workerd CPU ${cpuMsPerSend ?? '-'} ms a send`);
    }
  } finally {
    await server.stop();
  }
  const first = result.blocks[0]?.cpuMsPerSend;
  const last = result.blocks.at(-1)?.cpuMsPerSend;
  result.ratio = first && last ? Math.round((last / first) * 100) / 100 : null;
  const lastBlock = result.blocks.at(-1);
  result.targets = [
    {
      name: `a send with ${lastBlock?.waitingAtStart ?? '-'} invitations waiting costs ≤ ${TARGET_RATIO} × one with ${result.blocks[0]?.waitingAtStart ?? '-'}: ${last ?? '-'} vs ${first ?? '-'} ms (${result.ratio ?? '-'}×)`,
      pass: result.ratio !== null && result.ratio <= TARGET_RATIO,
    },
    { name: `zero errors in the backend's sends: ${result.errors}`, pass: result.errors === 0 },
  ];
  return result;
}

export function reportBackendSection(result: BackendBenchResult): string[] {
  return [
    `The app backend's sends: REST, as the system user, to ${result.invitees} users who never connect (every invitation keeps waiting)`,
    `  ${'invitations waiting'.padEnd(24)}${'sends/s'.padStart(10)}${'CPU ms/send'.padStart(13)}`,
    ...result.blocks.map(
      (b) =>
        `  ${`${b.waitingAtStart}–${b.waitingAtStart + b.sends}`.padEnd(24)}${b.perSecond.toFixed(1).padStart(10)}${String(b.cpuMsPerSend ?? '-').padStart(13)}`,
    ),
    ...(result.errorSamples.length > 0 ? [`  errors (first ${result.errorSamples.length}): ${result.errorSamples.join(' | ')}`] : []),
  ];
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values: args } = parseArgs({
    options: {
      sends: { type: 'string', default: '3000' },
      invitees: { type: 'string', default: '100' },
      help: { type: 'boolean', default: false },
    },
  });
  if (args.help) {
    console.log('node --import tsx bench/backend.ts [--sends 3000] [--invitees 100]');
    process.exit(0);
  }
  const result = await runBackendSection({ sends: Number(args.sends), invitees: Number(args.invitees) });
  console.log('');
  for (const line of reportBackendSection(result)) console.log(line);
  for (const target of result.targets) console.log(`${target.pass ? 'PASS' : 'FAIL'}  ${target.name}`);
  process.exit(result.errors > 0 ? 1 : result.targets.every((target) => target.pass) ? 0 : 2);
}
