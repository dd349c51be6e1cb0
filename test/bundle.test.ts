import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { init, parse } from 'es-module-lexer';
import { launchChromium } from './support/chromium.js';

/**
 * The script-tag bundle, as `npm run build` left it in dist/ (this test builds nothing): it must stay small
 * enough to drop into any page, and loading it twice must be harmless. The media code of calls lives beside it in
 * bax-call-media.js, which it loads only when a call starts.
 */

const BUNDLE = new URL('../dist/bax-call.js', import.meta.url);
const MEDIA = new URL('../dist/bax-call-media.js', import.meta.url);
const MAX_MEDIA_GZIPPED_BYTES = 15_000;
/** The modules a file imports statically (`import … from '…'`), as an ES module parser reads them: text inside strings does not count. */
function staticImports(code: Buffer): string[] {
  const [imports] = parse(code.toString('utf8'));
  return imports.filter((entry) => entry.d === -1).map((entry) => entry.n ?? '');
}
const { version: PACKAGE_VERSION } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
const MAX_GZIPPED_BYTES = 25_000;
const TAGS = ['bax-cloud', 'bax-call-button', 'bax-incoming-call', 'bax-call-history'];

let source: Buffer;
let media: Buffer;
let site: Server;
let origin: string;
let browser: Browser;

beforeAll(async () => {
  await init;
  source = readFileSync(BUNDLE);
  media = readFileSync(MEDIA);
  // Two tags with different query strings are two module records, so the bundle really evaluates twice,
  // as on a page that includes the script tag in two places.
  const page = `<!doctype html><title>bundle</title>
<script type="module" src="/bax-call.js?copy=1"></script>
<script type="module" src="/bax-call.js?copy=2"></script>`;
  site = createServer((request, response) => {
    if (request.url?.startsWith('/bax-call.js')) response.writeHead(200, { 'content-type': 'text/javascript' }).end(source);
    else if (request.url?.startsWith('/bax-call-media.js')) response.writeHead(200, { 'content-type': 'text/javascript' }).end(media);
    else if (request.url === '/') response.writeHead(200, { 'content-type': 'text/html' }).end(page);
    else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', () => resolve()));
  origin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (site ? site.close(() => resolve()) : resolve()));
});

it('is under 25 KB gzipped', () => {
  const gzipped = gzipSync(source, { level: 9 }).length;
  expect(gzipped, `dist/bax-call.js is ${gzipped} bytes gzipped`).toBeLessThan(MAX_GZIPPED_BYTES);
});

it('keeps the media code of calls in bax-call-media.js, under 15 KB gzipped, imported only dynamically', () => {
  const gzipped = gzipSync(media, { level: 9 }).length;
  expect(gzipped, `dist/bax-call-media.js is ${gzipped} bytes gzipped`).toBeLessThan(MAX_MEDIA_GZIPPED_BYTES);
  const text = source.toString('utf8');
  expect(text).toMatch(/\bimport\(\s*["'`]\.\/bax-call-media\.js["'`]\s*\)/);
  expect(staticImports(source)).toEqual([]);
  // Nor does the media code import the bundle: they share no module, whatever URL the page loaded the bundle by.
  expect(staticImports(media)).toEqual([]);
});

it('fetches the media code from beside itself only once a call starts', async () => {
  const page = await browser.newPage();
  const requested: string[] = [];
  page.on('request', (request) => requested.push(request.url()));
  await page.goto(`${origin}/`, { waitUntil: 'load' });
  expect(requested.filter((url) => url.includes('bax-call-media'))).toEqual([]);
  // A client with no server to reach: connect() loads the media code first, then waits for the server.
  await page.evaluate(`(async () => {
    const { configure } = await import('/bax-call.js?copy=1');
    window.client = configure({ projectId: 'demo', apiKey: 'demo-api-key', host: '127.0.0.1:9', user: { userId: 'alice' }, token: 'unused' });
    window.joining = window.client.connect({ roomName: 'standup' }).catch((error) => error.code);
  })()`);
  await expect.poll(() => requested.filter((url) => url.includes('bax-call-media'))).toEqual([`${origin}/bax-call-media.js`]);
  expect(await page.evaluate(`(async () => { window.client.disconnect(); return window.joining; })()`)).toBe('disconnected');
  await page.close();
});

it('loads twice in Chromium without errors and defines the four elements', async () => {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  const loads: string[] = [];
  page.on('requestfinished', (request) => {
    if (request.url().includes('/bax-call.js')) loads.push(request.url());
  });
  await page.goto(`${origin}/`, { waitUntil: 'load' });
  // Module scripts run before `load`; both copies were fetched and evaluated.
  expect(loads.sort()).toEqual([`${origin}/bax-call.js?copy=1`, `${origin}/bax-call.js?copy=2`]);
  const defined = await page.evaluate((tags) => tags.filter((tag) => customElements.get(tag) !== undefined), TAGS);
  expect(defined).toEqual(TAGS);
  // The same URLs resolve to the module records the tags created: two copies, and the first one's elements won.
  // A string, so that vitest leaves these dynamic imports for the browser to resolve.
  const copies = await page.evaluate(`(async () => {
    const [first, second] = await Promise.all([import('/bax-call.js?copy=1'), import('/bax-call.js?copy=2')]);
    return { distinct: first.BaxCallButton !== second.BaxCallButton, firstDefined: customElements.get('bax-call-button') === first.BaxCallButton, version: first.VERSION };
  })()`);
  // The version two copies compare is the package's (src/elements/version.ts is generated from package.json).
  expect(copies).toEqual({ distinct: true, firstDefined: true, version: PACKAGE_VERSION });
  expect(errors).toEqual([]);
  await page.close();
});
