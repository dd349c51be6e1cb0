/**
 * Profiles the signaling server's workerd CPU by hand (not part of npm run bench): starts it as the benchmark does,
 * records a V8 CPU profile through wrangler's inspector while (a) new users connect and (b) pairs run invitation
 * cycles, and prints the self time per function and per source file. `node --import tsx bench/profile.ts [users] [cycles]`
 */
import { profiled } from './lib/inspector.js';
import { connectOurPair, serverVars } from './lib/pairs.js';
import { connectOurUser } from './lib/users.js';
import { startWrangler } from './lib/wrangler.js';

const PROJECT = { projectId: 'bench', apiKey: 'bench-key', secret: 'bench-secret', invitesPerMinute: 100_000, allowedOrigins: ['*'] };
const users = Number(process.argv[2] ?? 200);
const cycles = Number(process.argv[3] ?? 300);

const server = await startWrangler({
  config: 'wrangler.jsonc',
  inspector: true,
  healthPath: '/v1/health',
  vars: serverVars([PROJECT]),
});
try {
  // warm the isolate
  const warm = await connectOurPair(server.host, { caller: 'warm-a', callee: 'warm-b' }, PROJECT, 10_000);
  for (let i = 0; i < 20; i++) await warm.cycle('accept');
  const held = await profiled(server.inspectorPort!, 'connect', users, '/tmp/prof/connect.cpuprofile', async () => {
    const out = [];
    for (let i = 0; i < users; i += 10)
      out.push(...(await Promise.all(Array.from({ length: 10 }, (_, k) => connectOurUser(server.host, `u${i + k}`, PROJECT, 10_000)))));
    return out;
  });
  for (const u of held) u.close();
  const pairs = await Promise.all(Array.from({ length: 4 }, (_, i) => connectOurPair(server.host, { caller: `pa${i}`, callee: `pb${i}` }, PROJECT, 10_000)));
  for (const p of pairs) await p.cycle('accept');
  await profiled(server.inspectorPort!, 'cycle', cycles, '/tmp/prof/cycle.cpuprofile', async () => {
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
