// Assembles the page `npm start` serves: the demo next to the script-tag bundle, in dist/site/.
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';

const site = 'dist/site';
rmSync(site, { recursive: true, force: true });
mkdirSync(site, { recursive: true });
cpSync('demo', site, { recursive: true });
// bax-call.js loads bax-call-media.js from beside itself when a call starts.
for (const file of ['bax-call.js', 'bax-call-media.js']) if (existsSync(`dist/${file}`)) cpSync(`dist/${file}`, `${site}/${file}`);
// The plain-HTML example needs no build: serve it next to the bundle it loads.
mkdirSync(`${site}/examples/vanilla`, { recursive: true });
cpSync('examples/vanilla/index.html', `${site}/examples/vanilla/index.html`);
console.log(`site assembled in ${site}/`);
