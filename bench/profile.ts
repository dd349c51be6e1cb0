/**
 * Profiles the signaling server's workerd CPU by hand (not part of npm run bench): starts it as the benchmark does,
 * records a V8 CPU profile through wrangler's inspector while (a) new users connect and (b) pairs run invitation
 * cycles, and prints the self time per function and per source file. `node --import tsx bench/profile.ts [users] [cycles]`
 */
import { writeFileSync } from 'node:fs';
import WebSocket from 'ws';
import { connectOurPair } from './lib/pairs.js';
import { connectOurUser } from './lib/users.js';
import { startWrangler } from './lib/wrangler.js';

const PROJECT = { projectId: 'bench', apiKey: 'bench-key', secret: 'bench-secret', invitesPerMinute: 100_000, allowedOrigins: ['*'] };
const users = Number(process.argv[2] ?? 200);
const cycles = Number(process.argv[3] ?? 300);

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

async function inspector(port: number) {
  const list = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as Array<{ webSocketDebuggerUrl: string; title?: string }>;
  const target = list.find((t) => !t.title?.includes('bench-baseline')) ?? list[0]!;
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((r, j) => (ws.once('open', r), ws.once('error', j)));
  let id = 0;
  const pending = new Map<number, (v: unknown) => void>();
  ws.on('message', (data) => {
    const msg = JSON.parse((data as Buffer).toString('utf8')) as { id?: number; result?: unknown };
    if (msg.id !== undefined) pending.get(msg.id)?.(msg.result);
  });
  const call = (method: string, params: object = {}) =>
    new Promise<Record<string, unknown>>((resolve) => {
      pending.set(++id, resolve as (v: unknown) => void);
      ws.send(JSON.stringify({ id, method, params }));
    });
  return { call, close: () => ws.close() };
}

function summarize(label: string, profile: Profile, per: number): void {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) self.set(profile.samples[i]!, (self.get(profile.samples[i]!) ?? 0) + (profile.timeDeltas[i + 1] ?? 0));
  const fn = new Map<string, number>();
  const file = new Map<string, number>();
  let total = 0;
  for (const [nodeId, us] of self) {
    const n = byId.get(nodeId)!;
    const f = n.callFrame;
    if (f.functionName === '(idle)' || f.functionName === '(program)') continue;
    total += us;
    const key = `${f.functionName || '(anon)'} ${f.url.split('/').pop()}:${f.lineNumber}`;
    fn.set(key, (fn.get(key) ?? 0) + us);
    const fk = f.url.split('/').pop() || f.functionName;
    file.set(fk, (file.get(fk) ?? 0) + us);
  }
  console.log(`\n== ${label}: JS CPU (non-idle) ${(total / 1000 / per).toFixed(3)} ms per unit over ${per}`);
  for (const [k, us] of [...fn].sort((a, b) => b[1] - a[1]).slice(0, 45)) console.log(`${(us / 1000 / per).toFixed(4).padStart(8)} ms  ${k}`);
}

async function profiled<T>(port: number, label: string, per: number, fn: () => Promise<T>): Promise<T> {
  const insp = await inspector(port);
  await insp.call('Profiler.enable');
  await insp.call('Profiler.setSamplingInterval', { interval: 100 });
  await insp.call('Profiler.start');
  const result = await fn();
  const { profile } = (await insp.call('Profiler.stop')) as { profile: Profile };
  writeFileSync(`/tmp/prof/${label}.cpuprofile`, JSON.stringify(profile));
  summarize(label, profile, per);
  insp.close();
  return result;
}

const server = await startWrangler({
  config: 'wrangler.jsonc',
  healthPath: '/v1/health',
  vars: { PROJECTS: JSON.stringify([PROJECT]), FRAMES_PER_SECOND: '1000000', FRAME_BURST: '1000000' },
});
try {
  // warm the isolate
  const warm = await connectOurPair(server.host, { caller: 'warm-a', callee: 'warm-b' }, PROJECT, 10_000);
  for (let i = 0; i < 20; i++) await warm.cycle('accept');
  const held = await profiled(server.inspectorPort, 'connect', users, async () => {
    const out = [];
    for (let i = 0; i < users; i += 10)
      out.push(...(await Promise.all(Array.from({ length: 10 }, (_, k) => connectOurUser(server.host, `u${i + k}`, PROJECT, 10_000)))));
    return out;
  });
  for (const u of held) u.close();
  const pairs = await Promise.all(Array.from({ length: 4 }, (_, i) => connectOurPair(server.host, { caller: `pa${i}`, callee: `pb${i}` }, PROJECT, 10_000)));
  for (const p of pairs) await p.cycle('accept');
  await profiled(server.inspectorPort, 'cycle', cycles, async () => {
    await Promise.all(
      pairs.map(async (p) => {
        for (let i = 0; i < cycles / pairs.length; i++) await p.cycle('accept');
      }),
    );
  });
  for (const p of pairs) p.close();
  warm.close();
} finally {
  await server.stop();
}
process.exit(0);
