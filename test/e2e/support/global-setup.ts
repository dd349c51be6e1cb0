import { execFileSync } from 'node:child_process';
import { root } from './paths.js';

/**
 * Builds what the tests serve: the site `npm start` serves (dist/site/, the plain-HTML example included beside
 * the demo so it talks to the server from the same origin), and the framework examples (scripts/examples.mjs).
 */
export default function setup(): void {
  // vitest sets NODE_ENV=test, which would make the bundle use Lit's development build (and NODE_ENV=production
  // would make the examples' `npm ci` skip their build tools): build as a shell would, without it.
  const { NODE_ENV: _testEnv, ...env } = process.env;
  const run = (command: string, args: string[]) => execFileSync(command, args, { cwd: root, stdio: 'inherit', env });
  run('npm', ['run', '--silent', 'build:elements']);
  run('npm', ['run', '--silent', 'build:site']);
  run(process.execPath, ['scripts/examples.mjs', ...(process.env.BAX_EXAMPLES?.split(',').filter(Boolean) ?? [])]);
}
