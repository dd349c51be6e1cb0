/// <reference types="mocha" />
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import type { SimulatedAnswer } from '../testing/memory-client.js';
import { MemoryCallClient } from '../testing/memory-client.js';
import { expectEvent } from '../testing/expect-event.js';
import './define.js';
import type { BaxCallButton } from './call-button.js';

const bob = { userId: 'bob', name: 'Bob Stone', avatarUrl: null };

function part(el: BaxCallButton, name: string): HTMLElement | null {
  return el.shadowRoot!.querySelector(`[part~="${name}"]`);
}

/** A button that called Bob, who is busy (his inbox declines at once), unless `answer` and `status` say otherwise. */
async function callBusyCallee(to = 'bob', status: 'busy' | 'online' = 'busy', answer: SimulatedAnswer = {}) {
  const client = new MemoryCallClient({ presenceOf: { bob: status, carol: 'online' }, people: [bob], answer: () => answer });
  const el = await fixture<BaxCallButton>(html`<bax-call-button to=${to} .client=${client}></bax-call-button>`);
  await el.updateComplete;
  part(el, 'button')!.click();
  return { client, el };
}

/** Whether "Tell me when free" shows. (A boolean: chai would take ages to print an element in a failure message.) */
function offered(el: BaxCallButton): boolean {
  return part(el, 'notify-button') !== null;
}

/** Presses "Tell me when free" and waits until the watch has read the callee's presence afresh. */
async function watch(client: MemoryCallClient, el: BaxCallButton): Promise<void> {
  await waitUntil(() => part(el, 'notify-button'), 'no "Tell me when free"');
  const subscriptions = client.calls.filter((call) => call.method === 'subscribePresence').length;
  part(el, 'notify-button')!.click();
  await waitUntil(() => client.calls.filter((call) => call.method === 'subscribePresence').length > subscriptions, 'presence not watched');
  await el.updateComplete;
}

/** Waits until an offer the button may have asked for would show: its import of free-watch.js resolves before this one. */
async function settled(el: BaxCallButton): Promise<void> {
  await import('./free-watch.js');
  await el.updateComplete;
}

/** Counts `bax-callee-available` events on `el`. */
function countAvailable(el: BaxCallButton): { count: number } {
  const counter = { count: 0 };
  el.addEventListener('bax-callee-available', () => counter.count++);
  return counter;
}

describe('<bax-call-button> "Tell me when free"', () => {
  it('is offered when the callee answers busy, and is accessible', async () => {
    const { el } = await callBusyCallee();
    await waitUntil(() => part(el, 'notify-button'), 'no "Tell me when free"');
    expect(part(el, 'notify-button')!.textContent.trim()).to.equal('Tell me when free');
    expect(part(el, 'notify-button')!.getAttribute('aria-pressed')).to.equal('false');
    expect(part(el, 'status')!.textContent).to.contain('Bob Stone is busy');
    await expect(el).to.be.accessible();
  });

  it('is not offered for other answers', async () => {
    const { el } = await callBusyCallee('bob', 'online', { outcome: 'declined', reason: 'declined' });
    await waitUntil(() => part(el, 'status')!.textContent.includes('declined'));
    await settled(el);
    expect(offered(el)).to.equal(false);
  });

  it('tells once, with bax-callee-available and the call button, when the callee is online and not busy', async () => {
    const { client, el } = await callBusyCallee();
    const available = countAvailable(el);
    await watch(client, el);
    expect(part(el, 'notify-button')!.getAttribute('aria-pressed')).to.equal('true');
    await expect(el).to.be.accessible();

    client.simulatePresence('bob', 'offline');
    await el.updateComplete;
    expect(available.count).to.equal(0);

    const event = expectEvent(el, 'bax-callee-available');
    client.simulatePresence('bob', 'online');
    expect((await event).detail).to.deep.equal({ userId: 'bob', name: 'Bob Stone' });
    await el.updateComplete;
    expect(part(el, 'button')!.textContent).to.contain('Bob Stone is free now — Call');
    expect(part(el, 'status')!.textContent).to.contain('Bob Stone is free now');
    expect(offered(el)).to.equal(false);
    await expect(el).to.be.accessible();

    client.simulatePresence('bob', 'busy');
    await el.updateComplete;
    client.simulatePresence('bob', 'online');
    await el.updateComplete;
    expect(available.count).to.equal(1);
  });

  it('stops watching when pressed again', async () => {
    const { client, el } = await callBusyCallee();
    const available = countAvailable(el);
    await watch(client, el);
    part(el, 'notify-button')!.click();
    await el.updateComplete;
    expect(part(el, 'notify-button')!.getAttribute('aria-pressed')).to.equal('false');
    client.simulatePresence('bob', 'online');
    await el.updateComplete;
    expect(available.count).to.equal(0);
  });

  it('stops watching when the caller calls again; a new busy answer offers it anew', async () => {
    const { client, el } = await callBusyCallee();
    const available = countAvailable(el);
    await watch(client, el);
    const sent = expectEvent(el, 'bax-invitation-sent');
    part(el, 'button')!.click();
    await sent;
    await waitUntil(() => part(el, 'notify-button')?.getAttribute('aria-pressed') === 'false', 'not offered anew');
    client.simulatePresence('bob', 'online');
    await el.updateComplete;
    expect(available.count).to.equal(0);
  });

  it('is withdrawn when the button calls someone else', async () => {
    const { client, el } = await callBusyCallee();
    const available = countAvailable(el);
    await watch(client, el);
    el.to = 'carol';
    await el.updateComplete;
    expect(offered(el)).to.equal(false);
    client.simulatePresence('bob', 'online');
    await el.updateComplete;
    expect(available.count).to.equal(0);
    expect(part(el, 'button')!.textContent).to.contain('Video call carol');
  });

  it('is not offered in a meeting', async () => {
    const { el } = await callBusyCallee('bob,carol', 'busy', { outcome: 'declined', reason: 'declined' });
    await waitUntil(() => part(el, 'status')!.textContent.includes('Bob Stone is busy · carol declined'));
    await settled(el);
    expect(offered(el)).to.equal(false);
  });
});
