import { html, nothing } from 'lit';
import type { TemplateResult } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import type { CallClient, CallParticipant, LocalMedia, RoomEndedEvent, RoomState, Unsubscribe } from '../../client/types.js';
import { BaxCallEndEvent } from '../events/call-end.js';
import { BaxParticipantJoinedEvent } from '../events/participant-joined.js';
import { BaxParticipantLeftEvent } from '../events/participant-left.js';
import type { LocalizeController } from '../localize.js';
import type { ElementView } from '../lazy-element.js';
import type { StoreController } from '../store-controller.js';
import { displayName, format } from '../strings.js';
import type { CallRoomStrings } from '../translation.js';
import { defaultCallRoomStrings } from '../translations/en-call-room.js';
import type { BaxCallRoom, JoinOptions } from './call-room.js';
import { styles } from './call-room.styles.js';
import {
  controlsTemplate,
  describeError,
  devicesTemplate,
  endedText,
  headerTemplate,
  localTileTemplate,
  remoteTileTemplate,
  statusTemplate,
} from './call-room.templates.js';
import { canChooseSpeaker, DevicePanel } from './devices.js';
import { Playback } from './playback.js';
import { playTone } from '../sound/sound.js';

/** What the element shows: nothing to do, joining, the call, why joining failed, or that the call ended. */
type Phase = 'idle' | 'connecting' | 'call' | 'error' | 'ended';

/** Tile counts the grid lays out differently. */
function tileBucket(count: number): string {
  return count <= 2 ? String(count) : count <= 4 ? '3-4' : count <= 6 ? '5-6' : '7+';
}

/** Clients whose remembered call an element has already offered to rejoin: once per page load. */
const resumingClients = new WeakSet<CallClient>();

/**
 * The behaviour and rendering of `<bax-call-room>`, loaded on its first connect. A controller of the element: it
 * renders the store's `room`, turns the controls into client calls, and reports the client's room events as the
 * element's own. It never touches the media itself.
 */
export class RoomView implements ElementView {
  readonly styles = [styles];

  #joining = false;
  /** Counts joins and leaves, so a join overtaken by a leave does not report its failure. */
  #attempt = 0;
  #problem = '';
  #notice = '';
  #ended: RoomEndedEvent | undefined;
  /** The last call asked for, which Try again joins again. */
  #lastJoin: JoinOptions | undefined;
  #announcement = '';
  #announcing: string[] = [];
  #fullScreen = false;
  #pictureInPicture = false;
  #brokenAvatars: ReadonlySet<string> = new Set();
  #client: CallClient | undefined;
  #subscriptions: Unsubscribe[] = [];
  #autoJoined = '';
  #ticker: ReturnType<typeof setInterval> | undefined;
  /** Names of the participants seen, to announce who left once the store no longer has them. */
  readonly #names = new Map<string, string>();
  #hadFocus = false;
  readonly #devices: DevicePanel;
  readonly #playback: Playback;

  constructor(
    private readonly host: BaxCallRoom,
    private readonly store: StoreController,
    private readonly localize: LocalizeController,
  ) {
    host.addController(this);
    this.#devices = new DevicePanel(host, (kind, device) =>
      this.#control((client) => (kind === 'videoinput' ? client.enableCamera(device) : client.enableMicrophone(device))),
    );
    this.#playback = new Playback(host);
  }

  get #text(): CallRoomStrings {
    return { ...defaultCallRoomStrings, ...this.localize.texts('callRoom', this.host.strings) };
  }

  get #phase(): Phase {
    const room = this.store.state?.room;
    if (room) return room.status === 'joining' ? 'connecting' : 'call';
    if (this.#joining) return 'connecting';
    if (this.#problem) return 'error';
    return this.#ended ? 'ended' : 'idle';
  }

  hostConnected(): void {
    document.addEventListener('fullscreenchange', this.#handleFullScreenChange);
  }

  hostDisconnected(): void {
    document.removeEventListener('fullscreenchange', this.#handleFullScreenChange);
    this.#subscribe(undefined);
    this.#tick(false);
  }

  hostUpdate(): void {
    this.#subscribe(this.store.client);
    const room = this.store.state?.room;
    for (const participant of room?.participants ?? []) this.#names.set(participant.userId, displayName(participant));
    this.#tick(room?.startedAt != null);
    if (!this.#resume()) this.#autoJoin();
    this.#hadFocus = this.host.shadowRoot?.activeElement != null;
  }

  hostUpdated(): void {
    this.#syncWindow();
    // The focused control went away (the call ended, or it joined): keep focus in the element.
    if (this.#hadFocus && !this.host.shadowRoot?.activeElement && !(this.host.fullWindow && this.#phase === 'ended')) {
      this.host.renderRoot.querySelector<HTMLElement>('.base')?.focus();
    }
  }

  async join(options: JoinOptions = {}): Promise<void> {
    const client = this.store.client;
    const roomName = options.roomName ?? this.host.roomName;
    const liveType = options.liveType ?? this.host.liveType;
    const attempt = ++this.#attempt;
    this.#lastJoin = { roomName, liveType };
    this.#problem = '';
    this.#notice = '';
    this.#ended = undefined;
    this.#joining = true;
    this.host.requestUpdate();
    try {
      if (!client) throw new Error('there is no client: add <bax-cloud> or set the client property');
      if (!roomName) throw new Error('there is no room to join: set room-name');
      const current = client.getState().room;
      if (current?.roomName === roomName) return;
      if (current) await client.leaveRoom();
      // The end of the call just left is no news here.
      this.#ended = undefined;
      const room = await client.connect({ roomName, liveType });
      this.#joining = false;
      await this.#publish(client, room);
    } catch (error) {
      if (attempt === this.#attempt) {
        this.#problem = describeError(error, this.#text, true);
        this.#announce(this.#problem);
      }
      throw error;
    } finally {
      if (attempt === this.#attempt) this.#joining = false;
      this.host.requestUpdate();
    }
  }

  async leave(): Promise<void> {
    const client = this.store.client;
    const room = client?.getState().room;
    const joining = this.#joining || room?.status === 'joining';
    this.#attempt += 1;
    this.#joining = false;
    this.#problem = '';
    this.#notice = '';
    this.#ended = undefined;
    this.host.requestUpdate();
    if (!client || !(room || joining)) return;
    await client.leaveRoom();
    // Giving up on joining ends no call worth reporting here.
    if (joining) {
      this.#ended = undefined;
      this.host.requestUpdate();
    }
  }

  render(): TemplateResult {
    const phase = this.#phase;
    const text = this.#text;
    const room = this.store.state?.room;
    const windowed = this.host.fullWindow;
    const open = phase === 'connecting' || phase === 'call' || phase === 'error';
    const announcer = html`<p part="announcer" class="visually-hidden" role="status">${this.#announcement}</p>`;
    const base = html`<div part="base" class="base" data-phase=${phase} tabindex="-1">
      ${phase === 'call' ? this.#renderCall(room!, text) : this.#renderStatus(phase, text)} ${windowed ? announcer : nothing}
    </div>`;
    if (!windowed) return html`${base}${announcer}`;
    // A modal dialog makes the rest of the page inert, the announcer outside it too: it moves in while open.
    return html`<dialog part="window" class="window" aria-label=${text.callWindow} @cancel=${this.#handleWindowCancel}>
        ${open ? base : nothing}
      </dialog>
      ${open ? nothing : announcer}`;
  }

  #renderStatus(phase: Exclude<Phase, 'call'>, text: CallRoomStrings): TemplateResult {
    const status = statusTemplate(phase, text, {
      lang: this.localize.lang(),
      problem: this.#problem,
      ended: this.#ended,
      canJoin: this.host.roomName !== '',
      canRetry: Boolean(this.#lastJoin?.roomName),
      handleJoin: this.#handleJoin,
      handleRetry: this.#handleRetry,
      handleDismiss: this.#handleDismiss,
    });
    // While joining, Hang up gives up; it stays in place (and keeps focus) once the call shows.
    return phase === 'connecting' ? html`${status}${this.#renderControls(null, text)}` : status;
  }

  #renderCall(room: RoomState, text: CallRoomStrings): TemplateResult {
    const viewer = room.self.role === 'viewer';
    const video = room.liveType !== 'audio_call';
    const publishers = room.participants.filter((participant) => participant.role !== 'viewer');
    const featured = publishers.find((participant) => participant.screen);
    const main = this.#mainParticipant(publishers, featured);
    // A 1:1 video call gives the other side the stage and floats this device's preview over it.
    const layout = featured ? 'featured' : video && !viewer && publishers.length === 1 ? 'pair' : 'grid';
    const ordered = featured ? [featured, ...publishers.filter((participant) => participant !== featured)] : publishers;
    const tile = { text, video, broken: this.#brokenAvatars, handleAvatarError: this.#handleAvatarError };
    const user = this.store.state!.user;
    return html`
      ${headerTemplate(room, text, {
        lang: this.localize.lang(),
        now: Date.now() + (this.store.state?.clockOffset ?? 0),
        audience: room.participants.length - publishers.length,
        notice: this.#notice,
        alone: publishers.length === 0,
        soundBlocked: this.#playback.blocked,
        handleSound: this.#playback.unblock,
      })}
      <ul part="stage" class="stage" aria-label=${text.participants} data-layout=${layout} data-tiles=${tileBucket(ordered.length + (viewer || layout === 'pair' ? 0 : 1))}>
        ${repeat(
          ordered,
          (participant) => participant.participantId,
          (participant) =>
            remoteTileTemplate(participant, {
              ...tile,
              featured: participant === featured,
              main: participant === main,
              handlePictureInPicture: this.#handlePictureInPictureChange,
            }),
        )}
        ${viewer ? nothing : localTileTemplate(room.local, user, { ...tile, floating: layout === 'pair' })}
      </ul>
      ${this.#renderControls(room, text, main)}
      ${devicesTemplate({
        text,
        open: this.#devices.open,
        devices: this.#devices.devices,
        chosen: this.#devices.chosen,
        kinds: [
          ...(viewer ? [] : video ? (['videoinput', 'audioinput'] as const) : (['audioinput'] as const)),
          ...(canChooseSpeaker() ? (['audiooutput'] as const) : []),
        ],
        handleChoice: this.#devices.choose,
        handleKeydown: this.#devices.handleKeydown,
      })}
    `;
  }

  #renderControls(room: RoomState | null, text: CallRoomStrings, main?: CallParticipant): TemplateResult {
    const viewer = room?.self.role === 'viewer';
    return controlsTemplate({
      text,
      local: room && !viewer ? room.local : null,
      video: room?.liveType !== 'audio_call',
      canShareScreen: typeof navigator.mediaDevices?.getDisplayMedia === 'function',
      joined: room !== null,
      viewer,
      devicesOpen: this.#devices.open,
      fullScreen: document.fullscreenEnabled ? this.#fullScreen : null,
      pictureInPicture: document.pictureInPictureEnabled && main ? this.#pictureInPicture : null,
      handle: {
        mute: this.#handleMute,
        camera: this.#handleCamera,
        screen: this.#handleScreen,
        devices: this.#devices.toggle,
        fullScreen: this.#handleFullScreen,
        pictureInPicture: this.#handlePictureInPicture,
        hangUp: this.#handleHangUp,
      },
    });
  }

  /** The remote video picture in picture takes: a shared screen, else whoever speaks, else the first camera. */
  #mainParticipant(publishers: CallParticipant[], featured: CallParticipant | undefined): CallParticipant | undefined {
    const showing = publishers.filter((participant) => participant.stream && (participant.camera || participant.screen));
    return featured ?? showing.find((participant) => participant.speaking) ?? showing[0];
  }

  /** After joining: the camera (video calls and live streams) and the microphone, unless this user only watches. */
  async #publish(client: CallClient, room: RoomState): Promise<void> {
    if (room.self.role === 'viewer') return;
    const problems: unknown[] = [];
    if (room.liveType !== 'audio_call') await client.enableCamera(this.#devices.option('videoinput')).catch((error: unknown) => problems.push(error));
    await client.enableMicrophone(this.#devices.option('audioinput')).catch((error: unknown) => problems.push(error));
    if (problems.length > 0) this.#report(problems[0]);
  }

  /** A control's request failed: say why, and keep the call. */
  #report(error: unknown): void {
    this.#notice = describeError(error, this.#text, false);
    this.#announce(this.#notice);
    this.host.requestUpdate();
  }

  #subscribe(client: CallClient | undefined): void {
    if (client === this.#client) return;
    for (const unsubscribe of this.#subscriptions) unsubscribe();
    this.#client = client;
    this.#subscriptions = client
      ? [
          client.onParticipantJoined(({ roomName, participant }) => {
            this.#names.set(participant.userId, displayName(participant));
            this.host.dispatchEvent(new BaxParticipantJoinedEvent({ roomName, participant }));
            // A live stream's audience comes and goes unannounced.
            if (participant.role !== 'viewer') this.#announce(format(this.#text.joined, { name: displayName(participant) }));
          }),
          client.onParticipantLeft(({ roomName, participantId, userId, reason }) => {
            this.host.dispatchEvent(new BaxParticipantLeftEvent({ roomName, participantId, userId, reason }));
            // When the call itself ends, that is the news.
            if (client.getState().room && reason !== 'room_ended') this.#announce(format(this.#text.left, { name: this.#names.get(userId) ?? userId }));
          }),
          client.onRoomEnded((ended) => {
            playTone('ended');
            this.#ended = ended;
            this.#notice = '';
            this.#devices.open = false;
            this.host.dispatchEvent(new BaxCallEndEvent({ roomName: ended.roomName, durationMs: ended.durationMs, reason: ended.reason }));
            this.#announce(endedText(ended, this.#text, this.localize.lang()));
          }),
        ]
      : [];
  }

  /**
   * Once the client is first open, rejoins the call this tab was in before a reload (the client remembers it for
   * the tab), whatever `auto-join` says: the user never chose to leave it. One element per client does it.
   */
  #resume(): boolean {
    const client = this.store.client;
    const state = this.store.state;
    if (!client || state?.connection !== 'open' || state.room || this.#joining || resumingClients.has(client)) return false;
    resumingClients.add(client);
    const room = client.resumableRoom();
    if (!room) return false;
    queueMicrotask(() => void this.join({ roomName: room.roomName, ...(room.liveType ? { liveType: room.liveType } : {}) }).catch(() => undefined));
    return true;
  }

  #autoJoin(): void {
    const state = this.store.state;
    const key = `${this.host.roomName}\n${this.host.liveType}`;
    if (!this.host.autoJoin || !this.host.roomName || state?.connection !== 'open' || state.room || this.#joining || this.#autoJoined === key) return;
    this.#autoJoined = key;
    // Not during this update: joining renders again.
    queueMicrotask(() => void this.join().catch(() => undefined));
  }

  /** Renders every second while the call's timer runs. */
  #tick(on: boolean): void {
    if (on && !this.#ticker) this.#ticker = setInterval(() => this.host.requestUpdate(), 1000);
    if (!on && this.#ticker) {
      clearInterval(this.#ticker);
      this.#ticker = undefined;
    }
  }

  /** With `full-window`, the dialog is open while there is a call to show (or a failure to explain). */
  #syncWindow(): void {
    const dialog = this.host.renderRoot.querySelector('dialog');
    if (!dialog) return;
    const phase = this.#phase;
    const open = phase === 'connecting' || phase === 'call' || phase === 'error';
    if (open && !dialog.open && this.host.isConnected) dialog.showModal();
    else if (!open && dialog.open) dialog.close();
  }

  #announce(message: string): void {
    // Messages of one moment go out together; clearing first makes a repeated one count as a change.
    this.#announcing.push(message);
    if (this.#announcing.length > 1) return;
    this.#announcement = '';
    this.host.requestUpdate();
    setTimeout(() => {
      this.#announcement = this.#announcing.join(' ');
      this.#announcing = [];
      this.host.requestUpdate();
    }, 100);
  }

  /** Runs a control's request against the client; a failure becomes the notice. */
  #control(request: (client: CallClient, local: LocalMedia) => Promise<void>): void {
    const client = this.store.client;
    const local = this.store.state?.room?.local;
    if (!client || !local) return;
    this.#notice = '';
    request(client, local).catch((error: unknown) => this.#report(error));
  }

  readonly #handleMute = () =>
    this.#control((client, local) => (local.microphone ? client.disableMicrophone() : client.enableMicrophone(this.#devices.option('audioinput'))));

  readonly #handleCamera = () =>
    this.#control((client, local) => (local.camera ? client.disableCamera() : client.enableCamera(this.#devices.option('videoinput'))));

  readonly #handleScreen = () => this.#control((client, local) => (local.screen ? client.stopScreenShare() : client.startScreenShare()));

  readonly #handleFullScreen = () => {
    if (document.fullscreenElement === this.host) void document.exitFullscreen().catch(() => undefined);
    else void this.host.requestFullscreen().catch((error: unknown) => this.#report(error));
  };

  readonly #handleFullScreenChange = () => {
    this.#fullScreen = document.fullscreenElement === this.host;
    this.host.requestUpdate();
  };

  readonly #handlePictureInPicture = () => {
    const video = this.host.renderRoot.querySelector<HTMLVideoElement>('video[data-main]');
    if (this.#pictureInPicture) void document.exitPictureInPicture().catch(() => undefined);
    else if (video) void video.requestPictureInPicture().catch((error: unknown) => this.#report(error));
  };

  readonly #handlePictureInPictureChange = (event: Event) => {
    this.#pictureInPicture = event.type === 'enterpictureinpicture';
    this.host.requestUpdate();
  };

  readonly #handleHangUp = () => void this.leave().catch((error: unknown) => this.#report(error));

  readonly #handleJoin = () => void this.join().catch(() => undefined);

  readonly #handleRetry = () => void this.join(this.#lastJoin).catch(() => undefined);

  readonly #handleDismiss = () => void this.leave();

  readonly #handleAvatarError = (url: string) => {
    this.#brokenAvatars = new Set([...this.#brokenAvatars, url]);
    this.host.requestUpdate();
  };

  /** Escape does not end or hide a call: Hang up does. */
  readonly #handleWindowCancel = (event: Event) => event.preventDefault();
}
