import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { build, type Rolldown } from 'vite';
import { AUTOPLAY_WITHOUT_GESTURE, FAKE_MEDIA, launchChromium } from '../support/chromium.js';

/**
 * A page at http://127.0.0.1 (a secure context, so it may use the camera) that runs test/media/harness.ts, in a
 * Chromium with fake camera, microphone and screen. No server: the harness stands in for the room.
 */
export interface MediaPages {
  open(): Promise<Page>;
  close(): Promise<void>;
}

export async function mediaPages(): Promise<MediaPages> {
  const script = await bundleHarness();
  const html = '<!doctype html><title>mesh</title><script type="module" src="/harness.js"></script>';
  const server: Server = createServer((request, response) => {
    if (request.url === '/harness.js') response.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    else if (request.url === '/') response.writeHead(200, { 'content-type': 'text/html' }).end(html);
    else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // Remote audio plays without a click, as it would after the click that joined the call.
  const browser: Browser = await launchChromium([...FAKE_MEDIA, AUTOPLAY_WITHOUT_GESTURE]);
  return {
    async open() {
      const page = await browser.newPage();
      page.on('pageerror', (error) => console.error('page error:', error));
      await page.goto(`${origin}/`);
      await page.waitForFunction(() => 'mesh' in globalThis);
      return page;
    },
    async close() {
      await browser.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The harness and the media code it imports, as one ES module. */
async function bundleHarness(): Promise<string> {
  const result = (await build({
    configFile: false,
    logLevel: 'warn',
    build: {
      write: false,
      minify: false,
      target: 'es2022',
      lib: { entry: fileURLToPath(new URL('./harness.ts', import.meta.url)), formats: ['es'], fileName: () => 'harness.js' },
      rollupOptions: { output: { codeSplitting: false } },
    },
  })) as Rolldown.RolldownOutput | Rolldown.RolldownOutput[];
  return (Array.isArray(result) ? result[0]! : result).output[0].code;
}
