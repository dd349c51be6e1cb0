import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../test/support/server.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const wranglerBin = join(root, 'node_modules/wrangler/bin/wrangler.js');
/** What `npm start` serves with: wrangler's dev server without the DevTools inspector unless asked for. */
const serveScript = join(root, 'scripts/serve.mjs');

/**
 * Where the servers keep their Durable Object state (and their bundles): `ram`, a folder under /dev/shm, or `disk`,
 * the OS temp folder. The local runtime ends every commit of an object's SQLite with an fsync on its one JavaScript
 * thread, which every object of the server shares; on this kind of machine that flush, not the code, then sets the
 * pace of anything that writes (bench/results/README.md, seventh round). On Cloudflare an object's storage is made
 * durable by replication and no other object waits for it, so `ram` is the default where the machine has it.
 */
export type Storage = 'ram' | 'disk';
const RAM_FOLDER = '/dev/shm';
export const DEFAULT_STORAGE: Storage = existsSync(RAM_FOLDER) ? 'ram' : 'disk';
let storage: Storage = DEFAULT_STORAGE;

/** Where servers started from now on keep their state (see Storage). */
export function useStorage(kind: Storage): void {
  if (kind === 'ram' && !existsSync(RAM_FOLDER)) throw new Error(`no ${RAM_FOLDER} on this machine: use disk storage`);
  storage = kind;
}

export function currentStorage(): { kind: Storage; folder: string } {
  return { kind: storage, folder: storage === 'ram' ? RAM_FOLDER : tmpdir() };
}

export interface StartedWorker {
  host: string;
  url: string;
  port: number;
  /** The DevTools inspector, when `inspector` asked for one (for profiling the worker by hand). */
  inspectorPort: number | null;
  /** The process group of wrangler and its workerd. */
  pgid: number | undefined;
  stop(): Promise<void>;
  /**
   * Stops the server process (as a crash would: SIGKILL, no shutdown) and serves the same bundle and state on the
   * same port again; resolves once it answers its health path. The sockets it held drop.
   */
  restart(): Promise<{ downAt: number; upAt: number }>;
  logs(): string;
}

export interface StartOptions {
  /** A wrangler config, relative to the repository root. */
  config: string;
  healthPath: string;
  /** `--var` bindings. */
  vars?: Record<string, string>;
  startTimeoutMs?: number;
  /** Opens wrangler's DevTools inspector (the profiling scripts); off by default, as `npm start` has it. */
  inspector?: boolean;
  /** Aborting stops whatever was started, also while still starting. */
  signal?: AbortSignal;
}

/**
 * Serves a worker config as `npm start` does (scripts/serve.mjs: wrangler's dev server, no DevTools inspector unless
 * `inspector`) on a free 127.0.0.1 port with fresh state, as test/support/server.ts does, but on a snapshot: the worker is bundled once (`wrangler deploy --dry-run`) into a temporary folder (on the current Storage) and
 * served from there with `no_bundle`, with a private dev registry. Edits to the sources (or to dist/site) during
 * a run then cannot make wrangler rebuild and restart workerd, which would drop every socket mid-measurement.
 * stop() ends the process group and removes the folder.
 */
export async function startWrangler(options: StartOptions): Promise<StartedWorker> {
  const work = mkdtempSync(join(currentStorage().folder, 'bax-bench-'));
  const processes: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(processes.map((child) => halt(child)));
    try {
      // Retries cover a workerd that is still dying while its files go.
      rmSync(work, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    } catch (error) {
      console.warn(`could not remove ${work}: ${(error as Error).message}`);
    }
  };
  const onAbort = () => void stop();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    options.signal?.throwIfAborted();
    // 1. bundle once (wrangler wants the assets folder to exist; a fresh clone has no dist/site before a build, and
    // the server is then served with an empty one of its own anyway)
    mkdirSync(join(root, 'dist/site'), { recursive: true });
    const bundleDir = join(work, 'bundle');
    const bundler = run([wranglerBin, 'deploy', '--dry-run', '--outdir', bundleDir, '--config', resolve(root, options.config)], work);
    processes.push(bundler.child);
    const bundled = await Promise.race([bundler.exit, delay(90_000).then(() => 'timeout' as const)]);
    if (bundled !== 0) throw new Error(`bundling ${options.config} failed (${bundled}):\n${bundler.output()}`);

    // 2. the same config, pointed at the bundle
    const config = parseJsonc(readFileSync(resolve(root, options.config), 'utf8')) as Record<string, unknown>;
    delete config.$schema;
    delete config.build;
    // The bundle is named after the entry point (worker.ts → worker.js).
    config.main = join(bundleDir, basename(String(config.main)).replace(/\.[cm]?[jt]s$/, '.js'));
    config.no_bundle = true;
    const assets = config.assets as { directory?: string } | undefined;
    if (assets?.directory) {
      // Only requests for files reach the assets; an empty folder keeps the same routing without watching dist/.
      assets.directory = join(work, 'site');
      mkdirSync(assets.directory, { recursive: true });
    }
    const configPath = join(work, 'wrangler.json');
    writeFileSync(configPath, JSON.stringify(config, null, 2));

    // 3. serve it
    const port = await freePort();
    const inspectorPort = options.inspector ? await freePort() : null;
    const args = [
      serveScript,
      '--config',
      configPath,
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      ...(inspectorPort === null ? [] : ['--inspector-port', String(inspectorPort)]),
      '--persist-to',
      join(work, 'state'),
      '--log-level',
      'log',
    ];
    for (const [name, value] of Object.entries(options.vars ?? {})) args.push('--var', `${name}:${value}`);
    options.signal?.throwIfAborted();
    const url = `http://127.0.0.1:${port}`;
    let earlierOutput = '';
    const serve = async () => {
      const server = run(args, root, { WRANGLER_REGISTRY_PATH: join(work, 'registry') });
      processes.push(server.child);
      const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
      for (;;) {
        options.signal?.throwIfAborted();
        if (server.child.exitCode !== null) throw new Error(`the dev server (${options.config}) exited early:\n${server.output()}`);
        try {
          // Long enough to wait behind thousands of users reconnecting at a restart: a shorter wait gave up on
          // every answer once they took longer than it, and the server never counted as up.
          const response = await fetch(url + options.healthPath, { signal: AbortSignal.timeout(15_000) });
          if (response.ok) break;
        } catch {
          // not listening (or not answering) yet
        }
        if (Date.now() > deadline) throw new Error(`the dev server (${options.config}) did not answer ${options.healthPath} in time:\n${server.output()}`);
        await delay(50);
      }
      return server;
    };
    let server = await serve();
    const started: StartedWorker = {
      host: `127.0.0.1:${port}`,
      url,
      port,
      inspectorPort,
      pgid: server.child.pid,
      stop,
      logs: () => earlierOutput + server.output(),
      restart: async () => {
        const old = server;
        killGroup(old.child, 'SIGKILL');
        for (let waited = 0; waited < 5000 && groupAlive(old.child); waited += 20) await delay(20);
        const downAt = performance.now();
        earlierOutput += old.output() + '\n--- restarted ---\n';
        processes.splice(processes.indexOf(old.child), 1);
        server = await serve();
        started.pgid = server.child.pid;
        return { downAt, upAt: performance.now() };
      },
    };
    return started;
  } catch (error) {
    options.signal?.removeEventListener('abort', onAbort);
    await stop();
    throw error;
  }
}

function run(args: string[], cwd: string, env: Record<string, string> = {}): { child: ChildProcess; exit: Promise<number | string>; output: () => string } {
  const child = spawn(process.execPath, args, {
    cwd,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true', NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so stopping it also stops workerd.
    detached: true,
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exit = new Promise<number | string>((r) => child.once('exit', (code, signal) => r(code ?? signal ?? 'exited')));
  return { child, exit, output: () => output };
}

/** Stops a process group: SIGTERM, up to 5 s for wrangler to exit, SIGKILL, then up to 5 s until none is left. */
async function halt(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    killGroup(child, 'SIGTERM');
    await Promise.race([exited, delay(5000)]);
  }
  killGroup(child, 'SIGKILL');
  for (let waited = 0; waited < 5000 && groupAlive(child); waited += 50) await delay(50);
}

function groupAlive(child: ChildProcess): boolean {
  try {
    process.kill(-child.pid!, 0);
    return true;
  } catch {
    return false;
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // already gone
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** JSON with comments and trailing commas (wrangler.jsonc), read without a dependency. */
export function parseJsonc(text: string): unknown {
  let out = '';
  let i = 0;
  /** Index of the next character that is neither whitespace nor inside a comment. */
  const significant = (from: number): number => {
    let j = from;
    for (;;) {
      while (j < text.length && /\s/.test(text[j]!)) j++;
      if (text.startsWith('//', j)) while (j < text.length && text[j] !== '\n') j++;
      else if (text.startsWith('/*', j)) j = text.indexOf('*/', j + 2) < 0 ? text.length : text.indexOf('*/', j + 2) + 2;
      else return j;
    }
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      const start = i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      out += text.slice(start, ++i);
    } else if (c === '/' && (text[i + 1] === '/' || text[i + 1] === '*')) {
      i = significant(i);
    } else if (c === ',' && (text[significant(i + 1)] === '}' || text[significant(i + 1)] === ']')) {
      i++;
    } else {
      out += c;
      i++;
    }
  }
  return JSON.parse(out);
}
