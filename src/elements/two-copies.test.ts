/// <reference types="mocha" />
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { BaxCallButton } from './call-button/call-button.js';
import { getPageClient, setPageClient } from './context.js';
import { MemoryCallClient } from './testing/memory-client.js';
import './all.js';

/**
 * A page may load the elements twice: the script tag beside an npm build. The second copy here is the script-tag
 * bundle as `npm run build` left it in dist/, with its own Lit and @lit/context; its button is defined under
 * another tag, since the first copy already holds `bax-call-button`.
 */
type Copy = typeof import('./all.js');
let copy: Copy;

function presenceRequests(client: MemoryCallClient): unknown[] {
  return client.calls.filter((call) => call.method === 'subscribePresence').map((call) => call.args[0]);
}

describe('two copies of the elements on one page', () => {
  before(async () => {
    const bundle = '/dist/bax-call.js';
    copy = (await import(/* @vite-ignore */ bundle)) as Copy;
    expect(copy.BaxCallButton).to.not.equal(BaxCallButton);
    customElements.define('copy-call-button', copy.BaxCallButton);
  });

  afterEach(() => setPageClient(undefined));

  it('share one page client, whichever copy sets it', async () => {
    const first = new MemoryCallClient();
    copy.setPageClient(first);
    expect(getPageClient()).to.equal(first);
    const button = await fixture<BaxCallButton>(html`<bax-call-button to="bob"></bax-call-button>`);
    await waitUntil(() => presenceRequests(first).length > 0, 'the first copy’s button did not use the client');

    const second = new MemoryCallClient();
    setPageClient(second);
    expect(copy.getPageClient()).to.equal(second);
    const other = await fixture<HTMLElement>(html`<copy-call-button to="carol"></copy-call-button>`);
    await waitUntil(() => presenceRequests(second).length === 2, 'not both buttons moved to the new client');
    expect(presenceRequests(second)).to.deep.equal([['bob'], ['carol']]);
    button.remove();
    other.remove();
  });

  it('find the other copy’s <bax-cloud>', async () => {
    const inside = new MemoryCallClient();
    await fixture(html`<bax-cloud .client=${inside}><copy-call-button to="bob"></copy-call-button></bax-cloud>`);
    await waitUntil(() => presenceRequests(inside).length > 0, 'the second copy’s button did not find the provider');
    expect(presenceRequests(inside)).to.deep.equal([['bob']]);
  });

  it('share the translations', async () => {
    copy.registerTranslation({ $code: 'nl', callButton: { videoCall: 'Videobellen met {name}' } });
    const button = await fixture<BaxCallButton>(html`<bax-call-button lang="nl" to="bob" .client=${new MemoryCallClient()}></bax-call-button>`);
    expect(button.shadowRoot!.querySelector('[part="label"]')!.textContent.trim()).to.equal('Videobellen met bob');
  });
});
