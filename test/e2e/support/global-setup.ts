import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './paths.js';

/**
 * Builds what the tests serve: the site `npm start` serves (dist/site/), with the plain-HTML example beside the
 * demo so it talks to the server from the same origin, and the framework examples (scripts/examples.mjs).
 */
export default function setup(): void {
  const run = (command: string, args: string[]) => execFileSync(command, args, { cwd: root, stdio: 'inherit' });
  run('npm', ['run', '--silent', 'build:elements']);
  run('npm', ['run', '--silent', 'build:site']);
  const target = join(root, 'dist/site/examples/vanilla');
  mkdirSync(target, { recursive: true });
  cpSync(join(root, 'examples/vanilla/index.html'), join(target, 'index.html'));
  run(process.execPath, ['scripts/examples.mjs', ...(process.env.BAX_EXAMPLES?.split(',').filter(Boolean) ?? [])]);
}
