// Serves a Worker config locally, as `wrangler dev` does (the same engine, workerd, through wrangler's own
// startWorker API), without the DevTools inspector unless --inspector-port asks for one.
//
// Why not the `wrangler dev` command: it always opens a DevTools inspector on a local port and subscribes it to
// every outbound request (wrangler's inspector proxy relays each request's network events to the wrangler process).
// A signaling server that sends webhooks and Web Push pays for that on every delivery (about 1 ms of CPU per
// invitation with one webhook endpoint, bench/results/README.md), and any local process that reaches the inspector
// port can run code inside the Worker. `npm run dev` keeps the command, with the inspector, for debugging.
//
//   node scripts/serve.mjs [--config wrangler.jsonc] [--ip 127.0.0.1] [--port 8787] [--persist-to .wrangler/state]
//                          [--var NAME:value]… [--inspector-port N] [--log-level log]
//
// It prints "Ready on <url>" once the server answers, and stops the server on SIGINT or SIGTERM.
import { createServer } from 'node:net';
import { parseArgs } from 'node:util';
import { unstable_startWorker } from 'wrangler';

const { values } = parseArgs({
  options: {
    config: { type: 'string', default: 'wrangler.jsonc' },
    ip: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '8787' },
    'persist-to': { type: 'string', default: '.wrangler/state' },
    var: { type: 'string', multiple: true, default: [] },
    'inspector-port': { type: 'string' },
    'log-level': { type: 'string', default: 'log' },
  },
});

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port: a port number, not ${JSON.stringify(values.port)}`);
  process.exit(2);
}
const bindings = {};
for (const entry of values.var) {
  const at = entry.indexOf(':');
  if (at < 1) {
    console.error(`--var: NAME:value, not ${JSON.stringify(entry)}`);
    process.exit(2);
  }
  bindings[entry.slice(0, at)] = { type: 'plain_text', value: entry.slice(at + 1) };
}
const inspectorPort = values['inspector-port'] === undefined ? undefined : Number(values['inspector-port']);

// wrangler's dev server does not end when its port is taken (its workerd logs the failed bind and waits): find out
// first, and exit as the `wrangler dev` command does, so that whoever started us can pick another port.
if (port !== 0) {
  await new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', (error) => {
      console.error(`Address already in use: ${values.ip}:${port} (${error.code})`);
      process.exit(1);
    });
    probe.listen(port, values.ip, () => probe.close(resolve));
  });
}

const worker = await unstable_startWorker({
  config: values.config,
  bindings,
  dev: {
    inspector: inspectorPort === undefined ? false : { hostname: '127.0.0.1', port: inspectorPort },
    watch: false,
    liveReload: false,
    persist: values['persist-to'],
    server: { hostname: values.ip, port },
    logLevel: values['log-level'],
  },
});
await worker.ready;

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    // workerd is a child of this process: dispose stops it before we exit.
    worker.dispose().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
