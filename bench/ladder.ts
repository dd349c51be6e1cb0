/**
 * How an invitation cycle's workerd CPU builds up from the bare forward to the real inbox (by hand, not part of
 * `npm run bench`): the two baselines of bench/baseline/worker.ts, the skeleton (bench/baseline/skeleton.ts: our
 * Worker with the least an answerable invitation needs in place of the inbox's logic), and the real server. Each
 * side runs on its own `wrangler dev`, all started at once; then, in alternating rounds, `cycles` invitation cycles
 * (invite → ring → accept or decline → the sender hears it) on 4 pairs of each side, one side at a time, and
 * workerd's CPU per cycle read from /proc. Prints each round and the median of the rounds.
 *
 * `node --import tsx bench/ladder.ts [cycles per round] [rounds]` (defaults 2000 and 3; about a minute per round).
 */
import { groupCpuMs } from './lib/cpu.js';
import { benchProject, connectBaselinePair, connectOurPair, serverVars, type Pair } from './lib/pairs.js';
import { median } from './lib/stats.js';
import { startWrangler, type StartedWorker } from './lib/wrangler.js';

const cycles = Number(process.argv[2] ?? 2000);
const rounds = Number(process.argv[3] ?? 3);
const PAIRS = 4;
const TIMEOUT_MS = 10_000;
const PROJECT = benchProject('ladder');
const vars = serverVars([PROJECT]);

interface Rung {
  label: string;
  server: StartedWorker;
  connect: (n: number) => Promise<Pair>;
}

const servers: StartedWorker[] = [];
try {
  const [baseline, skeleton, ours] = await Promise.all([
    startWrangler({ config: 'bench/baseline/wrangler.jsonc', healthPath: '/health' }),
    startWrangler({ config: 'bench/baseline/skeleton.wrangler.jsonc', healthPath: '/v1/health', vars }),
    startWrangler({ config: 'wrangler.jsonc', healthPath: '/v1/health', vars }),
  ]);
  servers.push(baseline, skeleton, ours);
  const rungs: Rung[] = [
    { label: 'bare forward', server: baseline, connect: (n) => connectBaselinePair(baseline.host, { caller: `b${n}a`, callee: `b${n}b` }, TIMEOUT_MS) },
    {
      label: 'bare forward + 1 write/object',
      server: baseline,
      connect: (n) => connectBaselinePair(baseline.host, { caller: `d${n}a`, callee: `d${n}b` }, TIMEOUT_MS, true),
    },
    {
      label: 'skeleton: our stack, least state',
      server: skeleton,
      connect: (n) => connectOurPair(skeleton.host, { caller: `s${n}a`, callee: `s${n}b` }, PROJECT, TIMEOUT_MS),
    },
    { label: 'BaxCloud Call', server: ours, connect: (n) => connectOurPair(ours.host, { caller: `o${n}a`, callee: `o${n}b` }, PROJECT, TIMEOUT_MS) },
  ];
  const pairs = await Promise.all(rungs.map((rung) => Promise.all(Array.from({ length: PAIRS }, (_, n) => rung.connect(n)))));
  const run = (side: Pair[], count: number) =>
    Promise.all(
      side.map(async (pair, k) => {
        for (let i = 0; i < count / side.length; i++) await pair.cycle((i + k) % 2 ? 'accept' : 'decline');
      }),
    );
  for (const side of pairs) await run(side, 30 * PAIRS);
  const perCycle: number[][] = rungs.map(() => []);
  for (let round = 1; round <= rounds; round++) {
    const line: string[] = [];
    for (const [index, rung] of rungs.entries()) {
      const before = groupCpuMs(rung.server.pgid);
      await run(pairs[index]!, cycles);
      const after = groupCpuMs(rung.server.pgid);
      if (!before || !after) throw new Error('no /proc: this needs Linux');
      perCycle[index]!.push((after.workerd - before.workerd) / cycles);
      line.push(`${rung.label} ${perCycle[index]!.at(-1)!.toFixed(3)}`);
    }
    console.log(`round ${round}: ${line.join(', ')} ms/cycle`);
  }
  const durable = median(perCycle[1]!);
  console.log(`\nworkerd CPU per invitation cycle, median of ${rounds} rounds of ${cycles} cycles on ${PAIRS} pairs`);
  for (const [index, rung] of rungs.entries()) {
    const ms = median(perCycle[index]!);
    console.log(`  ${rung.label.padEnd(34)} ${ms.toFixed(3).padStart(7)} ms  ${(ms / durable).toFixed(2).padStart(5)} × the durable forward`);
  }
  for (const side of pairs) for (const pair of side) pair.close();
} finally {
  await Promise.allSettled(servers.map((server) => server.stop()));
}
process.exit(0);
