/// <reference types="mocha" />
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { nothing } from 'lit';
import type { BaxCallButton } from './call-button/call-button.js';
import './call-button/define.js';
import type { BaxCallHistory } from './call-history/call-history.js';
import './call-history/define.js';
import { languageOf, registerTranslation } from './localize.js';
import { MemoryCallClient, historyEntry } from './testing/memory-client.js';

registerTranslation(
  {
    $code: 'fr',
    $name: 'Français',
    callButton: { videoCall: 'Appel vidéo {name}', online: 'En ligne' },
    callHistory: { heading: 'Appels récents', callBack: 'Rappeler {name}' },
  },
  { $code: 'fr-CA', callButton: { videoCall: 'Appel vidéo à {name}' } },
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
    const { button } = await buttonIn('fr');
    expect(label(button)).to.equal('Appel vidéo bob');
    expect(presence(button)).to.equal('En ligne');
    button.callType = 'audio_call';
    await button.updateComplete;
    expect(label(button)).to.equal('Call bob');
  });

  it('prefers the translation for the region, then the one for the language', async () => {
    const { button } = await buttonIn('fr-CA');
    expect(label(button)).to.equal('Appel vidéo à bob');
    expect(presence(button)).to.equal('En ligne');
  });

  it('falls back to English for a language nobody registered', async () => {
    const { button } = await buttonIn('de');
    expect(label(button)).to.equal('Video call bob');
  });

  it('follows <html lang> and changes with it', async () => {
    const original = document.documentElement.getAttribute('lang');
    try {
      document.documentElement.lang = 'fr';
      const { button } = await buttonIn(undefined);
      expect(label(button)).to.equal('Appel vidéo bob');
      document.documentElement.lang = 'en';
      await waitUntil(() => label(button) === 'Video call bob', 'did not follow <html lang>');
    } finally {
      if (original === null) document.documentElement.removeAttribute('lang');
      else document.documentElement.lang = original;
    }
  });

  it('changes language when lang changes on an ancestor or the element', async () => {
    const { wrapper, button } = await buttonIn('fr');
    wrapper.lang = 'de';
    await waitUntil(() => label(button) === 'Video call bob', 'did not follow the ancestor');
    button.lang = 'fr';
    await waitUntil(() => label(button) === 'Appel vidéo bob', 'did not follow its own lang');
  });

  it('lets the element’s own strings win over the registered translation', async () => {
    const { button } = await buttonIn('fr', JSON.stringify({ videoCall: 'Visio avec {name}' }));
    expect(label(button)).to.equal('Visio avec bob');
    expect(presence(button)).to.equal('En ligne');
  });

  it('renders again when a translation for its language arrives later', async () => {
    const { button } = await buttonIn('es');
    expect(label(button)).to.equal('Video call bob');
    registerTranslation({ $code: 'es', callButton: { videoCall: 'Videollamada a {name}' } });
    await waitUntil(() => label(button) === 'Videollamada a bob', 'did not take the new translation');
    registerTranslation({ $code: 'es', callButton: { online: 'Conectado' } });
    await waitUntil(() => presence(button) === 'Conectado', 'did not amend the translation');
    expect(label(button)).to.equal('Videollamada a bob');
  });

  it('reaches elements inside other elements’ shadow roots', async () => {
    const client = new MemoryCallClient({
      history: [historyEntry({ counterpart: { userId: 'alice', name: 'Alice', avatarUrl: null }, createdAt: Date.now() - 60_000 })],
    });
    const wrapper = await fixture<HTMLDivElement>(html`<div lang="fr"><bax-call-history .client=${client}></bax-call-history></div>`);
    const history = wrapper.querySelector<BaxCallHistory>('bax-call-history')!;
    await waitUntil(() => history.shadowRoot!.querySelector('bax-call-button'), 'history did not load');
    expect(history.shadowRoot!.querySelector('[part="heading"]')!.textContent.trim()).to.equal('Appels récents');
    const callBack = history.shadowRoot!.querySelector('bax-call-button')!;
    await callBack.updateComplete;
    expect(languageOf(callBack)).to.equal('fr');
    expect(label(callBack)).to.equal('Rappeler Alice');
  });
});
