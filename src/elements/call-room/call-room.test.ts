/// <reference types="mocha" />
import { aTimeout, expect, fixture, html, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import type { TemplateResult } from 'lit';
import '../call-button/define.js';
import type { BaxCallButton } from '../call-button/call-button.js';
import { registerTranslation } from '../localize.js';
import { expectEvent } from '../testing/expect-event.js';
import { MemoryCallClient, type MemoryCallClientOptions } from '../testing/memory-client.js';
import type { BaxCallRoom } from './call-room.js';
import './define.js';

const me = { userId: 'me', name: 'Sam Reed', avatarUrl: null };
const people = [
  { userId: 'alice', name: 'Alice Martin', avatarUrl: null },
  { userId: 'bob', name: 'Bob Stone', avatarUrl: null },
  { userId: 'carol', name: 'Carol Diaz', avatarUrl: null },
];

const clients: MemoryCallClient[] = [];

function memoryClient(options: MemoryCallClientOptions = {}): MemoryCallClient {
  const client = new MemoryCallClient({ user: me, people, ...options });
  clients.push(client);
  return client;
}

function part(el: BaxCallRoom, name: string): HTMLElement | null {
  return el.shadowRoot!.querySelector(`[part~="${name}"]`);
}

function parts(el: BaxCallRoom, name: string): HTMLElement[] {
  return [...el.shadowRoot!.querySelectorAll<HTMLElement>(`[part~="${name}"]`)];
}

function button(el: BaxCallRoom, name: string): HTMLButtonElement {
  const found = el.shadowRoot!.querySelector<HTMLButtonElement>(`button[part~="${name}"]`);
  if (!found) throw new Error(`no ${name}`);
  return found;
}

function announced(el: BaxCallRoom): string {
  return part(el, 'announcer')!.textContent ?? '';
}

/** A room on `client` that joins `room-1` by itself, once it is in the call with its media decided. */
async function inCall(client: MemoryCallClient, attributes: { liveType?: string } = {}): Promise<BaxCallRoom> {
  const el = await fixture<BaxCallRoom>(
    html`<bax-call-room .client=${client} room-name="room-1" live-type=${attributes.liveType ?? 'video_call'} auto-join></bax-call-room>`,
  );
  await waitUntil(() => {
    const room = client.getState().room;
    return room?.status === 'joined' && (room.self.role === 'viewer' || client.calls.some((call) => call.method === 'enableMicrophone'));
  }, 'never joined');
  await el.updateComplete;
  return el;
}

/** Tabs from before `el` until its `name` button has focus. */
async function tabTo(el: BaxCallRoom, name: string): Promise<void> {
  const target = button(el, name);
  for (let step = 0; step < 20 && el.shadowRoot!.activeElement !== target; step += 1) await sendKeys({ press: 'Tab' });
  expect(el.shadowRoot!.activeElement).to.equal(target);
}

describe('<bax-call-room>', () => {
  afterEach(() => {
    for (const client of clients.splice(0)) client.disconnect();
  });

  describe('out of a call', () => {
    it('says so, accessibly, and offers no join without a room name', async () => {
      const el = await fixture<BaxCallRoom>(html`<bax-call-room .client=${memoryClient()}></bax-call-room>`);
      expect(part(el, 'status')!.textContent).to.contain('Not in a call');
      expect(part(el, 'join-button')).to.equal(null);
      await expect(el).to.be.accessible();
    });

    it('joins room-name with the Join button: camera and microphone on, those already there reported', async () => {
      const client = memoryClient({ room: { participants: [{ userId: 'alice' }] } });
      const el = await fixture<BaxCallRoom>(html`<bax-call-room .client=${client} room-name="standup"></bax-call-room>`);
      await expect(el).to.be.accessible();
      const joined = expectEvent(el, 'bax-participant-joined');
      button(el, 'join-button').click();
      const { detail } = await joined;
      expect(detail.roomName).to.equal('standup');
      expect(detail.participant.userId).to.equal('alice');
      await waitUntil(() => client.getState().room?.local.microphone);
      expect(client.calls.find((call) => call.method === 'connect')!.args[0]).to.deep.equal({ roomName: 'standup', liveType: 'video_call' });
      expect(client.getState().room!.local).to.include({ camera: true, microphone: true });
    });

    it('joins by itself with auto-join, once per room, as the live-type says', async () => {
      const client = memoryClient({ room: { participants: [{ userId: 'bob' }] } });
      const el = await inCall(client, { liveType: 'audio_call' });
      expect(client.calls.filter((call) => call.method === 'connect')).to.have.length(1);
      expect(client.calls.some((call) => call.method === 'enableCamera')).to.equal(false);
      // An audio call: avatars, no camera or screen controls.
      expect(part(el, 'avatar')!.textContent).to.equal('BS');
      expect(part(el, 'camera-button')).to.equal(null);
      expect(part(el, 'screen-button')).to.equal(null);
      await el.leave();
      await el.updateComplete;
      expect(client.calls.filter((call) => call.method === 'connect')).to.have.length(1);
      await expect(el).to.be.accessible();
    });

    it('after a reload, rejoins the call the tab was in, without auto-join, with its media on', async () => {
      const client = memoryClient({ resumableRoom: { roomName: 'standup', liveType: 'audio_call' }, room: { participants: [{ userId: 'alice' }] } });
      const el = await fixture<BaxCallRoom>(html`<bax-call-room .client=${client}></bax-call-room>`);
      await waitUntil(() => client.getState().room?.local.microphone, 'never rejoined');
      expect(client.calls.filter((call) => call.method === 'connect').map((call) => call.args[0])).to.deep.equal([
        { roomName: 'standup', liveType: 'audio_call' },
      ]);
      expect(client.resumableRoom()).to.deep.equal({ roomName: 'standup', liveType: 'audio_call' });
      // Hanging up forgets it: the next element on this client joins nothing by itself.
      await el.leave();
      expect(client.resumableRoom()).to.equal(null);
      await fixture<BaxCallRoom>(html`<bax-call-room .client=${client}></bax-call-room>`);
      await aTimeout(20);
      expect(client.calls.filter((call) => call.method === 'connect')).to.have.length(1);
    });

    it('with no call to resume, joins nothing by itself; the memory client remembers the call it joins', async () => {
      const client = memoryClient();
      expect(client.resumableRoom()).to.equal(null);
      await fixture<BaxCallRoom>(html`<bax-call-room .client=${client} room-name="standup"></bax-call-room>`);
      await aTimeout(20);
      expect(client.calls.some((call) => call.method === 'connect')).to.equal(false);
      await client.connect({ roomName: 'standup', liveType: 'video_call' });
      expect(client.resumableRoom()).to.deep.equal({ roomName: 'standup', liveType: 'video_call' });
    });

    it('joins the room join() names, leaving the call it is in', async () => {
      const client = memoryClient();
      const el = await inCall(client);
      await el.join({ roomName: 'room-2', liveType: 'audio_call' });
      expect(client.calls.map((call) => call.method)).to.include('leaveRoom');
      expect(client.getState().room).to.include({ roomName: 'room-2', liveType: 'audio_call' });
    });
  });

  describe('joining', () => {
    it('shows that it is joining, and Hang up gives up', async () => {
      const client = memoryClient({ room: { join: 'never' } });
      const el = await fixture<BaxCallRoom>(html`<bax-call-room .client=${client} room-name="room-1" auto-join></bax-call-room>`);
      await waitUntil(() => part(el, 'status')?.textContent?.includes('Joining the call'));
      await expect(el).to.be.accessible();
      button(el, 'hang-up-button').click();
      await waitUntil(() => part(el, 'status')?.textContent?.includes('Not in a call'));
      expect(client.getState().room).to.equal(null);
      expect(part(el, 'retry-button')).to.equal(null);
    });

    it('says why joining failed, and tries again', async () => {
      const client = memoryClient({ failures: { connect: 'forbidden' } });
      const el = await fixture<BaxCallRoom>(html`<bax-call-room .client=${client} room-name="room-1"></bax-call-room>`);
      let failure: unknown;
      await el.join().catch((error: unknown) => (failure = error));
      expect((failure as { code: string }).code).to.equal('forbidden');
      await el.updateComplete;
      expect(part(el, 'status')!.textContent).to.contain('You are not invited to this call.');
      await waitUntil(() => announced(el).includes('not invited'));
      await expect(el).to.be.accessible();
      button(el, 'retry-button').click();
      await waitUntil(() => client.calls.filter((call) => call.method === 'connect').length === 2);
      button(el, 'close-button').click();
      await el.updateComplete;
      expect(part(el, 'status')!.textContent).to.contain('Not in a call');
    });

    it('tells a full room apart', async () => {
      const client = memoryClient({ failures: { connect: 'room_full' } });
      const el = await fixture<BaxCallRoom>(html`<bax-call-room .client=${client} room-name="room-1"></bax-call-room>`);
      await el.join().catch(() => undefined);
      await el.updateComplete;
      expect(part(el, 'status')!.textContent).to.contain('This call is full.');
    });

    it('stays in the call when the camera is refused, and says why', async () => {
      const client = memoryClient({ failures: { enableCamera: 'media_denied' }, room: { participants: [{ userId: 'alice' }] } });
      const el = await inCall(client);
      await waitUntil(() => part(el, 'notice'));
      expect(part(el, 'notice')!.textContent).to.contain('camera or microphone is blocked');
      expect(client.getState().room!.local).to.include({ camera: false, microphone: true });
      expect(part(el, 'stage')).to.exist;
      await expect(el).to.be.accessible();
    });
  });

  describe('in a call', () => {
    it('shows a 1:1 video call: the remote video with its user id, a mirrored muted preview, names and the timer', async () => {
      // The timer counts on the server's clock: the call began 83 s ago there, whatever this clock says.
      const clockOffset = 3_600_000;
      const client = memoryClient({ clockOffset, room: { participants: [{ userId: 'alice' }], startedAt: Date.now() + clockOffset - 83_000 } });
      const el = await inCall(client);
      const video = el.shadowRoot!.querySelector<HTMLVideoElement>('video[part="video"]')!;
      expect(video.dataset.userId).to.equal('alice');
      expect(video.srcObject).to.be.instanceOf(MediaStream);
      expect(video.muted).to.equal(false);
      const preview = el.shadowRoot!.querySelector<HTMLVideoElement>('video[part="local-video"]')!;
      expect(preview.muted).to.equal(true);
      expect(preview.classList.contains('mirrored')).to.equal(true);
      expect(getComputedStyle(preview).transform).to.contain('matrix(-1');
      expect(part(el, 'stage')!.dataset.layout).to.equal('pair');
      expect(parts(el, 'name').map((name) => name.textContent)).to.deep.equal(['Alice Martin', 'You']);
      expect(part(el, 'timer')!.textContent).to.match(/1:2[34]/);
      await expect(el).to.be.accessible();
    });

    it('lays out a grid of four with marks for muted, camera off, speaking and network quality', async () => {
      const client = memoryClient({
        room: {
          participants: [{ userId: 'alice' }, { userId: 'bob', camera: false }, { userId: 'carol', microphone: false, speaking: true, quality: 'poor' }],
        },
      });
      const el = await inCall(client);
      expect(part(el, 'stage')!.dataset).to.include({ layout: 'grid', tiles: '3-4' });
      const [alice, bob, carol] = parts(el, 'tile');
      expect(bob!.querySelector('[part="avatar"]')!.textContent).to.equal('BS');
      expect(bob!.querySelector<HTMLVideoElement>('video')!.hidden).to.equal(true);
      expect(bob!.textContent).to.contain('camera off');
      expect(carol!.textContent).to.contain('muted');
      expect(carol!.hasAttribute('data-speaking')).to.equal(true);
      expect(carol!.textContent).to.contain('Network: poor');
      expect(alice!.textContent).to.contain('Network: good');
      expect(alice!.textContent).not.to.contain('muted');
      await expect(el).to.be.accessible();
    });

    it('gives a shared screen the stage', async () => {
      const client = memoryClient({ room: { participants: [{ userId: 'alice' }, { userId: 'bob' }] } });
      const el = await inCall(client);
      client.simulateParticipantMedia('bob', { screen: true });
      await el.updateComplete;
      expect(part(el, 'stage')!.dataset.layout).to.equal('featured');
      const featured = part(el, 'featured')!;
      expect(featured.querySelector('video')!.dataset.userId).to.equal('bob');
      expect(featured.textContent).to.contain('sharing the screen');
      await expect(el).to.be.accessible();
    });

    it('shows "Reconnecting…" on a participant, and when this device lost its connection', async () => {
      const client = memoryClient({ room: { participants: [{ userId: 'alice' }, { userId: 'bob' }] } });
      const el = await inCall(client);
      client.simulateParticipantConnection('alice', 'reconnecting');
      client.simulateNetworkQuality('alice', 'fair');
      await el.updateComplete;
      expect(parts(el, 'tile')[0]!.querySelector('[part="reconnecting"]')!.textContent).to.contain('Reconnecting…');
      expect(parts(el, 'tile')[0]!.textContent).to.contain('Network: fair');
      client.simulateConnection('reconnecting');
      await el.updateComplete;
      expect(part(el, 'header')!.textContent).to.contain('Connection lost. Reconnecting…');
      await expect(el).to.be.accessible();
      client.simulateConnection('open');
      await el.updateComplete;
      expect(part(el, 'header')!.textContent).not.to.contain('Reconnecting');
    });

    it('rings the speaker, this user included', async () => {
      const client = memoryClient({ room: { participants: [{ userId: 'alice' }] } });
      const el = await inCall(client);
      client.simulateSpeaking('me');
      await el.updateComplete;
      expect(part(el, 'local-tile')!.hasAttribute('data-speaking')).to.equal(true);
      client.simulateSpeaking('alice');
      client.simulateSpeaking('me', false);
      await el.updateComplete;
      expect(parts(el, 'tile')[0]!.hasAttribute('data-speaking')).to.equal(true);
      expect(part(el, 'local-tile')!.hasAttribute('data-speaking')).to.equal(false);
    });

    it('announces who joins and leaves, and fires the events', async () => {
      const client = memoryClient({ room: { participants: [{ userId: 'alice' }, { userId: 'bob' }] } });
      const el = await inCall(client);
      const joined = expectEvent(el, 'bax-participant-joined');
      client.simulateParticipantJoined({ userId: 'carol' });
      expect((await joined).detail.participant).to.include({ userId: 'carol', name: 'Carol Diaz' });
      await waitUntil(() => announced(el).includes('Carol Diaz joined'));
      expect(part(el, 'announcer')!.getAttribute('role')).to.equal('status');
      const left = expectEvent(el, 'bax-participant-left');
      client.simulateParticipantLeft('carol');
      expect((await left).detail).to.include({ roomName: 'room-1', userId: 'carol', reason: 'left' });
      await waitUntil(() => announced(el).includes('Carol Diaz left'));
      expect(parts(el, 'video')).to.have.length(2);
    });

    it('ends when the other side of a 1:1 call hangs up: bax-call-end, the duration, Close', async () => {
      const client = memoryClient({ room: { participants: [{ userId: 'alice' }], startedAt: Date.now() - 65_000 } });
      const el = await inCall(client);
      const ended = expectEvent(el, 'bax-call-end');
      client.simulateParticipantLeft('alice');
      const { detail } = await ended;
      expect(detail).to.include({ roomName: 'room-1', reason: 'hangup' });
      expect(detail.durationMs).to.be.within(65_000, 70_000);
      await el.updateComplete;
      expect(part(el, 'status')!.textContent).to.contain('Call ended · 1 min');
      await waitUntil(() => announced(el).includes('Call ended'));
      await expect(el).to.be.accessible();
      button(el, 'close-button').click();
      await el.updateComplete;
      expect(part(el, 'status')!.textContent).to.contain('Not in a call');
    });

    it('hangs up from the keyboard', async () => {
      const client = memoryClient({ room: { participants: [{ userId: 'alice' }, { userId: 'bob' }] } });
      const el = await inCall(client);
      const ended = expectEvent(el, 'bax-call-end');
      await tabTo(el, 'hang-up-button');
      expect(button(el, 'hang-up-button').textContent).to.contain('Hang up');
      await sendKeys({ press: 'Enter' });
      expect((await ended).detail.reason).to.equal('left');
      expect(client.calls.some((call) => call.method === 'leaveRoom')).to.equal(true);
      await el.updateComplete;
      // The button went with the call; focus stays in the element.
      expect(el.shadowRoot!.activeElement).to.equal(part(el, 'base'));
    });
  });

  describe('controls', () => {
    it('mutes, stops the camera and shares the screen from the keyboard, each saying its state', async () => {
      const client = memoryClient({ room: { participants: [{ userId: 'alice' }] } });
      const el = await inCall(client);
      for (const [name, method, field, pressedWhenOn] of [
        ['mute-button', 'disableMicrophone', 'microphone', false],
        ['camera-button', 'disableCamera', 'camera', false],
        ['screen-button', 'startScreenShare', 'screen', true],
      ] as const) {
        const control = button(el, name);
        const before = client.getState().room!.local[field];
        expect(control.getAttribute('aria-pressed')).to.equal(String(before === pressedWhenOn));
        await tabTo(el, name);
        await sendKeys({ press: 'Space' });
        await waitUntil(() => client.getState().room!.local[field] !== before);
        await el.updateComplete;
        expect(client.calls.at(-1)!.method).to.equal(method);
        expect(button(el, name).getAttribute('aria-pressed')).to.equal(String(!before === pressedWhenOn));
      }
      expect(part(el, 'local-tile')!.textContent).to.contain('muted');
      // A shared screen is not mirrored.
      expect(el.shadowRoot!.querySelector('video[part="local-video"]')!.classList.contains('screen')).to.equal(true);
      // Pressed controls change colour in a short transition.
      await aTimeout(200);
      await expect(el).to.be.accessible();
      button(el, 'mute-button').click();
      await waitUntil(() => client.getState().room!.local.microphone);
      expect(client.calls.at(-1)!.method).to.equal('enableMicrophone');
    });

    it('chooses the camera, microphone and speaker from the device panel, and Escape closes it', async () => {
      const devices = [
        { kind: 'videoinput', deviceId: 'cam-1', label: 'Front camera', groupId: 'a' },
        { kind: 'videoinput', deviceId: 'cam-2', label: '', groupId: 'b' },
        { kind: 'audioinput', deviceId: 'mic-1', label: 'Headset', groupId: 'c' },
        { kind: 'audiooutput', deviceId: 'out-1', label: 'Speakers', groupId: 'd' },
      ] as MediaDeviceInfo[];
      const enumerate = navigator.mediaDevices.enumerateDevices.bind(navigator.mediaDevices);
      // eslint-disable-next-line @typescript-eslint/unbound-method -- put back on the prototype as it was
      const setSinkId = HTMLMediaElement.prototype.setSinkId;
      const sinks: string[] = [];
      navigator.mediaDevices.enumerateDevices = () => Promise.resolve(devices);
      HTMLMediaElement.prototype.setSinkId = function (this: HTMLMediaElement & { sinkIdForTest?: string }, id: string) {
        sinks.push(id);
        return Promise.resolve();
      };
      try {
        const client = memoryClient({ room: { participants: [{ userId: 'alice' }] } });
        const el = await inCall(client);
        const toggle = button(el, 'devices-button');
        expect(toggle.getAttribute('aria-expanded')).to.equal('false');
        await tabTo(el, 'devices-button');
        await sendKeys({ press: 'Enter' });
        await waitUntil(() => el.shadowRoot!.activeElement?.tagName === 'SELECT');
        expect(toggle.getAttribute('aria-expanded')).to.equal('true');
        const selects = [...el.shadowRoot!.querySelectorAll<HTMLSelectElement>('#devices select')];
        expect(selects.map((select) => select.dataset.kind)).to.deep.equal(['videoinput', 'audioinput', 'audiooutput']);
        expect([...selects[0]!.options].map((option) => option.textContent.trim())).to.deep.equal(['System default', 'Front camera', 'Camera 2']);
        await expect(el).to.be.accessible();
        for (const [select, value] of [
          [selects[0]!, 'cam-2'],
          [selects[1]!, 'mic-1'],
          [selects[2]!, 'out-1'],
        ] as const) {
          select.value = value;
          select.dispatchEvent(new Event('change'));
        }
        await waitUntil(() => sinks.includes('out-1'));
        expect(client.calls.find((call) => call.method === 'enableCamera' && (call.args[0] as { deviceId?: string }).deviceId === 'cam-2')).to.exist;
        expect(client.calls.find((call) => call.method === 'enableMicrophone' && (call.args[0] as { deviceId?: string }).deviceId === 'mic-1')).to.exist;
        selects[0]!.focus();
        await sendKeys({ press: 'Escape' });
        await el.updateComplete;
        expect(part(el, 'devices')!.hidden).to.equal(true);
        expect(el.shadowRoot!.activeElement).to.equal(toggle);
      } finally {
        navigator.mediaDevices.enumerateDevices = enumerate;
        HTMLMediaElement.prototype.setSinkId = setSinkId;
      }
    });

    it('goes full screen and picture in picture on the main remote video', async () => {
      const client = memoryClient({ room: { participants: [{ userId: 'alice' }] } });
      const el = await inCall(client);
      let fullScreen = 0;
      el.requestFullscreen = () => {
        fullScreen += 1;
        return Promise.resolve();
      };
      const video = el.shadowRoot!.querySelector<HTMLVideoElement>('video[data-main]')!;
      expect(video.dataset.userId).to.equal('alice');
      let pictureInPicture = 0;
      video.requestPictureInPicture = () => {
        pictureInPicture += 1;
        video.dispatchEvent(new Event('enterpictureinpicture'));
        return Promise.resolve({} as PictureInPictureWindow);
      };
      button(el, 'full-screen-button').click();
      expect(fullScreen).to.equal(1);
      button(el, 'picture-in-picture-button').click();
      await waitUntil(() => pictureInPicture === 1);
      await el.updateComplete;
      expect(button(el, 'picture-in-picture-button').getAttribute('aria-pressed')).to.equal('true');
      expect(button(el, 'full-screen-button').getAttribute('aria-label') ?? button(el, 'full-screen-button').textContent).to.contain('Full screen');
    });

    it('offers to turn the sound on when the browser would not play the call before a click', async () => {
      // eslint-disable-next-line @typescript-eslint/unbound-method -- put back on the prototype as it was
      const play = HTMLMediaElement.prototype.play;
      let refuse = true;
      HTMLMediaElement.prototype.play = function (this: HTMLMediaElement) {
        return refuse ? Promise.reject(new DOMException('Not before a click', 'NotAllowedError')) : Promise.resolve();
      };
      try {
        const client = memoryClient({ room: { participants: [{ userId: 'alice' }] } });
        const el = await inCall(client);
        await waitUntil(() => part(el, 'sound-button'), 'no Turn on sound');
        expect(part(el, 'sound-button')!.textContent).to.contain('Turn on sound');
        await expect(el).to.be.accessible();
        refuse = false;
        button(el, 'sound-button').click();
        await el.updateComplete;
        expect(part(el, 'sound-button')).to.equal(null);
      } finally {
        HTMLMediaElement.prototype.play = play;
      }
    });

    it('gives a live stream viewer no camera or microphone, no preview, and Leave', async () => {
      const client = memoryClient({
        room: {
          role: 'viewer',
          participants: [
            { userId: 'carol', role: 'host' },
            { userId: 'bob', role: 'viewer' },
          ],
        },
      });
      const el = await inCall(client, { liveType: 'live_streaming' });
      expect(client.calls.some((call) => call.method === 'enableCamera' || call.method === 'enableMicrophone')).to.equal(false);
      expect(part(el, 'mute-button')).to.equal(null);
      expect(part(el, 'camera-button')).to.equal(null);
      expect(part(el, 'local-tile')).to.equal(null);
      expect(parts(el, 'tile')).to.have.length(1);
      expect(part(el, 'header')!.textContent).to.contain('Live');
      expect(button(el, 'hang-up-button').textContent).to.contain('Leave');
      await expect(el).to.be.accessible();
    });

    it('shows the host how many watch', async () => {
      const client = memoryClient({
        room: {
          participants: [
            { userId: 'bob', role: 'viewer' },
            { userId: 'carol', role: 'viewer' },
          ],
        },
      });
      const el = await inCall(client, { liveType: 'live_streaming' });
      expect(part(el, 'header')!.textContent).to.contain('2 watching');
    });
  });

  describe('full window', () => {
    it('opens a modal dialog while in a call, keeps it on Escape, and closes it when the call ends', async () => {
      const client = memoryClient({ room: { participants: [{ userId: 'alice' }] } });
      const el = await fixture<BaxCallRoom>(html`<bax-call-room .client=${client} full-window room-name="room-1"></bax-call-room>`);
      const dialog = el.shadowRoot!.querySelector('dialog')!;
      expect(dialog.open).to.equal(false);
      await el.join();
      await el.updateComplete;
      expect(dialog.open).to.equal(true);
      expect(dialog.getAttribute('aria-label')).to.equal('Call');
      expect(dialog.contains(el.shadowRoot!.activeElement)).to.equal(true);
      await expect(el).to.be.accessible();
      await sendKeys({ press: 'Escape' });
      await aTimeout(50);
      expect(dialog.open).to.equal(true);
      client.simulateRoomEnded();
      await el.updateComplete;
      expect(dialog.open).to.equal(false);
      await waitUntil(() => announced(el).includes('Call ended'));
    });
  });

  describe('the default action of bax-call-start', () => {
    /** A button whose callee accepts at once, and resolves with the event it fires. */
    async function callAccepted(client: MemoryCallClient, markup: (button: TemplateResult) => TemplateResult) {
      const page = await fixture<HTMLDivElement>(markup(html`<bax-call-button to="alice" call-type="audio_call" .client=${client}></bax-call-button>`));
      const callButton = page.querySelector<BaxCallButton>('bax-call-button')!;
      await callButton.updateComplete;
      const start = expectEvent(callButton, 'bax-call-start');
      callButton.shadowRoot!.querySelector<HTMLButtonElement>('[part="button"]')!.click();
      return { page, start: await start };
    }

    it('makes the room on the page join the call', async () => {
      const client = memoryClient({ presenceOf: { alice: 'online' }, answer: () => ({ outcome: 'accepted' }), room: { participants: [{ userId: 'alice' }] } });
      const { page, start } = await callAccepted(client, (callButton) => html`<div>${callButton}<bax-call-room .client=${client}></bax-call-room></div>`);
      expect(start.cancelable).to.equal(true);
      await waitUntil(() => client.getState().room?.status === 'joined');
      expect(client.getState().room).to.include({ roomName: start.detail.roomName, liveType: 'audio_call' });
      const room = page.querySelector('bax-call-room')!;
      await room.updateComplete;
      expect(room.shadowRoot!.querySelector('[part~="stage"]')).to.exist;
      expect(document.querySelectorAll('bax-call-room[full-window]')).to.have.length(0);
    });

    it('opens a full-window room when the page has none, closed when the call ends', async () => {
      const client = memoryClient({ presenceOf: { alice: 'online' }, answer: () => ({ outcome: 'accepted' }) });
      await callAccepted(client, (callButton) => html`<div>${callButton}</div>`);
      await waitUntil(() => document.querySelector('bax-call-room[full-window]'));
      const room = document.querySelector('bax-call-room[full-window]')!;
      await waitUntil(() => room.shadowRoot!.querySelector('dialog')?.open, 'the call window did not open');
      await waitUntil(() => client.getState().room?.status === 'joined');
      room.shadowRoot!.querySelector<HTMLButtonElement>('[part~="hang-up-button"]')!.click();
      await waitUntil(() => !room.shadowRoot!.querySelector('dialog')!.open, 'the call window did not close');
      room.remove();
    });

    it('leaves the call to a page that prevents it', async () => {
      const client = memoryClient({ presenceOf: { alice: 'online' }, answer: () => ({ outcome: 'accepted' }) });
      const handOver = (event: Event) => event.preventDefault();
      document.addEventListener('bax-call-start', handOver);
      try {
        const { start } = await callAccepted(client, (callButton) => html`<div>${callButton}<bax-call-room .client=${client}></bax-call-room></div>`);
        expect(start.defaultPrevented).to.equal(true);
        await aTimeout(100);
        expect(client.calls.some((call) => call.method === 'connect')).to.equal(false);
      } finally {
        document.removeEventListener('bax-call-start', handOver);
      }
    });
  });

  describe('texts', () => {
    it('speaks the registered language, and takes strings over it', async () => {
      // A language not shipped (French would load its whole translation, over the English fallback checked below).
      registerTranslation({ $code: 'nl', callRoom: { hangUp: 'Ophangen', mute: 'Microfoon uit', you: 'Jij' } });
      const client = memoryClient({ room: { participants: [{ userId: 'alice' }] } });
      const el = await fixture<BaxCallRoom>(
        html`<div lang="nl">
          <bax-call-room .client=${client} room-name="room-1" auto-join .strings=${{ you: 'Ikzelf' }}></bax-call-room>
        </div>`,
      ).then((wrapper) => wrapper.querySelector('bax-call-room')!);
      await waitUntil(() => client.getState().room?.local.microphone);
      await el.updateComplete;
      expect(button(el, 'hang-up-button').textContent).to.contain('Ophangen');
      expect(button(el, 'mute-button').textContent).to.contain('Microfoon uit');
      expect(part(el, 'local-tile')!.textContent).to.contain('Ikzelf');
      expect(button(el, 'devices-button').textContent).to.contain('Devices');
    });
  });
});
