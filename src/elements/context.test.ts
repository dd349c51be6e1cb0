/// <reference types="mocha" />
import { aTimeout, expect, fixture, html, waitUntil } from '@open-wc/testing';
import type { CallClient } from '../client/types.js';
import type { BaxCloud } from './bax-cloud/bax-cloud.js';
import { getPageClient, onPageClientChange, setPageClient } from './context.js';
import { MemoryCallClient } from './testing/memory-client.js';
import './all.js';

function presenceRequests(client: MemoryCallClient): unknown[] {
  return client.calls.filter((call) => call.method === 'subscribePresence').map((call) => call.args[0]);
}

describe('the page client', () => {
  afterEach(() => setPageClient(undefined));

  it('tells its listeners of every change until they unsubscribe', () => {
    const seen: Array<CallClient | undefined> = [];
    const unsubscribe = onPageClientChange((client) => seen.push(client));
    const first = new MemoryCallClient();
    const second = new MemoryCallClient();
    setPageClient(first);
    setPageClient(first);
    setPageClient(second);
    unsubscribe();
    setPageClient(undefined);
    expect(seen).to.deep.equal([first, second]);
  });

  it('reaches elements inside a <bax-cloud> that has no client of its own', async () => {
    const page = await fixture<BaxCloud>(html`<bax-cloud><bax-call-button to="bob"></bax-call-button></bax-cloud>`);
    const client = new MemoryCallClient();
    setPageClient(client);
    await waitUntil(() => presenceRequests(client).length > 0, 'the button did not get the page client');
    const own = new MemoryCallClient();
    page.client = own;
    await waitUntil(() => presenceRequests(own).length > 0, 'the button did not move to the <bax-cloud>’s client');
    expect(getPageClient()).to.equal(own);
  });

  it('stays with the last <bax-cloud> when two name different users', async () => {
    const page = await fixture<HTMLDivElement>(html`<div>
      <bax-cloud host="127.0.0.1:9" project-id="demo" api-key="k" user-id="ada" token="a.b.c"></bax-cloud>
      <bax-cloud host="127.0.0.1:9" project-id="demo" api-key="k" user-id="grace" token="a.b.c"></bax-cloud>
    </div>`);
    const second = page.querySelectorAll('bax-cloud')[1]!;
    const client = getPageClient();
    expect(client).to.equal(second.activeClient);
    await aTimeout(100);
    expect(getPageClient()).to.equal(client);
    page.remove();
  });
});
