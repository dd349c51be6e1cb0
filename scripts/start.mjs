// Runs the signaling server and the demo page on the embedded default: local Durable Objects whose
// SQLite storage persists under .wrangler/, served by scripts/serve.mjs (wrangler's dev server, without the DevTools
// inspector; INSPECTOR_PORT=<port> opens one). PORT changes the port (default 8787). The demo project (published
// keys, tokens for anyone) exists only where it is asked for: here, for local development (DEMO_PROJECT=off
// npm start leaves it out).
import { spawn } from 'node:child_process';

const port = process.env.PORT ?? '8787';
const child = spawn(
  process.execPath,
  [
    'scripts/serve.mjs',
    '--ip',
    process.env.HOST ?? '127.0.0.1',
    '--port',
    port,
    '--persist-to',
    '.wrangler/state',
    '--var',
    `DEMO_PROJECT:${process.env.DEMO_PROJECT ?? 'on'}`,
    '--var',
    'LOCAL_DEVELOPMENT:on',
    ...(process.env.INSPECTOR_PORT ? ['--inspector-port', process.env.INSPECTOR_PORT] : []),
  ],
  { stdio: 'inherit', env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } },
);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => process.exit(code ?? 0));
