/// <reference types="mocha" />
import { aTimeout, expect, fixture, html, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import { expectEvent } from '../testing/expect-event.js';
import { MemoryCallClient } from '../testing/memory-client.js';
import './define.js';
import type { BaxIncomingCall } from './incoming-call.js';

const alice = { userId: 'alice', name: 'Alice Martin', avatarUrl: null };

function part(el: BaxIncomingCall, name: string): HTMLElement | null {
  return el.shadowRoot!.querySelector(`[part~="${name}"]`);
}

function dialog(el: BaxIncomingCall): HTMLDialogElement {
  return el.shadowRoot!.querySelector('dialog')!;
}

async function render(client: MemoryCallClient, muted = true) {
  const el = await fixture<BaxIncomingCall>(html`<bax-incoming-call .client=${client} ?muted=${muted} notifications="off"></bax-incoming-call>`);
  await el.updateComplete;
  return el;
}

describe('<bax-incoming-call>', () => {
  // These tests follow the invitation: the page joins the call itself (call-room.test.ts covers the default action).
  const handOver = (event: Event) => event.preventDefault();
  before(() => document.addEventListener('bax-call-start', handOver));
  after(() => document.removeEventListener('bax-call-start', handOver));

  it('stays closed and accessible with no call', async () => {
    const el = await render(new MemoryCallClient());
    expect(dialog(el).open).to.equal(false);
    await expect(el).to.be.accessible();
  });

  it('shows the caller, initials, call type, message and countdown in an alert dialog that takes focus', async () => {
    const client = new MemoryCallClient();
    const el = await render(client);
    const received = expectEvent(el, 'bax-invitation-received');
    client.simulateIncoming(alice, { callType: 'audio_call', message: 'Quick question' });
    expect((await received).detail.invitation.fromUser.name).to.equal('Alice Martin');
    await el.updateComplete;
    expect(dialog(el).open).to.equal(true);
    expect(dialog(el).getAttribute('role')).to.equal('alertdialog');
    expect(part(el, 'caller')!.textContent).to.contain('Alice Martin is calling');
    expect(part(el, 'avatar')!.textContent).to.equal('AM');
    expect(part(el, 'call-type')!.textContent).to.contain('Audio call');
    expect(part(el, 'message')!.textContent).to.contain('Quick question');
    expect(part(el, 'countdown')!.textContent).to.match(/Rings for 0:4\d/);
    expect(el.shadowRoot!.activeElement).to.equal(part(el, 'accept-button'));
    await expect(el).to.be.accessible();
  });

  it('counts down in the digits of its language, and in plain digits under a malformed language tag', async () => {
    for (const [lang, pattern] of [
      ['ar-EG', /٠:[٠-٩]{2}/],
      ['en_US', /0:\d{2}/],
    ] as const) {
      const client = new MemoryCallClient();
      const el = await fixture<BaxIncomingCall>(html`<bax-incoming-call lang=${lang} .client=${client} notifications="off"></bax-incoming-call>`);
      client.simulateIncoming(alice);
      await el.updateComplete;
      expect(part(el, 'countdown')!.textContent, lang).to.match(pattern);
    }
  });

  it('shows the avatar picture when the caller has one', async () => {
    const client = new MemoryCallClient();
    const el = await render(client);
    const avatarUrl = 'data:image/svg+xml,<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>';
    client.simulateIncoming({ ...alice, avatarUrl });
    await el.updateComplete;
    expect(part(el, 'avatar')!.tagName).to.equal('IMG');
    await expect(el).to.be.accessible();
  });

  it('accepts, fires bax-call-start and gives focus back', async () => {
    const trigger = await fixture<HTMLButtonElement>(html`<button>Before</button>`);
    trigger.focus();
    const client = new MemoryCallClient();
    const el = await render(client);
    const invitation = client.simulateIncoming(alice, { roomName: 'room-7' });
    await el.updateComplete;
    const start = expectEvent(el, 'bax-call-start');
    const accepted = expectEvent(el, 'bax-invitation-accepted');
    await sendKeys({ press: 'Enter' });
    const { detail } = await start;
    expect(detail).to.include({ invitationId: invitation.invitationId, roomName: 'room-7', direction: 'incoming' });
    expect(detail.peer.userId).to.equal('alice');
    expect((await accepted).detail.direction).to.equal('incoming');
    await waitUntil(() => !dialog(el).open);
    expect(document.activeElement).to.equal(trigger);
    await expect(el).to.be.accessible();
  });

  it('shows a call that arrives during another as waiting, without the ringtone; End & accept hangs up first', async () => {
    const client = new MemoryCallClient({ room: { participants: [{ userId: 'bob' }] } });
    await client.connect({ roomName: 'current' });
    const el = await render(client, false);
    client.simulateIncoming(alice, { roomName: 'room-9' });
    await el.updateComplete;
    expect(dialog(el).open).to.equal(true);
    expect(part(el, 'waiting')!.textContent).to.contain('Waiting · you are in a call');
    expect(part(el, 'accept-button')!.textContent).to.contain('End & accept');
    expect(part(el, 'decline-button')!.textContent).to.contain('Decline');
    expect(part(el, 'silence-button')!.hidden).to.equal(true);
    // Past the dialog's arrival animation, which fades it in, and any ringtone start.
    await aTimeout(250);
    expect(el.ringing).to.equal(false);
    await expect(el).to.be.accessible();
    const start = expectEvent(el, 'bax-call-start');
    part(el, 'accept-button')!.click();
    expect((await start).detail.roomName).to.equal('room-9');
    const methods = client.calls.map((call) => call.method);
    expect(methods.indexOf('leaveRoom')).to.be.greaterThan(-1);
    expect(methods.indexOf('leaveRoom')).to.be.lessThan(methods.indexOf('acceptCallInvitation'));
    expect(client.getState().room).to.equal(null);
    client.disconnect();
  });

  it('declines a waiting call and stays in the call', async () => {
    const client = new MemoryCallClient({ room: { participants: [{ userId: 'bob' }] } });
    await client.connect({ roomName: 'current' });
    const el = await render(client);
    client.simulateIncoming(alice, { roomName: 'room-9' });
    await el.updateComplete;
    const declined = expectEvent(el, 'bax-invitation-declined');
    part(el, 'decline-button')!.click();
    expect((await declined).detail.reason).to.equal('declined');
    expect(client.getState().room?.roomName).to.equal('current');
    expect(client.calls.some((call) => call.method === 'leaveRoom')).to.equal(false);
    client.disconnect();
  });

  it('declines with a quick reply', async () => {
    const client = new MemoryCallClient();
    const el = await render(client);
    client.simulateIncoming(alice);
    await el.updateComplete;
    part(el, 'reply-button')!.click();
    await el.updateComplete;
    expect(part(el, 'reply-button')!.getAttribute('aria-expanded')).to.equal('true');
    expect(part(el, 'replies')!.hidden).to.equal(false);
    await expect(el).to.be.accessible();
    const declined = expectEvent(el, 'bax-invitation-declined');
    part(el, 'quick-reply')!.click();
    const { detail } = await declined;
    expect(detail).to.include({ direction: 'incoming', message: "I'm busy" });
    expect(client.calls.find((call) => call.method === 'declineCallInvitation')?.args[1]).to.deep.equal({ reason: 'declined', message: "I'm busy" });
  });

  it('declines with a custom reply typed from the keyboard', async () => {
    const client = new MemoryCallClient();
    const el = await render(client);
    client.simulateIncoming(alice);
    await el.updateComplete;
    part(el, 'reply-button')!.click();
    await el.updateComplete;
    (part(el, 'reply-input') as HTMLInputElement).focus();
    const declined = expectEvent(el, 'bax-invitation-declined');
    await sendKeys({ type: 'On a train' });
    await sendKeys({ press: 'Enter' });
    expect((await declined).detail.message).to.equal('On a train');
  });

  it('hides and silences on Escape without declining', async () => {
    const client = new MemoryCallClient();
    const el = await render(client, false);
    client.simulateIncoming(alice);
    await waitUntil(() => el.ringing);
    await sendKeys({ press: 'Escape' });
    await waitUntil(() => !dialog(el).open);
    expect(el.ringing).to.equal(false);
    expect(client.getState().incoming).to.have.length(1);
    expect(client.calls.some((call) => call.method.startsWith('decline'))).to.equal(false);
  });

  it('queues several calls and shows the next after answering', async () => {
    const client = new MemoryCallClient();
    const el = await render(client);
    client.simulateIncoming(alice);
    client.simulateIncoming({ userId: 'carol', name: 'Carol', avatarUrl: null });
    await el.updateComplete;
    expect(part(el, 'queue')!.textContent).to.contain('1 more waiting');
    await expect(el).to.be.accessible();
    part(el, 'decline-button')!.click();
    await waitUntil(() => part(el, 'caller')!.textContent.includes('Carol'));
    expect(dialog(el).open).to.equal(true);
    expect(part(el, 'queue')).to.equal(null);
  });

  it('closes and announces when the caller cancels', async () => {
    const client = new MemoryCallClient();
    const el = await render(client);
    const invitation = client.simulateIncoming(alice);
    await el.updateComplete;
    const canceled = expectEvent(el, 'bax-invitation-canceled');
    client.simulateIncomingCanceled(invitation.invitationId);
    expect((await canceled).detail).to.include({ direction: 'incoming', reason: 'canceled' });
    await waitUntil(() => part(el, 'announcer')!.textContent.includes('Alice Martin canceled the call'));
    expect(dialog(el).open).to.equal(false);
    await expect(el).to.be.accessible();
  });

  it('closes and reports a missed call when the invitation expires', async () => {
    const client = new MemoryCallClient();
    const el = await render(client);
    const invitation = client.simulateIncoming(alice);
    await el.updateComplete;
    const expired = expectEvent(el, 'bax-invitation-expired');
    client.simulateIncomingExpired(invitation.invitationId);
    expect((await expired).detail.peer?.userId).to.equal('alice');
    await waitUntil(() => !dialog(el).open);
  });

  it('closes when the call is answered on another device', async () => {
    const client = new MemoryCallClient();
    const el = await render(client);
    const invitation = client.simulateIncoming(alice);
    await el.updateComplete;
    client.simulateAnsweredElsewhere(invitation.invitationId);
    await waitUntil(() => part(el, 'announcer')!.textContent.includes('Answered on another device'));
    expect(dialog(el).open).to.equal(false);
  });

  it('counts down with the server clock', async () => {
    const client = new MemoryCallClient({ clockOffset: 20_000 });
    const el = await render(client);
    // Expires 45 s from now by the local clock, which is 25 s by the server's.
    client.simulateIncoming(alice, { createdAt: Date.now(), expiresAt: Date.now() + 45_000 });
    await el.updateComplete;
    expect(part(el, 'countdown')!.textContent).to.match(/Rings for 0:2[45]/);
  });

  it('rings unless muted, and silences from the Silence button', async () => {
    const client = new MemoryCallClient();
    const el = await render(client, false);
    client.simulateIncoming(alice);
    await waitUntil(() => el.ringing);
    part(el, 'silence-button')!.click();
    await waitUntil(() => !el.ringing);
    expect(dialog(el).open).to.equal(true);

    el.muted = true;
    client.simulateIncoming(alice);
    part(el, 'decline-button')!.click();
    await waitUntil(() => part(el, 'queue') === null && !!part(el, 'caller'));
    await aTimeout(50);
    expect(el.ringing).to.equal(false);
  });

  it('rings in one tab of a user at a time', async () => {
    const first = new MemoryCallClient({ user: { userId: 'bob' } });
    const second = new MemoryCallClient({ user: { userId: 'bob' } });
    const wrapper = await fixture<HTMLDivElement>(html`<div>
      <bax-incoming-call .client=${first} notifications="off"></bax-incoming-call>
      <bax-incoming-call .client=${second} notifications="off"></bax-incoming-call>
    </div>`);
    const [one, two] = [...wrapper.querySelectorAll('bax-incoming-call')] as [BaxIncomingCall, BaxIncomingCall];
    first.simulateIncoming(alice, { invitationId: 'shared' });
    second.simulateIncoming(alice, { invitationId: 'shared' });
    await waitUntil(() => one.ringing || two.ringing);
    await aTimeout(100);
    expect([one.ringing, two.ringing].filter(Boolean)).to.have.length(1);
    // When the ringing tab is done, the other takes over.
    const ringingOne = one.ringing ? one : two;
    ringingOne.remove();
    const other = ringingOne === one ? two : one;
    await waitUntil(() => other.ringing);
  });

  it('flashes the page title while a call rings', async () => {
    const client = new MemoryCallClient();
    const el = await render(client);
    const original = document.title;
    client.simulateIncoming(alice);
    await waitUntil(() => document.title.includes('Alice Martin'), 'title did not flash', { timeout: 2500 });
    const invitation = client.getState().incoming[0]!;
    client.simulateIncomingCanceled(invitation.invitationId);
    await waitUntil(() => !dialog(el).open);
    expect(document.title).to.equal(original);
  });

  it('takes replacement strings and theme properties', async () => {
    const client = new MemoryCallClient();
    const el = await fixture<BaxIncomingCall>(html`<bax-incoming-call
      muted
      notifications="off"
      .client=${client}
      .strings=${{ title: '{name} vous appelle', accept: 'Répondre' }}
      style="--bax-accept-color: rgb(0, 90, 0)"
    ></bax-incoming-call>`);
    client.simulateIncoming(alice);
    await el.updateComplete;
    expect(part(el, 'caller')!.textContent).to.contain('Alice Martin vous appelle');
    expect(part(el, 'accept-button')!.textContent).to.contain('Répondre');
    expect(getComputedStyle(part(el, 'accept-button')!).backgroundColor).to.equal('rgb(0, 90, 0)');
  });

  it('shows a quiet invitation as a notice, not a dialog, and rings not; Join accepts and starts the call', async () => {
    const client = new MemoryCallClient();
    const el = await render(client, false);
    const invitation = client.simulateIncoming(alice, { roomName: 'standup', ring: false, message: 'Daily' });
    await waitUntil(() => part(el, 'quiet-notice'), 'no quiet notice');
    expect(dialog(el).open).to.equal(false);
    expect(part(el, 'quiet-notice')!.textContent).to.contain('Alice Martin started a meeting');
    expect(part(el, 'quiet-notice')!.textContent).to.contain('Daily');
    expect(getComputedStyle(part(el, 'quiet')!).position).to.equal('fixed');
    // Past any ringtone start.
    await aTimeout(250);
    expect(el.ringing).to.equal(false);
    await expect(el).to.be.accessible();
    const start = expectEvent(el, 'bax-call-start');
    part(el, 'join-button')!.click();
    expect((await start).detail).to.include({ invitationId: invitation.invitationId, roomName: 'standup', direction: 'incoming' });
    await waitUntil(() => !part(el, 'quiet-notice'), 'the notice stayed');
  });

  it('dismisses a quiet notice without declining, and names a live stream', async () => {
    const client = new MemoryCallClient();
    const el = await render(client);
    const invitation = client.simulateIncoming(alice, { callType: 'live_streaming', ring: false });
    await waitUntil(() => part(el, 'quiet-notice'), 'no quiet notice');
    expect(part(el, 'quiet-notice')!.textContent).to.contain('Alice Martin started a live stream');
    part(el, 'dismiss-button')!.click();
    await waitUntil(() => !part(el, 'quiet-notice'), 'the notice stayed');
    expect(client.calls.map((call) => call.method)).not.to.include('declineCallInvitation');
    expect(client.getState().incoming.map((pending) => pending.invitationId)).to.deep.equal([invitation.invitationId]);
  });
});
