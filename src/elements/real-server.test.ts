/// <reference types="mocha" />
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { BaxCloudClient } from '../client/client.js';
import type { CallClient } from '../client/types.js';
import './call-button/define.js';
import './incoming-call/define.js';
import type { BaxCallButton } from './call-button/call-button.js';
import type { CallStartDetail } from './events/call-start.js';
import type { BaxIncomingCall } from './incoming-call/incoming-call.js';

/** A client of the real server for a new user; tokens come from the test runner, standing in for an app backend. */
async function signIn(host: string, userId: string, name: string): Promise<CallClient> {
  const client = new BaxCloudClient({
    host,
    projectId: 'demo',
    apiKey: 'demo-api-key',
    user: { userId, name },
    token: async () => {
      const response = await fetch(`/__bax/token?userId=${encodeURIComponent(userId)}&name=${encodeURIComponent(name)}`);
      return ((await response.json()) as { token: string }).token;
    },
  });
  await waitUntil(() => client.getState().connection === 'open', `${userId} did not connect`, { timeout: 15_000 });
  return client;
}

describe('the elements against the real server', function () {
  // Starting the server (wrangler) takes a few seconds on the first request.
  this.timeout(90_000);
  const clients: CallClient[] = [];
  afterEach(() => clients.splice(0).forEach((client) => client.disconnect()));

  it('calls from one user to another, and both sides get bax-call-start on accept', async () => {
    const { host } = (await (await fetch('/__bax/server')).json()) as { host: string };
    const run = Math.random().toString(36).slice(2, 8);
    const caller = await signIn(host, `ada-${run}`, 'Ada');
    const callee = await signIn(host, `grace-${run}`, 'Grace');
    clients.push(caller, callee);

    const page = await fixture<HTMLDivElement>(html`<div>
      <bax-call-button to=${`grace-${run}`} call-type="audio_call" .client=${caller}></bax-call-button>
      <bax-incoming-call muted notifications="off" .client=${callee}></bax-incoming-call>
    </div>`);
    const button = page.querySelector('bax-call-button') as BaxCallButton;
    const incoming = page.querySelector('bax-incoming-call') as BaxIncomingCall;
    const starts = new Map<EventTarget, CallStartDetail>();
    page.addEventListener('bax-call-start', (event) => {
      // This test is about signaling: the page takes the call over instead of a <bax-call-room>.
      event.preventDefault();
      starts.set(event.target!, event.detail);
    });

    await button.updateComplete;
    button.shadowRoot!.querySelector<HTMLButtonElement>('[part="button"]')!.click();

    const dialog = () => incoming.shadowRoot!.querySelector('dialog')!;
    await waitUntil(() => dialog().open, 'the callee never saw the call', { timeout: 15_000 });
    expect(incoming.shadowRoot!.querySelector('[part="caller"]')!.textContent).to.contain('Ada is calling');
    await waitUntil(() => button.shadowRoot!.querySelector('[part="delivery"]')?.textContent?.includes('Ringing'), 'never ringing', {
      timeout: 10_000,
    });

    incoming.shadowRoot!.querySelector<HTMLButtonElement>('[part="accept-button"]')!.click();
    await waitUntil(() => starts.size === 2, 'bax-call-start did not reach both sides', { timeout: 15_000 });

    const callerSide = starts.get(button)!;
    const calleeSide = starts.get(incoming)!;
    expect(callerSide).to.include({ direction: 'outgoing', callType: 'audio_call' });
    expect(calleeSide).to.include({ direction: 'incoming', callType: 'audio_call' });
    expect(callerSide.roomName).to.equal(calleeSide.roomName);
    expect(callerSide.invitationId).to.equal(calleeSide.invitationId);
    expect(callerSide.peer.userId).to.equal(`grace-${run}`);
    expect(calleeSide.peer.name).to.equal('Ada');
    await waitUntil(() => !dialog().open);
  });
});
