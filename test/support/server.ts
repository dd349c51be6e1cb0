import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface TestProject {
  projectId: string;
  apiKey: string;
  secret: string;
  allowedOrigins?: string[];
  invitesPerMinute?: number;
}

export interface StartOptions {
  /** Durable Object storage folder; default: a fresh temporary one, removed by stop(). */
  stateDir?: string;
  port?: number;
  projects?: TestProject[];
  /** Further Worker variables, e.g. WEBHOOK_RETRY_SCHEDULE. */
  vars?: Record<string, string>;
  /** Turns the demo project on (DEMO_PROJECT=on), as `npm start` does; default true. `vars` may still override it. */
  demo?: boolean;
}

export interface RunningServer {
  host: string;
  url: string;
  port: number;
  stateDir: string;
  /** Stops wrangler; the state folder stays when it was given, so a restart can reuse it. */
  stop(options?: { keepState?: boolean }): Promise<void>;
  /** Kills wrangler and its workerd at once, as a crash would. */
  kill(): Promise<void>;
  logs(): string;
}

/**
 * A free loopback port, below the kernel's ephemeral range where it can tell (Linux). A server that restarts on its
 * port needs it still free: a port of that range (what listening on port 0 hands out) can be taken meanwhile as the
 * local end of any outgoing connection, and thousands of clients reconnecting at once make that likely.
 */
export async function freePort(): Promise<number> {
  const low = ephemeralLow();
  for (let attempt = 0; low !== null && low > 12_000 && attempt < 50; attempt++) {
    const port = await listenOnce(10_000 + Math.floor(Math.random() * (low - 10_000)));
    if (port !== null) return port;
  }
  const port = await listenOnce(0);
  if (port === null) throw new Error('no free port on 127.0.0.1');
  return port;
}

/** The lowest port of the kernel's ephemeral range, or null where that cannot be read. */
function ephemeralLow(): number | null {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) ? low : null;
  } catch {
    return null;
  }
}

/** Listens on `port` (0: any) at 127.0.0.1 and lets go at once: the port it got, or null when that one is taken. */
function listenOnce(port: number): Promise<number | null> {
  return new Promise((resolvePort) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolvePort(null));
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : null));
    });
  });
}

/** Within the suites' hook timeout (90 s), so that a server that does not come up fails with its output. */
const START_TIMEOUT_MS = 80_000;

/** Starts the real signaling server as `npm start` does (scripts/serve.mjs: wrangler's dev server, local Durable Objects) on a free loopback port. */
export async function startServer(options: StartOptions = {}, attempt = 1, deadline = Date.now() + START_TIMEOUT_MS): Promise<RunningServer> {
  const port = options.port ?? (await freePort());
  const ownState = !options.stateDir;
  const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), 'bax-state-'));
  mkdirSync(join(root, 'dist/site'), { recursive: true });
  const args = [
    join(root, 'scripts/serve.mjs'),
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--persist-to',
    stateDir,
    '--log-level',
    'log',
    '--var',
    'LOCAL_DEVELOPMENT:on',
  ];
  if (options.projects) args.push('--var', `PROJECTS:${JSON.stringify(options.projects)}`);
  const vars = { ...(options.demo === false ? {} : { DEMO_PROJECT: 'on' }), ...options.vars };
  for (const [name, value] of Object.entries(vars)) args.push('--var', `${name}:${value}`);
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    const gone = child.exitCode !== null;
    // A port clash: another process took our free port before wrangler bound it (wrangler exits), or one of the ports
    // wrangler picks for the runtime's own sockets (workerd dies on its bind, wrangler lives on and never answers).
    // Start over; when the caller fixed our port and wrangler exited on it, starting over cannot help.
    if (/Address already in use/.test(output) && attempt < 3 && (!gone || options.port === undefined)) {
      killGroup(child, 'SIGKILL');
      if (ownState) rmSync(stateDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
      return startServer(options, attempt + 1, deadline);
    }
    if (gone) throw new Error(`wrangler exited early:\n${output}`);
    try {
      const response = await fetch(`${url}/v1/health`, { signal: AbortSignal.timeout(2000) });
      // Its own answer, not just any: another test's server may have bound the port between freePort and wrangler
      // (wrangler then exits with "Address already in use", and the loop above tries another port).
      if (response.ok && ((await response.json().catch(() => null)) as { ok?: unknown } | null)?.ok === true) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      killGroup(child);
      throw new Error(`wrangler did not start within ${START_TIMEOUT_MS / 1000} s (attempt ${attempt}):\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const halt = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) {
      killGroup(child, signal);
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      killGroup(child, 'SIGKILL');
    }
  };
  return {
    host: `127.0.0.1:${port}`,
    url,
    port,
    stateDir,
    logs: () => output,
    async stop({ keepState = false } = {}) {
      await halt('SIGTERM');
      if (ownState && !keepState) rmSync(stateDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    },
    async kill() {
      await halt('SIGKILL');
    },
  };
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // already gone
  }
}
