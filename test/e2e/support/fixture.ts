import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { AUTOPLAY_WITHOUT_GESTURE, FAKE_MEDIA, launchChromium } from '../../support/chromium.js';
import { startServer, type RunningServer } from '../../support/server.js';
import { newUserContext } from './browser.js';

/**
 * What an end-to-end file runs against: the real server and one Chromium, started before its tests and stopped
 * after them, and the browser profiles a test opens, closed after it. Call it at the top of the file.
 */

export interface E2eOptions {
  /** Chromium's fake camera and microphone (FAKE_MEDIA), for files whose pages join calls. */
  media?: boolean;
  /** Starts the server; default `startServer()`, the demo project on as `npm start` has it. */
  server?: () => Promise<RunningServer>;
}

export interface E2e {
  readonly server: RunningServer;
  readonly browser: Browser;
  /** A browser profile for one user (newUserContext) on `origin`, by default the server's; closed after the test. */
  newUserContext(origin?: string): Promise<BrowserContext>;
}

export function useServerAndChromium(options: E2eOptions = {}): E2e {
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    // The ringtone may start without a click, as it would after the user's first interaction.
    const args = [AUTOPLAY_WITHOUT_GESTURE, ...(options.media ? FAKE_MEDIA : [])];
    [server, browser] = await Promise.all([(options.server ?? startServer)(), launchChromium(args)]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
  });

  return {
    get server() {
      return server!;
    },
    get browser() {
      return browser!;
    },
    async newUserContext(origin) {
      const context = await newUserContext(browser!, origin ?? server!.url);
      contexts.push(context);
      return context;
    },
  };
}
