/**
 * V8 CPU profiles of the signaling server's workerd, through the DevTools inspector `wrangler dev` opens (for the
 * by-hand profiling scripts bench/profile.ts and bench/profile-hub.ts; not part of npm run bench).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import WebSocket from 'ws';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/** A profile as `Profiler.stop` returns it. */
export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Opens the inspector of the Worker's runtime on `port` (not the baseline's, when both run). */
async function inspector(port: number) {
  const list = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as Array<{ webSocketDebuggerUrl: string; title?: string }>;
  const target = list.find((entry) => !entry.title?.includes('bench-baseline')) ?? list[0]!;
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
  let id = 0;
  const pending = new Map<number, (value: unknown) => void>();
  ws.on('message', (data) => {
    const message = JSON.parse((data as Buffer).toString('utf8')) as { id?: number; result?: unknown };
    if (message.id !== undefined) pending.get(message.id)?.(message.result);
  });
  const call = (method: string, params: object = {}) =>
    new Promise<Record<string, unknown>>((resolve) => {
      pending.set(++id, resolve as (value: unknown) => void);
      ws.send(JSON.stringify({ id, method, params }));
    });
  return { call, close: () => ws.close() };
}

/** Prints the self time per function, per `per` units (cycles, connects), leaving out idle and native time. */
function printSelfTimes(label: string, profile: CpuProfile, per: number, top: number): void {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) self.set(profile.samples[i]!, (self.get(profile.samples[i]!) ?? 0) + (profile.timeDeltas[i + 1] ?? 0));
  const byFunction = new Map<string, number>();
  let total = 0;
  for (const [nodeId, us] of self) {
    const frame = byId.get(nodeId)!.callFrame;
    if (frame.functionName === '(idle)' || frame.functionName === '(program)') continue;
    total += us;
    const key = `${frame.functionName || '(anon)'} ${frame.url.split('/').pop()}:${frame.lineNumber}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  }
  console.log(`\n== ${label}: JS CPU (non-idle) ${(total / 1000 / per).toFixed(3)} ms per unit over ${per}`);
  for (const [key, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${(us / 1000 / per).toFixed(4).padStart(8)} ms  ${key}`);
}

/**
 * Runs `work` under a V8 CPU profile (0.1 ms samples) of the runtime behind inspector `port`, writes the profile to
 * `file` (open it in Chrome's DevTools) and prints the self time per function per `per` units.
 */
export async function profiled<T>(port: number, label: string, per: number, file: string, work: () => Promise<T>, top = 45): Promise<T> {
  const session = await inspector(port);
  await session.call('Profiler.enable');
  await session.call('Profiler.setSamplingInterval', { interval: 100 });
  await session.call('Profiler.start');
  const result = await work();
  const { profile } = (await session.call('Profiler.stop')) as { profile: CpuProfile };
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(profile));
  printSelfTimes(label, profile, per, top);
  session.close();
  return result;
}
