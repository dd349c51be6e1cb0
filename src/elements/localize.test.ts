/// <reference types="mocha" />
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { nothing } from 'lit';
import type { BaxCallButton } from './call-button/call-button.js';
import './call-button/define.js';
import type { BaxCallHistory } from './call-history/call-history.js';
import './call-history/define.js';
import { languageOf, registerTranslation } from './localize.js';
import { MemoryCallClient, historyEntry } from './testing/memory-client.js';

// Italian and Korean: languages no translation ships for (see translations/translations.test.ts for those).
registerTranslation(
  {
    $code: 'it',
    $name: 'Italiano',
    callButton: { videoCall: 'Videochiamata a {name}', online: 'Online ora' },
    callHistory: { heading: 'Chiamate recenti', callBack: 'Richiama {name}' },
  },
  { $code: 'it-CH', callButton: { videoCall: 'Videochiamata con {name}' } },
);

function label(button: BaxCallButton): string {
  return button.shadowRoot!.querySelector('[part="label"]')!.textContent.trim();
}

function presence(button: BaxCallButton): string {
  return button.shadowRoot!.querySelector('[part="presence"]')!.textContent.trim();
}

async function buttonIn(lang: string | undefined, strings?: string) {
  const client = new MemoryCallClient({ presenceOf: { bob: 'online' } });
  const wrapper = await fixture<HTMLDivElement>(html`<div lang=${lang ?? nothing}>
    <bax-call-button to="bob" .client=${client} strings=${strings ?? nothing}></bax-call-button>
  </div>`);
  const button = wrapper.querySelector('bax-call-button')!;
  await waitUntil(() => button.shadowRoot!.querySelector('[part="presence"]'), 'no presence');
  return { wrapper, button };
}

describe('translations', () => {
  it('uses the language set by lang on an ancestor, and English for what it does not translate', async () => {
    const { button } = await buttonIn('it');
    expect(label(button)).to.equal('Videochiamata a bob');
    expect(presence(button)).to.equal('Online ora');
    button.callType = 'audio_call';
    await button.updateComplete;
    expect(label(button)).to.equal('Call bob');
  });

  it('prefers the translation for the region, then the one for the language', async () => {
    const { button } = await buttonIn('it-CH');
    expect(label(button)).to.equal('Videochiamata con bob');
    expect(presence(button)).to.equal('Online ora');
  });

  it('falls back to English for a language nobody registered', async () => {
    const { button } = await buttonIn('nl');
    expect(label(button)).to.equal('Video call bob');
  });

  it('follows <html lang> and changes with it', async () => {
    const original = document.documentElement.getAttribute('lang');
    try {
      document.documentElement.lang = 'it';
      const { button } = await buttonIn(undefined);
      expect(label(button)).to.equal('Videochiamata a bob');
      document.documentElement.lang = 'en';
      await waitUntil(() => label(button) === 'Video call bob', 'did not follow <html lang>');
    } finally {
      if (original === null) document.documentElement.removeAttribute('lang');
      else document.documentElement.lang = original;
    }
  });

  it('changes language when lang changes on an ancestor or the element', async () => {
    const { wrapper, button } = await buttonIn('it');
    wrapper.lang = 'nl';
    await waitUntil(() => label(button) === 'Video call bob', 'did not follow the ancestor');
    button.lang = 'it';
    await waitUntil(() => label(button) === 'Videochiamata a bob', 'did not follow its own lang');
  });

  it('lets the element’s own strings win over the registered translation', async () => {
    const { button } = await buttonIn('it', JSON.stringify({ videoCall: 'Video con {name}' }));
    expect(label(button)).to.equal('Video con bob');
    expect(presence(button)).to.equal('Online ora');
  });

  it('renders again when a translation for its language arrives later', async () => {
    const { button } = await buttonIn('ko');
    expect(label(button)).to.equal('Video call bob');
    registerTranslation({ $code: 'ko', callButton: { videoCall: '{name}님과 영상 통화' } });
    await waitUntil(() => label(button) === 'bob님과 영상 통화', 'did not take the new translation');
    registerTranslation({ $code: 'ko', callButton: { online: '온라인' } });
    await waitUntil(() => presence(button) === '온라인', 'did not amend the translation');
    expect(label(button)).to.equal('bob님과 영상 통화');
  });

  it('reaches elements inside other elements’ shadow roots', async () => {
    const client = new MemoryCallClient({
      history: [historyEntry({ counterpart: { userId: 'alice', name: 'Alice', avatarUrl: null }, createdAt: Date.now() - 60_000 })],
    });
    const wrapper = await fixture<HTMLDivElement>(html`<div lang="it"><bax-call-history .client=${client}></bax-call-history></div>`);
    const history = wrapper.querySelector<BaxCallHistory>('bax-call-history')!;
    await waitUntil(() => history.shadowRoot!.querySelector('bax-call-button'), 'history did not load');
    expect(history.shadowRoot!.querySelector('[part="heading"]')!.textContent.trim()).to.equal('Chiamate recenti');
    const callBack = history.shadowRoot!.querySelector('bax-call-button')!;
    await callBack.updateComplete;
    expect(languageOf(callBack)).to.equal('it');
    expect(label(callBack)).to.equal('Richiama Alice');
  });
});
