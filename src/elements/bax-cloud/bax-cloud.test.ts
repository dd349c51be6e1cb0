/// <reference types="mocha" />
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { getPageClient, setPageClient } from '../context.js';
import { defineElement } from '../define-element.js';
import { MemoryCallClient } from '../testing/memory-client.js';
import '../call-button/define.js';
import './define.js';
import { BaxCloud } from './bax-cloud.js';

describe('<bax-cloud>', () => {
  afterEach(() => setPageClient(undefined));

  it('gives its client to elements inside through context and to the rest of the page', async () => {
    const inside = new MemoryCallClient({ user: { userId: 'inside' } });
    const page = await fixture<HTMLDivElement>(html`<div>
      <bax-cloud .client=${inside}><bax-call-button to="bob"></bax-call-button></bax-cloud>
      <section><bax-call-button to="carol"></bax-call-button></section>
    </div>`);
    const [nested, sibling] = [...page.querySelectorAll('bax-call-button')];
    await nested!.updateComplete;
    await sibling!.updateComplete;
    expect(getPageClient()).to.equal(inside);
    expect(inside.calls.filter((call) => call.method === 'subscribePresence').map((call) => call.args[0])).to.deep.equal([['bob'], ['carol']]);
    expect(nested!.shadowRoot!.querySelector('button')!.disabled).to.equal(false);
    expect(sibling!.shadowRoot!.querySelector('button')!.disabled).to.equal(false);
  });

  it('prefers an element’s own client over context', async () => {
    const shared = new MemoryCallClient();
    const own = new MemoryCallClient();
    const page = await fixture<BaxCloud>(html`<bax-cloud .client=${shared}><bax-call-button to="bob" .client=${own}></bax-call-button></bax-cloud>`);
    await page.querySelector('bax-call-button')!.updateComplete;
    expect(own.calls.some((call) => call.method === 'subscribePresence')).to.equal(true);
    expect(shared.calls.some((call) => call.method === 'subscribePresence')).to.equal(false);
  });

  it('fetches a token from token-url with the page cookies and the user', async () => {
    const originalFetch = window.fetch.bind(window);
    const requests: Array<{ url: string; init: RequestInit | undefined }> = [];
    window.fetch = (input: RequestInfo | URL, init?: RequestInit) => {
      requests.push({ url: input instanceof Request ? input.url : input.toString(), init });
      return Promise.resolve(
        new Response(JSON.stringify({ token: 'a.b.c', expiresAt: Date.now() + 3_600_000 }), { headers: { 'content-type': 'application/json' } }),
      );
    };
    try {
      const el = await fixture<BaxCloud>(html`<bax-cloud
        host="127.0.0.1:9"
        project-id="demo"
        api-key="demo-api-key"
        user-id="ada"
        user-name="Ada"
        token-url="/demo/token"
      ></bax-cloud>`);
      await waitUntil(() => requests.length > 0, 'no token request', { timeout: 3000 });
      const [request] = requests;
      expect(request!.url).to.equal(new URL('/demo/token', document.baseURI).href);
      expect(request!.init).to.include({ method: 'POST', credentials: 'include' });
      expect(JSON.parse(request!.init!.body as string)).to.deep.equal({ userId: 'ada', name: 'Ada' });
      expect(el.activeClient).to.equal(getPageClient());
    } finally {
      window.fetch = originalFetch;
    }
  });

  it('keeps one client for the page however many <bax-cloud> elements name the same user', async () => {
    const page = await fixture<HTMLDivElement>(html`<div>
      <bax-cloud host="127.0.0.1:9" project-id="demo" api-key="k" user-id="ada" token="a.b.c"></bax-cloud>
      <bax-cloud host="127.0.0.1:9" project-id="demo" api-key="k" user-id="ada" token="a.b.c"></bax-cloud>
    </div>`);
    const [first, second] = [...page.querySelectorAll('bax-cloud')];
    expect(first!.activeClient).to.exist;
    expect(first!.activeClient).to.equal(second!.activeClient);
    const client = first!.activeClient!;
    page.remove();
    await Promise.resolve();
    await Promise.resolve();
    expect(getPageClient()).to.equal(undefined);
    expect(client.getState().connection).to.equal('closed');
  });

  it('survives the script loading twice and warns about another version', () => {
    const warnings: unknown[] = [];
    const originalWarn = console.warn;
    console.warn = (...args: unknown[]) => warnings.push(args);
    try {
      defineElement('bax-cloud', BaxCloud);
      expect(warnings).to.have.length(0);
      class OtherBaxCloud extends HTMLElement {
        static version = '0.0.1';
      }
      defineElement('bax-cloud', OtherBaxCloud);
      expect(warnings).to.have.length(1);
      expect(customElements.get('bax-cloud')).to.equal(BaxCloud);
    } finally {
      console.warn = originalWarn;
    }
  });
});
