/// <reference types="mocha" />
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { sendMouse } from '@web/test-runner-commands';
import '../call-button/define.js';
import type { BaxCallButton } from '../call-button/call-button.js';
import '../incoming-call/define.js';
import type { BaxIncomingCall } from '../incoming-call/incoming-call.js';
import { MemoryCallClient } from '../testing/memory-client.js';
import { toneFileUrl } from '../testing/wav.js';
import { playingSounds } from './player.js';

// Runs in a Chromium with its default autoplay policy (the `autoplay-blocked` group of web-test-runner.config.mjs):
// the page may play no sound until the user clicks or presses a key in it. One click per page, so one test.

const alice = { userId: 'alice', name: 'Alice Martin', avatarUrl: null };
const bob = { userId: 'bob', name: 'Bob Stone', avatarUrl: null };

function part(el: HTMLElement, name: string): HTMLElement | null {
  return el.shadowRoot!.querySelector(`[part~="${name}"]`);
}

describe('sound the browser blocks until a user gesture', () => {
  const handOver = (event: Event) => event.preventDefault();
  before(() => document.addEventListener('bax-call-start', handOver));
  after(() => document.removeEventListener('bax-call-start', handOver));

  it('shows an accessible "Turn on sound" in the calling button and the ringing dialog, whose click starts every sound', async () => {
    expect(navigator.userActivation.hasBeenActive).to.equal(false);

    const caller = new MemoryCallClient({ presenceOf: { bob: 'online' }, people: [bob] });
    const button = await fixture<BaxCallButton>(html`<bax-call-button to="bob" .client=${caller}></bax-call-button>`);
    part(button, 'button')!.click(); // a script's click is no user gesture
    await waitUntil(() => part(button, 'sound-button'), 'no Turn on sound in the call button');
    expect(part(button, 'sound-button')!.textContent).to.equal('Turn on sound');
    expect(playingSounds()).to.deep.include({ tone: 'ringback', src: null, muted: false, blocked: true, started: false });
    await expect(button).to.be.accessible();

    const url = toneFileUrl();
    const callee = new MemoryCallClient();
    const incoming = await fixture<BaxIncomingCall>(html`<bax-incoming-call .client=${callee} ringtone=${url} notifications="off"></bax-incoming-call>`);
    callee.simulateIncoming(alice);
    await waitUntil(() => part(incoming, 'sound-button'), 'no Turn on sound in the dialog');
    expect(playingSounds()).to.deep.include({ tone: 'ringtone', src: url, muted: false, blocked: true, started: false });
    // Past the dialog's arrival animation, which fades it in.
    await Promise.all(
      part(incoming, 'dialog')!
        .getAnimations()
        .map((animation) => animation.finished),
    );
    await expect(incoming).to.be.accessible();

    const box = part(incoming, 'sound-button')!.getBoundingClientRect();
    await sendMouse({ type: 'click', position: [Math.round(box.x + box.width / 2), Math.round(box.y + box.height / 2)] });
    await waitUntil(() => playingSounds().every((sound) => sound.started && !sound.blocked), 'sounds did not start');
    await waitUntil(() => !part(incoming, 'sound-button') && !part(button, 'sound-button'), 'Turn on sound still shown');
    expect(playingSounds().map((sound) => sound.tone)).to.have.members(['ringback', 'ringtone']);
    incoming.remove();
    button.remove();
  });
});
