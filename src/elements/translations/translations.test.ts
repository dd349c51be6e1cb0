/// <reference types="mocha" />
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import type { BaxCallButton } from '../call-button/call-button.js';
import '../call-button/define.js';
import type { BaxCallHistory } from '../call-history/call-history.js';
import '../call-history/define.js';
import { registerTranslation } from '../localize.js';
import { MemoryCallClient, historyEntry } from '../testing/memory-client.js';

// No shipped translation is imported here: the elements load them, and the first test sees that they do.

function label(button: BaxCallButton): string {
  return button.shadowRoot!.querySelector('[part="label"]')!.textContent.trim();
}

async function buttonIn(lang: string, attributes: { dir?: string } = {}): Promise<BaxCallButton> {
  const client = new MemoryCallClient({ presenceOf: { bob: 'online' } });
  const wrapper = await fixture<HTMLDivElement>(html`<div lang=${lang} dir=${attributes.dir ?? 'auto'}>
    <bax-call-button to="bob" .client=${client}></bax-call-button>
  </div>`);
  if (!attributes.dir) wrapper.removeAttribute('dir');
  const button = wrapper.querySelector('bax-call-button')!;
  await waitUntil(() => button.shadowRoot!.querySelector('[part="label"]'), 'no label');
  return button;
}

/** The translation modules this page has fetched so far: the loader (shipped.ts, load.ts) and languages. */
function fetchedTranslations(): string[] {
  return performance
    .getEntriesByType('resource')
    .map((entry) => new URL(entry.name).pathname)
    .filter((path) => path.startsWith('/src/elements/translations/') && !/\/en(-call-room)?\.ts$|\.test\.ts$/.test(path))
    .map((path) => path.slice('/src/elements/translations/'.length));
}

describe('shipped translations', () => {
  it('load when an element is first in their language, not before, and the element renders again', async () => {
    const english = await buttonIn('en-GB');
    expect(label(english)).to.equal('Video call bob');
    expect(fetchedTranslations()).to.deep.equal([]);
    const german = await buttonIn('de');
    await waitUntil(() => label(german) === 'bob per Video anrufen', 'German did not arrive');
    expect(fetchedTranslations()).to.have.members(['shipped.ts', 'load.ts', 'de.js']);
  });

  it('serve a region of their language and the bare language: de-AT, pt and pt-PT, zh and zh-Hans-CN', async () => {
    const cases: Array<[string, string]> = [
      ['de-AT', 'bob per Video anrufen'],
      ['pt', 'Videochamada com bob'],
      ['pt-PT', 'Videochamada com bob'],
      ['pt-BR', 'Videochamada com bob'],
      ['zh', '与bob视频通话'],
      ['zh-Hans-CN', '与bob视频通话'],
      ['ES', 'Videollamada a bob'],
    ];
    const buttons = await Promise.all(cases.map(([lang]) => buttonIn(lang)));
    for (const [index, [lang, expected]] of cases.entries()) {
      await waitUntil(() => label(buttons[index]!) === expected, `${lang} showed "${label(buttons[index]!)}"`);
    }
  });

  it('leave languages none ships for in English', async () => {
    const { load } = await import('./shipped.js');
    for (const code of ['nl', 'arn', 'english', 'en-gb']) expect(load(code, new Set()), code).to.equal(undefined);
    const dutch = await buttonIn('nl');
    // German arriving renders every element again; the Dutch one stays English.
    const german = await buttonIn('de-CH');
    await waitUntil(() => label(german) === 'bob per Video anrufen');
    await dutch.updateComplete;
    expect(label(dutch)).to.equal('Video call bob');
  });

  it('give Traditional Chinese the Simplified texts until the page registers its own', async () => {
    const traditional = await buttonIn('zh-TW');
    await waitUntil(() => label(traditional) === '与bob视频通话', 'Simplified Chinese did not arrive');
    registerTranslation({ $code: 'zh-TW', callButton: { videoCall: '與{name}視訊通話' } });
    await waitUntil(() => label(traditional) === '與bob視訊通話', 'the registered Traditional text did not win');
  });

  it('sit under what the page registers, also when it registers while one loads', async () => {
    registerTranslation({ $code: 'fr', callButton: { videoCall: 'Visio avec {name}' } });
    const button = await buttonIn('fr');
    registerTranslation({ $code: 'fr-CA', callButton: { online: 'Disponible' } });
    button.callType = 'audio_call';
    await waitUntil(() => label(button) === 'Appeler bob', 'French did not arrive');
    button.callType = 'video_call';
    await button.updateComplete;
    expect(label(button)).to.equal('Visio avec bob');
    const canadian = await buttonIn('fr-CA');
    expect(canadian.shadowRoot!.querySelector('[part="presence"]')!.textContent.trim()).to.equal('Disponible');
    expect(label(canadian)).to.equal('Visio avec bob');
  });

  it('reach the elements inside another element’s shadow root', async () => {
    const client = new MemoryCallClient({
      history: [historyEntry({ counterpart: { userId: 'alice', name: 'Alice', avatarUrl: null }, createdAt: Date.now() - 3 * 60_000 })],
    });
    const wrapper = await fixture<HTMLDivElement>(html`<div lang="ja"><bax-call-history .client=${client}></bax-call-history></div>`);
    const history = wrapper.querySelector<BaxCallHistory>('bax-call-history')!;
    await waitUntil(() => history.shadowRoot!.querySelector('[part="heading"]')?.textContent.trim() === '最近の通話', 'Japanese did not arrive');
    const callBack = history.shadowRoot!.querySelector('bax-call-button')!;
    await waitUntil(() => label(callBack) === 'Aliceにかけ直す');
    expect(history.shadowRoot!.querySelector('[part="time"]')!.textContent.trim()).to.equal('3 分前');
  });
});

describe('right to left', () => {
  const direction = (button: BaxCallButton) => getComputedStyle(button.shadowRoot!.querySelector('[part="label"]')!).direction;

  it('lays the elements out right to left in Arabic (and Hebrew, Persian, Urdu), left to right otherwise', async () => {
    for (const lang of ['ar', 'ar-EG', 'he', 'fa', 'ur']) expect(direction(await buttonIn(lang)), lang).to.equal('rtl');
    for (const lang of ['de', 'en', 'ja', 'arn']) expect(direction(await buttonIn(lang)), lang).to.equal('ltr');
  });

  it('follows dir="rtl" on the page in any language', async () => {
    expect(direction(await buttonIn('en', { dir: 'rtl' }))).to.equal('rtl');
  });

  it('mirrors the call history in Arabic: the call-back button at the left, the direction icon at the right', async () => {
    const client = new MemoryCallClient({
      history: [historyEntry({ counterpart: { userId: 'alice', name: 'Alice', avatarUrl: null }, createdAt: Date.now() - 60_000 })],
    });
    const boxes = async (lang: string) => {
      const wrapper = await fixture<HTMLDivElement>(
        html`<div lang=${lang} style="inline-size: 480px"><bax-call-history .client=${client}></bax-call-history></div>`,
      );
      const history = wrapper.querySelector<BaxCallHistory>('bax-call-history')!;
      await waitUntil(() => history.shadowRoot!.querySelector('[part="call-back"]'), 'history did not load');
      const box = (part: string) => history.shadowRoot!.querySelector(`[part~="${part}"]`)!.getBoundingClientRect();
      return { callBack: box('call-back'), icon: box('direction') };
    };
    const english = await boxes('en');
    expect(english.callBack.left).to.be.greaterThan(english.icon.right);
    const arabic = await boxes('ar');
    expect(arabic.callBack.right).to.be.lessThan(arabic.icon.left);
  });
});
