import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { init, parse } from 'es-module-lexer';
import { launchChromium } from './support/chromium.js';

/**
 * The shipped translations as `npm run build` left them in dist/ (this test builds nothing): beside the script-tag
 * bundle as files of their own, which the bundle loads for a page in their language, and in the npm build as
 * `@baxcloud/call/translations/<code>`.
 */

const DIST = new URL('../dist/', import.meta.url);
const SHIPPED = ['ar', 'de', 'es', 'fr', 'ja', 'pt-BR', 'zh-CN'];

let site: Server;
let origin: string;
let browser: Browser;

beforeAll(async () => {
  await init;
  // dist/ as a static site, and a page in German or Brazilian Portuguese that loads the bundle by a script tag.
  site = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const lang = url.searchParams.get('lang');
    if (url.pathname === '/' && lang) {
      response.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><html lang="${lang}"><title>translations</title>
<script type="module" src="/bax-call.js"></script><bax-call-button to="bob"></bax-call-button>`);
      return;
    }
    if (!/^\/bax-call[\w-]*\.js$/.test(url.pathname)) return void response.writeHead(404).end();
    try {
      response.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(new URL(`.${url.pathname}`, DIST)));
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', () => resolve()));
  origin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (site ? site.close(() => resolve()) : resolve()));
});

it('builds each translation as a file beside the bundle that imports nothing, and keeps their texts out of the bundle', () => {
  const bundle = readFileSync(new URL('bax-call.js', DIST), 'utf8');
  for (const code of SHIPPED) {
    const file = readFileSync(new URL(`bax-call-${code}.js`, DIST));
    const [imports] = parse(file.toString('utf8'));
    expect(imports, code).toEqual([]);
  }
  for (const text of ['Letzte Anrufe', 'Llamadas recientes', 'Appels récents', 'Ligações recentes', '最近の通話', '最近通话', 'المكالمات الأخيرة']) {
    expect(bundle).not.toContain(text);
  }
});

it('loads the German translation for a page in German, and only then, from beside the bundle', async () => {
  for (const [lang, label, file] of [
    ['de', 'bob per Video anrufen', 'bax-call-de.js'],
    ['pt', 'Videochamada com bob', 'bax-call-pt-BR.js'],
  ]) {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    const requested: string[] = [];
    page.on('request', (request) => requested.push(new URL(request.url()).pathname));
    await page.goto(`${origin}/?lang=${lang}`);
    await expect
      .poll(() => page.evaluate(() => document.querySelector('bax-call-button')?.shadowRoot?.querySelector('[part="label"]')?.textContent?.trim()))
      .toBe(label);
    expect(requested.filter((path) => /^\/bax-call-(?!media|room|history|ringtone)/.test(path)).sort()).toEqual([`/${file}`, '/bax-call-shipped.js'].sort());
    expect(errors).toEqual([]);
    await page.close();
  }
});

it('loads no translation for a page in English', async () => {
  const page = await browser.newPage();
  const requested: string[] = [];
  page.on('request', (request) => requested.push(new URL(request.url()).pathname));
  await page.goto(`${origin}/?lang=en-US`);
  await expect
    .poll(() => page.evaluate(() => document.querySelector('bax-call-button')?.shadowRoot?.querySelector('[part="label"]')?.textContent?.trim()))
    .toBe('Video call bob');
  expect(requested.filter((path) => path.startsWith('/bax-call-'))).toEqual([]);
  await page.close();
});

it('exports each translation from the npm build as @baxcloud/call/translations/<code>', async () => {
  for (const code of SHIPPED) {
    const module = (await import(/* @vite-ignore */ `@baxcloud/call/translations/${code}`)) as { default: { $code: string } };
    expect(module.default.$code).toBe(code);
    expect(Object.values(module)).toContain(module.default);
  }
});
