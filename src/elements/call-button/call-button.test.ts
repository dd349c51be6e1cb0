/// <reference types="mocha" />
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import { MemoryCallClient } from '../testing/memory-client.js';
import { expectEvent } from '../testing/expect-event.js';
import './define.js';
import type { BaxCallButton } from './call-button.js';

const bob = { userId: 'bob', name: 'Bob Stone', avatarUrl: null };

function part(el: BaxCallButton, name: string): HTMLElement | null {
  return el.shadowRoot!.querySelector(`[part~="${name}"]`);
}

async function render(client: MemoryCallClient, attributes = html`<bax-call-button to="bob" .client=${client}></bax-call-button>`) {
  const el = await fixture<BaxCallButton>(attributes);
  await el.updateComplete;
  return el;
}

describe('<bax-call-button>', () => {
  // These tests follow the invitation: the page joins the call itself (call-room.test.ts covers the default action).
  const handOver = (event: Event) => event.preventDefault();
  before(() => document.addEventListener('bax-call-start', handOver));
  after(() => document.removeEventListener('bax-call-start', handOver));

  it('labels the button with the call type and callee, and shows their presence', async () => {
    const client = new MemoryCallClient({ presenceOf: { bob: 'online' } });
    const el = await render(client);
    await waitUntil(() => part(el, 'presence'));
    expect(part(el, 'button')!.textContent).to.contain('Video call bob');
    expect(part(el, 'presence')!.textContent).to.contain('Online');
    expect(client.calls.some((call) => call.method === 'subscribePresence')).to.equal(true);
    await expect(el).to.be.accessible();
  });

  it('shows an offline callee', async () => {
    const el = await render(new MemoryCallClient({ presenceOf: { bob: 'offline' } }));
    await waitUntil(() => part(el, 'presence'));
    expect(part(el, 'presence')!.dataset['status']).to.equal('offline');
    expect(part(el, 'presence')!.textContent).to.contain('Offline');
  });

  it('sends an invitation with a generated room name and reports it', async () => {
    const client = new MemoryCallClient({ presenceOf: { bob: 'online' }, people: [bob] });
    const el = await render(client);
    const sent = expectEvent(el, 'bax-invitation-sent');
    part(el, 'button')!.click();
    const event = await sent;
    expect(event.detail.to).to.deep.equal(['bob']);
    expect(event.detail.roomName).to.match(/^[0-9a-f-]{32,36}$/);
    const call = client.calls.find((recorded) => recorded.method === 'sendCallInvitation');
    expect(call?.args[0]).to.include({ to: 'bob', callType: 'video_call' });
  });

  it('shows Calling with Cancel, ringing once delivered, and is accessible while calling', async () => {
    const client = new MemoryCallClient({ presenceOf: { bob: 'online' }, people: [bob] });
    const el = await render(client);
    part(el, 'button')!.click();
    await waitUntil(() => part(el, 'calling'));
    // The invitee's inbox told us their name along with the delivery.
    expect(part(el, 'calling')!.textContent).to.contain('Calling Bob Stone…');
    expect(part(el, 'delivery')!.textContent).to.contain('Ringing');
    expect(part(el, 'cancel-button')).to.exist;
    await expect(el).to.be.accessible();
  });

  it('says not delivered yet while the callee is offline', async () => {
    const client = new MemoryCallClient({ presenceOf: { bob: 'offline' } });
    const el = await render(client);
    part(el, 'button')!.click();
    await waitUntil(() => part(el, 'delivery'));
    expect(part(el, 'delivery')!.textContent).to.contain('Not delivered yet');
  });

  it('lets the host veto a call through bax-call-request', async () => {
    const client = new MemoryCallClient();
    const el = await render(client);
    el.addEventListener('bax-call-request', (event) => event.preventDefault(), { once: true });
    part(el, 'button')!.click();
    await el.updateComplete;
    expect(client.calls.some((call) => call.method === 'sendCallInvitation')).to.equal(false);
  });

  it('lets the host amend the invitation through bax-call-request', async () => {
    const client = new MemoryCallClient();
    const el = await render(client);
    el.addEventListener('bax-call-request', (event) => {
      event.detail.roomName = 'standup';
      event.detail.message = 'Daily standup';
    });
    const sent = expectEvent(el, 'bax-invitation-sent');
    part(el, 'button')!.click();
    expect((await sent).detail.roomName).to.equal('standup');
    expect(client.calls.find((call) => call.method === 'sendCallInvitation')?.args[0]).to.include({ message: 'Daily standup' });
  });

  it('fires bax-call-start when the callee accepts', async () => {
    const client = new MemoryCallClient({ people: [bob], presenceOf: { bob: 'online' }, answer: () => ({ outcome: 'accepted' }) });
    const el = await render(client);
    const start = expectEvent(el, 'bax-call-start');
    const accepted = expectEvent(el, 'bax-invitation-accepted');
    part(el, 'button')!.click();
    const { detail } = await start;
    expect(detail).to.include({ direction: 'outgoing', callType: 'video_call' });
    expect(detail.peer.userId).to.equal('bob');
    expect((await accepted).detail.peer.name).to.equal('Bob Stone');
    await waitUntil(() => part(el, 'status')!.textContent.includes('accepted'));
    expect(part(el, 'status')!.textContent).to.contain('Bob Stone accepted');
  });

  it('shows a decline with its reason and message', async () => {
    const client = new MemoryCallClient({
      people: [bob],
      presenceOf: { bob: 'online' },
      answer: () => ({ outcome: 'declined', reason: 'busy', message: 'In a meeting' }),
    });
    const el = await render(client);
    const declined = expectEvent(el, 'bax-invitation-declined');
    part(el, 'button')!.click();
    expect((await declined).detail).to.include({ reason: 'busy', message: 'In a meeting', direction: 'outgoing' });
    await el.updateComplete;
    expect(part(el, 'status')!.textContent).to.contain('Bob Stone is busy: “In a meeting”');
    expect(part(el, 'button')).to.exist;
    await expect(el).to.be.accessible();
  });

  it('shows no answer when the invitation expires', async () => {
    const client = new MemoryCallClient({ people: [bob], answer: () => ({ outcome: 'expired' }) });
    const el = await render(client);
    const expired = expectEvent(el, 'bax-invitation-expired');
    part(el, 'button')!.click();
    expect((await expired).detail.peer?.userId).to.equal('bob');
    await el.updateComplete;
    expect(part(el, 'status')!.textContent).to.contain('No answer from Bob Stone');
  });

  it('cancels from the keyboard and keeps focus on the button', async () => {
    const client = new MemoryCallClient({ presenceOf: { bob: 'online' } });
    const el = await render(client);
    el.focus();
    await sendKeys({ press: 'Enter' });
    await waitUntil(() => part(el, 'cancel-button'));
    expect(el.shadowRoot!.activeElement).to.equal(part(el, 'cancel-button'));
    const canceled = expectEvent(el, 'bax-invitation-canceled');
    await sendKeys({ press: 'Enter' });
    expect((await canceled).detail.direction).to.equal('outgoing');
    await waitUntil(() => part(el, 'button'));
    expect(part(el, 'status')!.textContent).to.contain('Call canceled');
    expect(el.shadowRoot!.activeElement).to.equal(part(el, 'button'));
  });

  it('invites several users to a meeting', async () => {
    const client = new MemoryCallClient({ presenceOf: { bob: 'online', carol: 'offline' } });
    const el = await render(client, html`<bax-call-button to="bob, carol" .client=${client}></bax-call-button>`);
    await waitUntil(() => part(el, 'presence'));
    expect(part(el, 'presence')!.textContent).to.contain('1 of 2 online');
    expect(part(el, 'button')!.textContent).to.contain('Video call 2 people');
    part(el, 'button')!.click();
    await waitUntil(() => part(el, 'calling'));
    expect(client.calls.find((call) => call.method === 'sendCallInvitation')?.args[0]).to.deep.include({ to: ['bob', 'carol'] });
  });

  it('follows a call to the same callee sent before the page loaded', async () => {
    const client = new MemoryCallClient();
    await client.sendCallInvitation({ to: 'bob', roomName: 'r1', callType: 'video_call' });
    const el = await render(client);
    expect(part(el, 'calling')).to.exist;
  });

  it('reports a call once when two buttons on the page call the same user', async () => {
    const client = new MemoryCallClient({ people: [bob], answer: () => ({ outcome: 'accepted', afterMs: 50 }) });
    const page = await fixture<HTMLDivElement>(html`<div>
      <bax-call-button to="bob" .client=${client}></bax-call-button>
      <bax-call-button to="bob" .client=${client}></bax-call-button>
    </div>`);
    const [first, second] = [...page.querySelectorAll('bax-call-button')] as [BaxCallButton, BaxCallButton];
    await first.updateComplete;
    const starts: Event[] = [];
    page.addEventListener('bax-call-start', (event) => starts.push(event));
    part(first, 'button')!.click();
    await waitUntil(() => starts.length > 0);
    // Both buttons have rendered the accepted call: a second start could only have come before that.
    await waitUntil(() => part(first, 'status')?.textContent?.includes('accepted'));
    await second.updateComplete;
    expect(starts).to.have.length(1);
    expect(starts[0]!.target).to.equal(first);
    expect(part(second, 'calling')).to.equal(null);
  });

  it('is disabled with the reason while reconnecting', async () => {
    const client = new MemoryCallClient({ connection: 'reconnecting' });
    const el = await render(client);
    expect((part(el, 'button') as HTMLButtonElement).disabled).to.equal(true);
    expect(part(el, 'status')!.textContent).to.contain('Reconnecting…');
    client.simulateConnection('open');
    await el.updateComplete;
    expect((part(el, 'button') as HTMLButtonElement).disabled).to.equal(false);
    await expect(el).to.be.accessible();
  });

  it('is disabled when no client is configured', async () => {
    const el = await fixture<BaxCallButton>(html`<bax-call-button to="bob"></bax-call-button>`);
    expect((part(el, 'button') as HTMLButtonElement).disabled).to.equal(true);
    expect(part(el, 'status')!.textContent).to.contain('Calling is not set up');
  });

  it('reports a failed send', async () => {
    const client = new MemoryCallClient({ failures: { sendCallInvitation: 'rate_limited' } });
    const el = await render(client);
    part(el, 'button')!.click();
    await waitUntil(() => part(el, 'status')!.textContent.includes('could not start'));
  });

  it('takes replacement strings and theme properties', async () => {
    const client = new MemoryCallClient({ presenceOf: { bob: 'online' } });
    const el = await render(
      client,
      html`<bax-call-button
        to="bob"
        display-name="Bob"
        call-type="audio_call"
        strings='{"audioCall":"Appeler {name}","online":"En ligne"}'
        style="--bax-accent-color: rgb(1, 2, 3)"
        .client=${client}
      ></bax-call-button>`,
    );
    await waitUntil(() => part(el, 'presence'));
    expect(part(el, 'button')!.textContent).to.contain('Appeler Bob');
    expect(part(el, 'presence')!.textContent).to.contain('En ligne');
    expect(getComputedStyle(part(el, 'button')!).backgroundColor).to.equal('rgb(1, 2, 3)');
  });
});
