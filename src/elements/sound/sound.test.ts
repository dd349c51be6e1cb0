/// <reference types="mocha" />
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import '../bax-cloud/define.js';
import type { BaxCloud } from '../bax-cloud/bax-cloud.js';
import '../call-button/define.js';
import type { BaxCallButton } from '../call-button/call-button.js';
import '../call-room/define.js';
import type { BaxCallRoom } from '../call-room/call-room.js';
import '../incoming-call/define.js';
import type { BaxIncomingCall } from '../incoming-call/incoming-call.js';
import { MemoryCallClient } from '../testing/memory-client.js';
import { toneFileUrl } from '../testing/wav.js';
import { isSoundMuted, setSoundMuted } from './mute.js';
import { playingSounds, type SoundInfo } from './player.js';

// This page may play sound without a click (web-test-runner.config.mjs); autoplay-blocked.test.ts runs without that.

const alice = { userId: 'alice', name: 'Alice Martin', avatarUrl: null };
const bob = { userId: 'bob', name: 'Bob Stone', avatarUrl: null };

function part(el: HTMLElement, name: string): HTMLElement | null {
  return el.shadowRoot!.querySelector(`[part~="${name}"]`);
}

function playing(tone: SoundInfo['tone']): SoundInfo | undefined {
  return playingSounds().find((sound) => sound.tone === tone);
}

describe('sound', () => {
  const handOver = (event: Event) => event.preventDefault();
  before(() => document.addEventListener('bax-call-start', handOver));
  after(() => document.removeEventListener('bax-call-start', handOver));
  afterEach(async () => {
    setSoundMuted(false);
    // Elements stop their sounds when they leave the page; the one-off tones end by themselves.
    await waitUntil(() => playingSounds().length === 0, 'sounds still playing', { timeout: 4000 });
  });

  describe('<bax-incoming-call>', () => {
    async function ring(ringtone?: string) {
      const client = new MemoryCallClient();
      const el = await fixture<BaxIncomingCall>(html`<bax-incoming-call .client=${client} ringtone=${ringtone ?? ''} notifications="off"></bax-incoming-call>`);
      expect(playingSounds()).to.deep.equal([]);
      client.simulateIncoming(alice);
      await waitUntil(() => el.ringing);
      return el;
    }

    it('rings with the built-in tone without a ringtone attribute', async () => {
      const el = await ring();
      await waitUntil(() => playing('ringtone')?.started);
      expect(playing('ringtone')).to.include({ src: null, muted: false, blocked: false });
      expect(part(el, 'sound-button')).to.equal(null);
      part(el, 'silence-button')!.click();
      await waitUntil(() => !playing('ringtone'));
    });

    it('rings with the audio file of its ringtone attribute, fetched only when the ring starts', async () => {
      const url = toneFileUrl();
      const el = await ring(url);
      expect(el.ringtone).to.equal(url);
      await waitUntil(() => playing('ringtone')?.started);
      expect(playing('ringtone')).to.include({ src: url, blocked: false });
      el.remove();
      await waitUntil(() => !playing('ringtone'));
    });

    it('falls back to the built-in tone when the ringtone file cannot play', async () => {
      const el = await ring('/no-such-ringtone.mp3');
      await waitUntil(() => playing('ringtone')?.src === null && playing('ringtone')?.started);
      el.remove();
    });
  });

  describe('<bax-call-button>', () => {
    async function call(attributes: { ringback?: string; presence?: 'online' | 'offline' } = {}) {
      const client = new MemoryCallClient({ presenceOf: { bob: attributes.presence ?? 'online' }, people: [bob] });
      const el = await fixture<BaxCallButton>(html`<bax-call-button to="bob" ringback=${attributes.ringback ?? ''} .client=${client}></bax-call-button>`);
      part(el, 'button')!.click();
      await waitUntil(() => part(el, 'calling'));
      const invitationId = client.getState().outgoing[0]!.invitationId;
      return { el, client, invitationId };
    }

    it('plays the built-in ringback while the invitation rings, and stops it on Cancel', async () => {
      const { el } = await call();
      await waitUntil(() => playing('ringback')?.started);
      expect(playing('ringback')).to.include({ src: null, blocked: false });
      await expect(el).to.be.accessible();
      part(el, 'cancel-button')!.click();
      await waitUntil(() => !playing('ringback'));
    });

    it('plays no ringback before the invitation is delivered', async () => {
      const { el, client, invitationId } = await call({ presence: 'offline' });
      // The sound module arrives with the first call: wait for it to have seen the pending invitation.
      await waitUntil(() => part(el, 'delivery')?.textContent?.includes('Not delivered'));
      client.simulateDelivered(invitationId, 'bob');
      await waitUntil(() => playing('ringback'));
      el.remove();
    });

    it('plays the audio file of its ringback attribute, and none with ringback="off"', async () => {
      const url = toneFileUrl();
      const { el } = await call({ ringback: url });
      await waitUntil(() => playing('ringback')?.started);
      expect(playing('ringback')!.src).to.equal(url);
      el.remove();
      await waitUntil(() => !playing('ringback'));

      const off = await call({ ringback: 'off' });
      expect(off.el.ringback).to.equal('off');
      off.client.simulateAnswer(off.invitationId, 'bob', { outcome: 'declined', reason: 'busy' });
      // The busy tone still sounds: ringback="off" is only about the ringback.
      await waitUntil(() => playing('busy'));
      expect(playing('ringback')).to.equal(undefined);
    });

    it('stops the ringback and plays the busy tone once when the callee declines', async () => {
      const { client, invitationId } = await call();
      await waitUntil(() => playing('ringback'));
      client.simulateAnswer(invitationId, 'bob', { outcome: 'declined', reason: 'declined' });
      await waitUntil(() => playing('busy'));
      expect(playing('ringback')).to.equal(undefined);
      expect(playingSounds().filter((sound) => sound.tone === 'busy')).to.have.length(1);
    });

    it('makes no sound for an invitation it only follows, sent from another tab', async () => {
      const client = new MemoryCallClient({ presenceOf: { bob: 'online' }, people: [bob] });
      await client.sendCallInvitation({ to: 'bob', callType: 'video_call', roomName: 'room-1' });
      const el = await fixture<BaxCallButton>(html`<bax-call-button to="bob" .client=${client}></bax-call-button>`);
      await waitUntil(() => part(el, 'calling'));
      // A call this button places loads the sound module; the adopted one must not ring back.
      expect(playingSounds()).to.deep.equal([]);
      await import('./sound.js');
      await el.updateComplete;
      expect(playingSounds()).to.deep.equal([]);
    });
  });

  it('<bax-call-room> plays the call-ended tone when the call ends', async () => {
    const client = new MemoryCallClient();
    const el = await fixture<BaxCallRoom>(html`<bax-call-room .client=${client} room-name="room-1"></bax-call-room>`);
    await el.join();
    client.simulateRoomEnded();
    await waitUntil(() => playing('ended'));
  });

  describe('the mute switch', () => {
    it('mutes a tone already playing, is remembered in localStorage, and unmutes', async () => {
      const client = new MemoryCallClient();
      const el = await fixture<BaxIncomingCall>(html`<bax-incoming-call .client=${client} notifications="off"></bax-incoming-call>`);
      client.simulateIncoming(alice);
      await waitUntil(() => playing('ringtone'));
      setSoundMuted(true);
      expect(isSoundMuted()).to.equal(true);
      expect(localStorage.getItem('bax-sound-muted')).to.equal('1');
      expect(playing('ringtone')!.muted).to.equal(true);
      setSoundMuted(false);
      expect(playing('ringtone')!.muted).to.equal(false);
      el.remove();
    });

    it('follows the muted attribute of <bax-cloud>, and another tab', async () => {
      const cloud = await fixture<BaxCloud>(html`<bax-cloud muted></bax-cloud>`);
      expect(isSoundMuted()).to.equal(true);
      expect(cloud.muted).to.equal(true);
      cloud.removeAttribute('muted');
      expect(isSoundMuted()).to.equal(false);
      cloud.muted = true;
      expect(isSoundMuted()).to.equal(true);

      // Another tab unmutes: it writes the key, and this tab hears of it through the storage event.
      const client = new MemoryCallClient();
      const el = await fixture<BaxIncomingCall>(html`<bax-incoming-call .client=${client} notifications="off"></bax-incoming-call>`);
      client.simulateIncoming(alice);
      await waitUntil(() => playing('ringtone'));
      expect(playing('ringtone')!.muted).to.equal(true);
      localStorage.setItem('bax-sound-muted', '');
      dispatchEvent(new StorageEvent('storage', { key: 'bax-sound-muted', oldValue: '1', newValue: '' }));
      expect(playing('ringtone')!.muted).to.equal(false);
      expect(cloud.muted).to.equal(false);
      el.remove();
    });
  });
});
