import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../support/server.js';

export interface RunningTurnServer {
  /** The `turn:` URL browsers reach it at, over UDP. */
  url: string;
  /** The shared secret it checks TURN REST credentials with (`use-auth-secret`). */
  secret: string;
  logs(): string;
  stop(): Promise<void>;
}

/**
 * Debian's coturn on loopback, checking the TURN REST credentials the server mints, relaying on loopback too
 * (`--allow-loopback-peers`): a relay-only call between two browsers on this machine then flows through it.
 */
export async function startTurnServer(): Promise<RunningTurnServer> {
  const port = await freePort();
  const secret = randomBytes(16).toString('hex');
  // Its own pid file and user database, so several can run on one machine.
  const folder = mkdtempSync(join(tmpdir(), 'bax-turn-'));
  const minPort = 40_000 + Math.floor(Math.random() * 200) * 100;
  const child = spawn(
    '/usr/bin/turnserver',
    [
      '-n',
      '--listening-ip=127.0.0.1',
      '--relay-ip=127.0.0.1',
      `--listening-port=${port}`,
      `--min-port=${minPort}`,
      `--max-port=${minPort + 99}`,
      '--use-auth-secret',
      `--static-auth-secret=${secret}`,
      '--realm=bax.test',
      '--no-cli',
      '--no-tls',
      '--no-dtls',
      '--allow-loopback-peers',
      '--log-file=stdout',
      '--simple-log',
      `--pidfile=${join(folder, 'turnserver.pid')}`,
      `--userdb=${join(folder, 'turndb')}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 10_000;
  while (!/listener opened on/i.test(output) || !/relay/i.test(output)) {
    if (child.exitCode !== null) throw new Error(`turnserver exited:\n${output}`);
    if (Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url: `turn:127.0.0.1:${port}?transport=udp`,
    secret,
    logs: () => output,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(folder, { recursive: true, force: true });
    },
  };
}
