/// <reference types="mocha" />
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { emulateMedia, executeServerCommand, setViewport } from '@web/test-runner-commands';
import '../call-button/define.js';
import type { BaxCallHistory } from '../call-history/call-history.js';
import '../call-history/define.js';
import { MemoryCallClient, historyEntry } from '../testing/memory-client.js';
import type { Translation } from '../translation.js';
import { ar } from './ar.js';
import { de } from './de.js';
import { en } from './en.js';
import { es } from './es.js';
import { fr } from './fr.js';
import { ja } from './ja.js';
import { ptBR } from './pt-BR.js';
import { zhCN } from './zh-CN.js';

/**
 * A picture of the call button and the call history in each shipped language, light, and in Arabic dark too: saved
 * as test-results/screenshots/translations-<code>-<scheme>.png (not committed) and looked at here, pixel by pixel.
 * The Linux Chromium of the tests may lack Japanese, Chinese and Arabic fonts (boxes instead of letters); what is
 * checked does not depend on the letters.
 */

const minute = 60_000;
const LOCALES: Translation[] = [en, es, de, fr, ptBR, ja, zhCN, ar];

interface Picture {
  width: number;
  height: number;
  pixels: Uint8ClampedArray;
}

async function screenshot(name: string, element: Element): Promise<Picture> {
  // Two frames: styles, layout and the text just set are painted.
  await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  const { x, y, width, height } = element.getBoundingClientRect();
  const base64 = await executeServerCommand<string, unknown>('bax-screenshot', { name, clip: { x, y, width, height } });
  const bitmap = await createImageBitmap(await (await fetch(`data:image/png;base64,${base64}`)).blob());
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext('2d')!;
  context.drawImage(bitmap, 0, 0);
  return { width: bitmap.width, height: bitmap.height, pixels: context.getImageData(0, 0, bitmap.width, bitmap.height).data };
}

/** The share of pixels that differ between two pictures (all of them when their sizes differ). */
function difference(a: Picture, b: Picture): number {
  if (a.width !== b.width || a.height !== b.height) return 1;
  let differing = 0;
  for (let index = 0; index < a.pixels.length; index += 4) {
    if (
      Math.abs(a.pixels[index]! - b.pixels[index]!) +
        Math.abs(a.pixels[index + 1]! - b.pixels[index + 1]!) +
        Math.abs(a.pixels[index + 2]! - b.pixels[index + 2]!) >
      48
    )
      differing++;
  }
  return differing / (a.pixels.length / 4);
}

/** Mean brightness, 0 (black) to 1 (white). */
function brightness({ pixels }: Picture): number {
  let sum = 0;
  for (let index = 0; index < pixels.length; index += 4) sum += (0.2126 * pixels[index]! + 0.7152 * pixels[index + 1]! + 0.0722 * pixels[index + 2]!) / 255;
  return sum / (pixels.length / 4);
}

/**
 * Where, from 0 (left edge) to 1 (right edge), the pixels of the accent colour (`rgb`) in the lower half of the
 * picture sit on average: there are the calls of the history, whose call-back buttons are the only things of that
 * colour, at the end of each row.
 */
function accentPosition({ width, height, pixels }: Picture, [red, green, blue]: [number, number, number]): number {
  let sum = 0;
  let count = 0;
  for (let index = width * Math.round(height / 2) * 4; index < pixels.length; index += 4) {
    if (Math.abs(pixels[index]! - red) + Math.abs(pixels[index + 1]! - green) + Math.abs(pixels[index + 2]! - blue) < 40) {
      sum += ((index / 4) % width) / width;
      count++;
    }
  }
  expect(count, 'the accent colour shows').to.be.greaterThan(100);
  return sum / count;
}

const LIGHT_ACCENT: [number, number, number] = [0x24, 0x56, 0xd6];
const DARK_ACCENT: [number, number, number] = [0x8f, 0xb0, 0xff];

async function panel(translation: Translation): Promise<HTMLElement> {
  const client = new MemoryCallClient({
    presenceOf: { bob: 'online' },
    missedCalls: 1,
    history: [
      historyEntry({ counterpart: { userId: 'alice', name: 'Alice Martin', avatarUrl: null }, createdAt: Date.now() - 3 * minute, outcome: 'missed' }),
      historyEntry({
        counterpart: { userId: 'carol', name: 'Carol', avatarUrl: null },
        createdAt: Date.now() - 2 * 60 * minute,
        direction: 'outgoing',
        callStartedAt: Date.now() - 2 * 60 * minute,
        callEndedAt: Date.now() - 2 * 60 * minute + 201_000,
        durationMs: 201_000,
      }),
    ],
  });
  const wrapper = await fixture<HTMLElement>(html`<div
    lang=${translation.$code}
    style="inline-size: 560px; padding: 12px; color-scheme: light dark; background: Canvas; color: CanvasText"
  >
    <bax-call-button to="bob" display-name="Bob" .client=${client}></bax-call-button>
    <bax-call-history .client=${client} style="margin-block-start: 12px"></bax-call-history>
  </div>`);
  const history = wrapper.querySelector<BaxCallHistory>('bax-call-history')!;
  const heading = translation.callHistory!.heading!;
  await waitUntil(
    () =>
      history.shadowRoot!.querySelector('[part="heading"]')?.textContent.trim() === heading &&
      history.shadowRoot!.querySelectorAll('[part~="entry"]').length === 2,
    `${translation.$code}: the history did not show in its language`,
  );
  const button = wrapper.querySelector('bax-call-button')!;
  await waitUntil(() => button.shadowRoot!.querySelector('[part="label"]')?.textContent.trim() === translation.callButton!.videoCall!.replace('{name}', 'Bob'));
  return wrapper;
}

describe('screenshots of the translations', () => {
  before(async () => {
    await setViewport({ width: 640, height: 720 });
  });

  after(async () => {
    await emulateMedia({ colorScheme: 'light' });
  });

  it('differ from English in every shipped language, light, and Arabic is mirrored', async () => {
    await emulateMedia({ colorScheme: 'light' });
    const pictures = new Map<string, Picture>();
    for (const translation of LOCALES) {
      pictures.set(translation.$code, await screenshot(`translations-${translation.$code}-light`, await panel(translation)));
    }
    const english = pictures.get('en')!;
    expect(brightness(english), 'light is light').to.be.greaterThan(0.8);
    for (const [code, picture] of pictures) {
      if (code === 'en') continue;
      expect(difference(picture, english), `${code} differs from English`).to.be.greaterThan(0.005);
      expect(brightness(picture), `${code} light is light`).to.be.greaterThan(0.8);
    }
    // Call-back buttons end their rows: right in English, left in Arabic.
    expect(accentPosition(english, LIGHT_ACCENT), 'English call-back buttons').to.be.greaterThan(0.6);
    expect(accentPosition(pictures.get('ar')!, LIGHT_ACCENT), 'Arabic call-back buttons').to.be.lessThan(0.4);
  });

  it('shows Arabic dark: a dark picture, mirrored', async () => {
    await emulateMedia({ colorScheme: 'dark' });
    const picture = await screenshot('translations-ar-dark', await panel(ar));
    expect(brightness(picture), 'dark is dark').to.be.lessThan(0.25);
    expect(accentPosition(picture, DARK_ACCENT), 'Arabic call-back buttons').to.be.lessThan(0.4);
  });
});
