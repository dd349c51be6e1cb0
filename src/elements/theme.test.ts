/// <reference types="mocha" />
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { emulateMedia } from '@web/test-runner-commands';
import type { TemplateResult } from 'lit';
import { MemoryCallClient, historyEntry } from './testing/memory-client.js';
import './bax-cloud/define.js';
import './call-button/define.js';
import './call-history/define.js';
import './incoming-call/define.js';

/**
 * Colours follow the page's `color-scheme`, not the visitor's system setting: axe finds nothing to fault in any state,
 * on a plain page (no styles at all) with the browser in light and in dark mode, on a dark page, and with
 * `<bax-cloud theme>` set either way. Reduced motion keeps the incoming call's arrival animation (a fade) out of the
 * contrast measure.
 */

const bob = { userId: 'bob', name: 'Bob Stone', avatarUrl: null };
const alice = { userId: 'alice', name: 'Alice Martin', avatarUrl: null };
const LIGHT_SURFACE = 'rgb(255, 255, 255)';
const DARK_SURFACE = 'rgb(29, 31, 36)';

function inner(host: Element | null | undefined, selector: string): HTMLElement | null {
  return host?.shadowRoot?.querySelector<HTMLElement>(selector) ?? null;
}

type Wrap = (content: TemplateResult, client: MemoryCallClient) => TemplateResult;

/** Each state an element shows, reached through the in-memory client; resolves with the element to check. */
const states: Record<string, (wrap: Wrap) => Promise<HTMLElement>> = {
  async idle(wrap) {
    const client = new MemoryCallClient({ presenceOf: { bob: 'online' }, people: [bob] });
    const root = await fixture(wrap(html`<bax-call-button to="bob" .client=${client}></bax-call-button>`, client));
    const button = root.querySelector('bax-call-button')!;
    await waitUntil(() => inner(button, '[part~="presence"]'), 'no presence shown');
    return button;
  },
  async calling(wrap) {
    const client = new MemoryCallClient({ presenceOf: { bob: 'online' }, people: [bob] });
    const root = await fixture(wrap(html`<bax-call-button to="bob" .client=${client}></bax-call-button>`, client));
    const button = root.querySelector('bax-call-button')!;
    await button.updateComplete;
    inner(button, '[part~="button"]')!.click();
    await waitUntil(() => inner(button, '[part~="delivery"]')?.textContent?.includes('Ringing'), 'not ringing');
    return button;
  },
  async declined(wrap) {
    const client = new MemoryCallClient({ presenceOf: { bob: 'busy' }, people: [bob], answer: () => ({ outcome: 'declined', reason: 'busy' }) });
    const root = await fixture(wrap(html`<bax-call-button to="bob" .client=${client}></bax-call-button>`, client));
    const button = root.querySelector('bax-call-button')!;
    await button.updateComplete;
    inner(button, '[part~="button"]')!.click();
    await waitUntil(() => inner(button, '[part~="notify-button"]'), 'no "Tell me when free"');
    return button;
  },
  async 'free again'(wrap) {
    const client = new MemoryCallClient({ presenceOf: { bob: 'busy' }, people: [bob], answer: () => ({ outcome: 'declined', reason: 'busy' }) });
    const root = await fixture(wrap(html`<bax-call-button to="bob" .client=${client}></bax-call-button>`, client));
    const button = root.querySelector('bax-call-button')!;
    await button.updateComplete;
    inner(button, '[part~="button"]')!.click();
    await waitUntil(() => inner(button, '[part~="notify-button"]'), 'no "Tell me when free"');
    inner(button, '[part~="notify-button"]')!.click();
    await waitUntil(() => inner(button, '[part~="notify-button"]')?.getAttribute('aria-pressed') === 'true', 'not watching');
    await waitUntil(() => client.calls.some((call) => call.method === 'subscribePresence' && (call.args[0] as string[]).length === 1));
    client.simulatePresence('bob', 'online');
    await waitUntil(() => inner(button, '[part~="button"]')?.textContent?.includes('is free now'), 'not free');
    return button;
  },
  async ringing(wrap) {
    const client = new MemoryCallClient();
    const root = await fixture(wrap(html`<bax-incoming-call .client=${client} muted notifications="off"></bax-incoming-call>`, client));
    const incoming = root.querySelector('bax-incoming-call')!;
    await incoming.updateComplete;
    client.simulateIncoming(alice, { message: 'About the report' });
    await waitUntil(() => inner(incoming, 'dialog')?.hasAttribute('open'), 'no dialog');
    return incoming;
  },
  async history(wrap) {
    const now = Date.now();
    const client = new MemoryCallClient({
      history: [
        historyEntry({ counterpart: alice, createdAt: now - 60_000, outcome: 'missed' }),
        historyEntry({ counterpart: bob, createdAt: now - 120_000, direction: 'outgoing', outcome: 'declined', reason: 'busy', replyMessage: 'Later' }),
        historyEntry({ counterpart: alice, createdAt: now - 180_000 }),
      ],
      missedCalls: 1,
    });
    const root = await fixture(wrap(html`<bax-call-history .client=${client}></bax-call-history>`, client));
    const history = root.querySelector('bax-call-history')!;
    await waitUntil(() => inner(history, '[part~="entry"]'), 'no history');
    return history;
  },
};

const plain: Wrap = (content) => html`<div>${content}</div>`;
const inCloud =
  (theme: string): Wrap =>
  (content, client) =>
    html`<div><bax-cloud theme=${theme} .client=${client}>${content}</bax-cloud></div>`;

/** The background of the element's own surface: the history card, the incoming call dialog, or a neutral button. */
function surfaceOf(el: HTMLElement): string {
  const surface = inner(el, '.base') ?? inner(el, 'dialog')!;
  return getComputedStyle(surface).backgroundColor;
}

/** Sets the page's own styles on `<html>`, as a page's stylesheet would; `undefined` removes them. */
function pageStyle(style: string | undefined): void {
  if (style) document.documentElement.setAttribute('style', style);
  else document.documentElement.removeAttribute('style');
}

describe('theme', () => {
  afterEach(async () => {
    pageStyle(undefined);
    await emulateMedia({ colorScheme: 'light', reducedMotion: 'no-preference' });
  });

  for (const scheme of ['light', 'dark'] as const) {
    describe(`a plain page, the browser in ${scheme} mode`, () => {
      beforeEach(() => emulateMedia({ colorScheme: scheme, reducedMotion: 'reduce' }));

      for (const [name, reach] of Object.entries(states)) {
        it(`passes axe ${name}`, async () => {
          const el = await reach(plain);
          await expect(el).to.be.accessible();
        });
      }

      it('keeps the page light: the status text in the page colour, the history on a light surface', async () => {
        const button = await states['declined']!(plain);
        expect(getComputedStyle(inner(button, '[part~="status"]')!).color).to.equal(getComputedStyle(document.body).color);
        const history = await states['history']!(plain);
        expect(surfaceOf(history)).to.equal(LIGHT_SURFACE);
      });
    });
  }

  describe('a page with color-scheme: dark and a dark background', () => {
    beforeEach(async () => {
      await emulateMedia({ colorScheme: 'light', reducedMotion: 'reduce' });
      pageStyle('color-scheme: dark; background: #121212; color: #e8e8e8');
    });

    for (const [name, reach] of Object.entries(states)) {
      it(`passes axe ${name}`, async () => {
        const el = await reach(plain);
        await expect(el).to.be.accessible();
      });
    }

    it('turns the elements dark, with the status text in the page colour', async () => {
      const button = await states['declined']!(plain);
      expect(getComputedStyle(inner(button, '[part~="status"]')!).color).to.equal('rgb(232, 232, 232)');
      expect(surfaceOf(await states['history']!(plain))).to.equal(DARK_SURFACE);
      expect(surfaceOf(await states['ringing']!(plain))).to.equal(DARK_SURFACE);
    });

    it('stays light inside <bax-cloud theme="light">, and theme="auto" follows the page', async () => {
      expect(surfaceOf(await states['history']!(inCloud('light')))).to.equal(LIGHT_SURFACE);
      expect(surfaceOf(await states['history']!(inCloud('auto')))).to.equal(DARK_SURFACE);
    });

    for (const name of ['declined', 'ringing', 'history']) {
      it(`passes axe ${name} inside <bax-cloud theme="light">`, async () => {
        const el = await states[name]!(inCloud('light'));
        await expect(el).to.be.accessible();
      });
    }
  });

  describe('<bax-cloud theme="dark"> on a dark page that declares no color-scheme', () => {
    beforeEach(async () => {
      await emulateMedia({ colorScheme: 'light', reducedMotion: 'reduce' });
      pageStyle('background: #10141a; color: #f0f0f0');
    });

    for (const [name, reach] of Object.entries(states)) {
      it(`passes axe ${name}`, async () => {
        const el = await reach(inCloud('dark'));
        await expect(el).to.be.accessible();
      });
    }

    it('turns the elements inside dark and leaves the page content its own scheme', async () => {
      const history = await states['history']!(inCloud('dark'));
      expect(surfaceOf(history)).to.equal(DARK_SURFACE);
      expect(getComputedStyle(history).colorScheme).to.equal('dark');
      expect(getComputedStyle(history.closest('bax-cloud')!).colorScheme).to.equal('normal');
    });
  });
});
