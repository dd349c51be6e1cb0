import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './paths.js';

/**
 * Builds what the server under test serves: the script-tag bundle and the site `npm start` serves (dist/site/),
 * with the plain-HTML example beside the demo, so the example talks to the server from the same origin.
 */
export default function setup(): void {
  const run = (args: string[]) => execFileSync('npm', ['run', '--silent', ...args], { cwd: root, stdio: 'inherit' });
  run(['build:elements']);
  run(['build:site']);
  const target = join(root, 'dist/site/examples/vanilla');
  mkdirSync(target, { recursive: true });
  cpSync(join(root, 'examples/vanilla/index.html'), join(target, 'index.html'));
}
