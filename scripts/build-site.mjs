// Assembles the page `npm start` serves: the demo next to the script-tag bundle, in dist/site/.
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';

const site = 'dist/site';
rmSync(site, { recursive: true, force: true });
mkdirSync(site, { recursive: true });
cpSync('demo', site, { recursive: true });
// The bundle and the parts it loads on demand (bax-call-*.js).
for (const file of existsSync('dist') ? readdirSync('dist') : []) if (/^bax-call(-[\w-]+)?\.js$/.test(file)) cpSync(`dist/${file}`, `${site}/${file}`);
// The plain-HTML example needs no build: serve it next to the bundle it loads.
mkdirSync(`${site}/examples/vanilla`, { recursive: true });
cpSync('examples/vanilla/index.html', `${site}/examples/vanilla/index.html`);
console.log(`site assembled in ${site}/`);
