/**
 * Where the workerd CPU of the webhook path goes (by hand, not part of npm run bench). Starts the signaling server
 * as bench/hub.ts does, with a project without webhook endpoints and one with a local receiver (204 at once), and
 * runs invitation cycles on a few pairs of each: first unprofiled, to read workerd's CPU per cycle from /proc, then
 * under a V8 CPU profile through wrangler's inspector, printing the self time per function and per source file.
 * The difference between the two projects is what the webhook path costs (three events per cycle).
 *
 * `node --import tsx bench/profile-hub.ts [cycles per project] [pairs]` (defaults 600 and 4). Profiles go to
 * /tmp/prof/hub-{plain,hooks}.cpuprofile (open them in Chrome's DevTools).
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { freePort } from '../test/support/server.js';
import { groupCpuMs } from './lib/cpu.js';
import { profiled } from './lib/inspector.js';
import { benchProject, connectOurPair, serverVars, type Pair } from './lib/pairs.js';
import { startWrangler } from './lib/wrangler.js';

const cycles = Number(process.argv[2] ?? 600);
const pairCount = Number(process.argv[3] ?? 4);
/** `--no-profile`: only the unprofiled CPU per cycle (e.g. to record the workerd process with perf meanwhile). */
const profile = !process.argv.includes('--no-profile');

/** CPU (ms) of each workerd process of the group: the proxy wrangler puts in front, and the one running the Worker. */
function workerdCpu(pgid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const name of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) !== pgid || !stat.includes('(workerd)')) continue;
      const role = readFileSync(`/proc/${name}/cmdline`, 'utf8').includes('--inspector-addr') ? 'worker' : 'proxy';
      out.set(`${role} ${name}`, ((Number(fields[11]) + Number(fields[12])) * 1000) / 100);
    } catch {
      // gone meanwhile
    }
  }
  return out;
}
const SECRET = `whsec_${Buffer.from('hub benchmark webhook secret 32b').toString('base64')}`;

const receiverPort = await freePort();
let received = 0;
const receiver = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    received++;
    response.writeHead(204).end();
  });
});
await new Promise<void>((resolve) => receiver.listen(receiverPort, '127.0.0.1', resolve));

const plain = benchProject('hub-plain');
const hooks = { ...benchProject('hub-hooks'), webhooks: [{ url: `http://127.0.0.1:${receiverPort}/hooks`, secret: SECRET }] };
const server = await startWrangler({
  config: 'wrangler.jsonc',
  inspector: true,
  healthPath: '/v1/health',
  vars: { ...serverVars([plain, hooks]), LOCAL_DEVELOPMENT: 'on' },
});
mkdirSync('/tmp/prof', { recursive: true });
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function drive(pairs: Pair[], total: number): Promise<void> {
  await Promise.all(
    pairs.map(async (pair, index) => {
      for (let i = 0; i < total / pairs.length; i++) await pair.cycle((index + i) % 2 === 0 ? 'accept' : 'decline');
    }),
  );
}

/** Waits until the receiver has every event so far (3 per cycle on the hooked project). */
async function drained(expected: number): Promise<void> {
  for (let i = 0; i < 300 && received < expected; i++) await pause(50);
  // the attempts' results are written after the answers
  await pause(300);
}

try {
  const sides = {
    plain: await Promise.all(Array.from({ length: pairCount }, (_, i) => connectOurPair(server.host, { caller: `p${i}a`, callee: `p${i}b` }, plain, 10_000))),
    hooks: await Promise.all(Array.from({ length: pairCount }, (_, i) => connectOurPair(server.host, { caller: `h${i}a`, callee: `h${i}b` }, hooks, 10_000))),
  };
  let hookCycles = 0;
  // warm both paths (and every shard's copy of the endpoints)
  for (const name of ['plain', 'hooks'] as const) {
    await drive(sides[name], 40 * pairCount);
    if (name === 'hooks') hookCycles += 40 * pairCount;
  }
  await drained(3 * hookCycles);

  const cpu: Record<string, number> = {};
  const perProcess = new Map<string, number>();
  console.log(`workerd processes: ${[...workerdCpu(server.pgid!).keys()].join(', ')}`);
  for (const name of ['plain', 'hooks', 'plain', 'hooks'] as const) {
    const before = groupCpuMs(server.pgid)!.workerd;
    const processesBefore = workerdCpu(server.pgid!);
    const startedAt = Date.now();
    await drive(sides[name], cycles / 2);
    console.log(`phase ${name} ${startedAt} ${Date.now()}`);
    if (name === 'hooks') {
      hookCycles += cycles / 2;
      await drained(3 * hookCycles);
    } else await pause(300);
    cpu[name] = (cpu[name] ?? 0) + (groupCpuMs(server.pgid)!.workerd - before);
    for (const [key, ms] of workerdCpu(server.pgid!))
      perProcess.set(`${name} ${key}`, (perProcess.get(`${name} ${key}`) ?? 0) + ms - (processesBefore.get(key) ?? ms));
  }
  for (const [key, ms] of perProcess) console.log(`  ${key}: ${(ms / cycles).toFixed(2)} ms per cycle`);
  console.log(
    `workerd CPU per cycle, unprofiled (${cycles} cycles on ${pairCount} pairs each): plain ${(cpu.plain! / cycles).toFixed(2)} ms, hooks ${(cpu.hooks! / cycles).toFixed(2)} ms, ` +
      `webhook path ${((cpu.hooks! - cpu.plain!) / cycles).toFixed(2)} ms per cycle (3 events)`,
  );

  for (const name of profile ? (['plain', 'hooks'] as const) : []) {
    await profiled(
      server.inspectorPort!,
      name,
      cycles,
      `/tmp/prof/hub-${name}.cpuprofile`,
      async () => {
        await drive(sides[name], cycles);
        if (name === 'hooks') {
          hookCycles += cycles;
          await drained(3 * hookCycles);
        }
      },
      40,
    );
  }
  console.log(`\nreceived ${received} webhook requests, expected ${3 * hookCycles}`);
  for (const pair of [...sides.plain, ...sides.hooks]) pair.close();
  // What the server logged (each line costs CPU in workerd and in wrangler's proxy, which relays console output).
  const logged = new Map<string, number>();
  for (const line of server.logs().split('\n')) if (line.trim()) logged.set(line.slice(0, 100), (logged.get(line.slice(0, 100)) ?? 0) + 1);
  console.log(`server log: ${[...logged.values()].reduce((a, b) => a + b, 0)} lines`);
  for (const [line, n] of [...logged].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`  ${n} × ${line}`);
  // Statement counts, when a temporary counting wrapper around the hub's sql.exec logs them (lines starting SQLCOUNT).
  const counts = server
    .logs()
    .split('\n')
    .filter((line) => line.includes('SQLCOUNT'));
  if (counts.length > 0) writeFileSync('/tmp/prof/sqlcount.txt', counts.join('\n'));
} finally {
  await server.stop();
  receiver.close();
}
process.exit(0);
