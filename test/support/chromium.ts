import { chromium, type Browser } from 'playwright-core';

/**
 * The one Chromium every browser test runs in: Debian's (or the one `CHROME_PATH` names), so no test downloads
 * a browser. web-test-runner takes the launch options, the vitest suites launch through playwright-core.
 */

export interface ChromiumLaunchOptions {
  executablePath: string;
  args: string[];
}

/** Headless in a container, and quiet: no sandbox or GPU, no background traffic, updates, sync or first-run UI. */
const STANDARD_ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** The ringtone is Web Audio; let it start without a click, as it would after the user's first interaction. */
export const AUTOPLAY_WITHOUT_GESTURE = '--autoplay-policy=no-user-gesture-required';

/**
 * Calls: a fake camera (a moving test pattern), a fake microphone (a beep a second) and a fake screen, granted
 * without a permission prompt. Pages must be secure contexts (http://127.0.0.1 or localhost) to use them.
 */
export const FAKE_MEDIA = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'];

export function chromiumLaunchOptions(extraArgs: string[] = []): ChromiumLaunchOptions {
  return { executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium', args: [...STANDARD_ARGS, ...extraArgs] };
}

export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch(chromiumLaunchOptions(extraArgs));
}
