// Installs and builds the framework examples (examples/vue, examples/svelte, examples/angular, examples/react) against
// this package's own build: `node scripts/examples.mjs [name…]`. Each example links the package with "file:../..".
// An example whose node_modules already matches its lockfile is not reinstalled.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const all = ['vue', 'svelte', 'angular', 'react'];
const chosen = process.argv.slice(2);
const unknown = chosen.filter((name) => !all.includes(name));
if (unknown.length > 0) {
  console.error(`unknown example: ${unknown.join(', ')} (choose from ${all.join(', ')})`);
  process.exit(2);
}

const npm = (cwd, ...args) =>
  execFileSync('npm', args, { cwd, stdio: 'inherit', env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false' } });

// The examples import the package's dist/, so build it first.
npm('.', 'run', '--silent', 'build:lib');

for (const name of chosen.length > 0 ? chosen : all) {
  const folder = join('examples', name);
  const started = Date.now();
  if (installedMatchesLock(folder)) console.log(`${name}: dependencies up to date`);
  else npm(folder, 'ci', '--no-update-notifier');
  npm(folder, 'run', '--silent', 'build');
  console.log(`${name}: built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/**
 * npm keeps a record of what it installed in node_modules/.package-lock.json. Up to date: everything installed is
 * locked at that version, and every locked package is installed unless it is optional (other platforms' binaries).
 */
function installedMatchesLock(folder) {
  const installedFile = join(folder, 'node_modules/.package-lock.json');
  if (!existsSync(installedFile)) return false;
  const packages = (file) =>
    new Map(Object.entries(JSON.parse(readFileSync(file, 'utf8')).packages ?? {}).filter(([path]) => path.startsWith('node_modules/')));
  const installed = packages(installedFile);
  const locked = packages(join(folder, 'package-lock.json'));
  const same = (a, b) => a.version === b.version && a.resolved === b.resolved;
  return (
    [...installed].every(([path, entry]) => locked.has(path) && same(entry, locked.get(path))) &&
    [...locked].every(([path, entry]) => entry.optional || installed.has(path))
  );
}
