// Assembles the page `npm start` serves: the demo next to the script-tag bundle, in dist/site/.
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';

const site = 'dist/site';
rmSync(site, { recursive: true, force: true });
mkdirSync(site, { recursive: true });
if (existsSync('demo')) cpSync('demo', site, { recursive: true });
else writeFileSync(`${site}/index.html`, '<!doctype html><title>BaxCloud Call</title><p>The signaling server is running.</p>\n');
if (existsSync('dist/bax-call.js')) cpSync('dist/bax-call.js', `${site}/bax-call.js`);
console.log(`site assembled in ${site}/`);
