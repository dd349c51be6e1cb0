import { html, nothing } from 'lit';
import type { TemplateResult } from 'lit';
import type { CallParticipant, LocalMedia, RoomEndedEvent, RoomState } from '../../client/room-types.js';
import { avatarTemplate } from '../avatar.js';
import { formatClock, formatDuration } from '../intl-format.js';
import { displayName, format } from '../strings.js';
import { errorMessage } from '../support.js';
import type { CallRoomStrings } from '../translation.js';
import type { DeviceKind } from './devices.js';
import { qualityIcon, roomIcon } from './room-icons.js';

/** What a tile needs besides its participant. */
export interface TileOptions {
  text: CallRoomStrings;
  /** Whether the call carries video at all: audio calls show avatars without "camera off" marks. */
  video: boolean;
  broken: ReadonlySet<string>;
  handleAvatarError: (url: string) => void;
}

/** A remote participant: their video (which also plays their sound), or their avatar while it is off. */
export function remoteTileTemplate(
  participant: CallParticipant,
  options: TileOptions & { featured: boolean; main: boolean; handlePictureInPicture: (event: Event) => void },
): TemplateResult {
  const { text } = options;
  const showVideo = participant.stream !== null && (participant.camera || participant.screen);
  return html`<li
    part=${options.featured ? 'tile featured' : 'tile'}
    class="tile"
    ?data-speaking=${participant.speaking}
    data-connection=${participant.connection}
  >
    <video
      part="video"
      data-user-id=${participant.userId}
      ?data-main=${options.main}
      class=${participant.screen ? 'screen' : ''}
      autoplay
      playsinline
      .srcObject=${participant.stream}
      ?hidden=${!showVideo}
      @enterpictureinpicture=${options.handlePictureInPicture}
      @leavepictureinpicture=${options.handlePictureInPicture}
    ></video>
    ${showVideo ? nothing : avatarTemplate(participant, options.broken, options.handleAvatarError)}
    ${captionTemplate(displayName(participant), participant, options)}
    ${
      participant.connection === 'reconnecting' || participant.connection === 'failed'
        ? html`<p part="reconnecting" class="reconnecting">${text.reconnecting}</p>`
        : nothing
    }
  </li>`;
}

/** This device: a muted, mirrored preview of its camera (not of a shared screen), or its avatar. */
export function localTileTemplate(
  local: LocalMedia,
  user: { userId: string; name: string | null; avatarUrl: string | null },
  options: TileOptions & { floating: boolean },
): TemplateResult {
  const showVideo = local.stream !== null && (local.camera || local.screen);
  return html`<li part="tile local-tile" class=${options.floating ? 'tile local floating' : 'tile local'} ?data-speaking=${local.speaking}>
    <video
      part="local-video"
      class=${local.screen ? 'screen' : 'mirrored'}
      autoplay
      playsinline
      .muted=${true}
      .srcObject=${local.stream}
      ?hidden=${!showVideo}
    ></video>
    ${showVideo ? nothing : avatarTemplate(user, options.broken, options.handleAvatarError)}
    ${captionTemplate(options.text.you, { ...local, isHost: false, quality: null }, options)}
  </li>`;
}

type CaptionFacts = Pick<CallParticipant, 'camera' | 'microphone' | 'screen' | 'speaking' | 'isHost' | 'quality'>;

/** The name, then marks in icons and words: host, muted, camera off, sharing, speaking, network quality. */
function captionTemplate(name: string, facts: CaptionFacts, { text, video }: TileOptions): TemplateResult {
  const quality = facts.quality ? format(text.quality, { quality: text[facts.quality] }) : '';
  return html`<div part="caption" class="caption">
    <span part="name" class="name">${name}</span>
    ${facts.isHost ? html`<span part="mark" class="mark badge">${text.host}</span>` : nothing}
    ${facts.microphone ? nothing : markTemplate('muted', roomIcon('microphone-off'), text.muted)}
    ${video && !facts.camera && !facts.screen ? markTemplate('camera-off', roomIcon('camera-off'), text.cameraOff) : nothing}
    ${facts.screen ? markTemplate('sharing', roomIcon('screen'), text.sharing) : nothing}
    ${facts.speaking ? html`<span class="visually-hidden">${text.speaking}</span>` : nothing}
    ${facts.quality ? markTemplate(`quality ${facts.quality}`, qualityIcon(facts.quality), quality) : nothing}
  </div>`;
}

function markTemplate(kind: string, icon: unknown, words: string): TemplateResult {
  return html`<span part="mark" class="mark ${kind}" title=${words}>${icon}<span class="visually-hidden">${words}</span></span>`;
}

/** Above the tiles: the live badge, the timer (on the server's clock), the audience, and what is wrong. */
export function headerTemplate(
  room: RoomState,
  text: CallRoomStrings,
  facts: { lang: string; now: number; audience: number; notice: string; alone: boolean; soundBlocked: boolean; handleSound: () => void },
): TemplateResult {
  const viewer = room.self.role === 'viewer';
  return html`<div part="header" class="header">
    ${facts.soundBlocked ? html`<button part="sound-button" class="sound" type="button" @click=${facts.handleSound}>${text.enableSound}</button>` : nothing}
    ${room.liveType === 'live_streaming' ? html`<span class="live">${text.live}</span>` : nothing}
    ${
      room.startedAt === null
        ? nothing
        : html`<span part="timer" class="timer" role="timer"
          ><span class="visually-hidden">${text.duration} </span>${formatClock(facts.lang, facts.now - room.startedAt)}</span
        >`
    }
    ${facts.alone ? html`<span>${text.waitingForOthers}</span>` : nothing}
    ${facts.audience > 0 && !viewer ? html`<span>${format(text.watching, { count: facts.audience })}</span>` : nothing}
    ${room.status === 'reconnecting' ? html`<span class="warning">${text.roomReconnecting}</span>` : nothing}
    ${facts.notice ? html`<p part="notice" class="notice">${facts.notice}</p>` : nothing}
  </div>`;
}

export interface ControlsOptions {
  text: CallRoomStrings;
  /** This device's media while it publishes; null for a viewer, or while joining. */
  local: LocalMedia | null;
  video: boolean;
  canShareScreen: boolean;
  /** Whether the call is on (otherwise only Hang up shows). */
  joined: boolean;
  viewer: boolean;
  devicesOpen: boolean;
  /** null hides the control (the browser cannot, or there is nothing to show). */
  fullScreen: boolean | null;
  pictureInPicture: boolean | null;
  handle: Record<'mute' | 'camera' | 'screen' | 'devices' | 'fullScreen' | 'pictureInPicture' | 'hangUp', () => void>;
}

/** The control row: each a real button with a name; toggles say whether they are on through `aria-pressed`. */
export function controlsTemplate(options: ControlsOptions): TemplateResult {
  const { text, local, handle } = options;
  // Secondary controls show their icon only, their name in a tooltip; every name stays for assistive technology.
  const toggle = (name: string, pressed: boolean, icon: unknown, label: string, click: () => void, secondary = false) =>
    html`<button
      part="control ${name}-button"
      class=${secondary ? 'secondary' : ''}
      type="button"
      title=${secondary ? label : nothing}
      aria-pressed=${pressed ? 'true' : 'false'}
      @click=${click}
    >
      ${icon}<span class="label">${label}</span>
    </button>`;
  return html`<div part="controls" class="controls" role="group" aria-label=${text.controls}>
    ${local ? toggle('mute', !local.microphone, roomIcon(local.microphone ? 'microphone' : 'microphone-off'), text.mute, handle.mute) : nothing}
    ${local && options.video ? toggle('camera', !local.camera, roomIcon(local.camera ? 'camera' : 'camera-off'), text.stopCamera, handle.camera) : nothing}
    ${local && options.video && options.canShareScreen ? toggle('screen', local.screen, roomIcon('screen'), text.shareScreen, handle.screen) : nothing}
    ${
      options.joined
        ? html`<button
          part="control devices-button"
          class="secondary"
          type="button"
          title=${text.devices}
          aria-expanded=${options.devicesOpen ? 'true' : 'false'}
          aria-controls="devices"
          @click=${handle.devices}
        >
          ${roomIcon('devices')}<span class="label">${text.devices}</span>
        </button>`
        : nothing
    }
    ${
      options.joined && options.fullScreen !== null
        ? toggle('full-screen', options.fullScreen, roomIcon('full-screen'), text.fullScreen, handle.fullScreen, true)
        : nothing
    }
    ${
      options.joined && options.pictureInPicture !== null
        ? toggle('picture-in-picture', options.pictureInPicture, roomIcon('picture-in-picture'), text.pictureInPicture, handle.pictureInPicture, true)
        : nothing
    }
    <button part="control hang-up-button" class="hang-up" type="button" @click=${handle.hangUp}>
      ${roomIcon('hang-up')}<span class="label">${options.viewer ? text.leave : text.hangUp}</span>
    </button>
  </div>`;
}

export interface DevicesOptions {
  text: CallRoomStrings;
  open: boolean;
  devices: MediaDeviceInfo[];
  chosen: Partial<Record<DeviceKind, string>>;
  kinds: DeviceKind[];
  handleChoice: (kind: DeviceKind, deviceId: string) => void;
  handleKeydown: (event: KeyboardEvent) => void;
}

/** The device choice: one labelled list per kind, the system default first. */
export function devicesTemplate(options: DevicesOptions): TemplateResult {
  const { text } = options;
  const labels: Record<DeviceKind, string> = { videoinput: text.camera, audioinput: text.microphone, audiooutput: text.speaker };
  const list = (kind: DeviceKind) => {
    const devices = options.devices.filter((device) => device.kind === kind && device.deviceId && device.deviceId !== 'default');
    const chosen = options.chosen[kind] ?? '';
    return html`<label class="device">
      <span>${labels[kind]}</span>
      <select part="device-select" data-kind=${kind} @change=${(event: Event) => options.handleChoice(kind, (event.target as HTMLSelectElement).value)}>
        <option value="" ?selected=${chosen === ''}>${text.systemDefault}</option>
        ${devices.map(
          (device, index) =>
            html`<option value=${device.deviceId} ?selected=${chosen === device.deviceId}>
              ${device.label || format(text.unnamedDevice, { kind: labels[kind], number: index + 1 })}
            </option>`,
        )}
      </select>
    </label>`;
  };
  return html`<div part="devices" id="devices" class="devices" role="group" aria-label=${text.devices} ?hidden=${!options.open} @keydown=${options.handleKeydown}>
    ${options.kinds.map(list)}
  </div>`;
}

/** What shows instead of a call: joining, why joining failed, that the call ended, or that there is none. */
export function statusTemplate(
  phase: 'idle' | 'connecting' | 'error' | 'ended',
  text: CallRoomStrings,
  facts: {
    lang: string;
    problem: string;
    ended: RoomEndedEvent | undefined;
    canJoin: boolean;
    canRetry: boolean;
    handleJoin: () => void;
    handleRetry: () => void;
    handleDismiss: () => void;
  },
): TemplateResult {
  const close = html`<button part="close-button" type="button" @click=${facts.handleDismiss}>${text.close}</button>`;
  switch (phase) {
    case 'connecting':
      return html`<div part="status" class="status"><span class="spinner" aria-hidden="true"></span><p>${text.connecting}</p></div>`;
    case 'error':
      return html`<div part="status" class="status problem">
        <p>${facts.problem}</p>
        <div class="actions">
          ${facts.canRetry ? html`<button part="retry-button" type="button" @click=${facts.handleRetry}>${text.retry}</button>` : nothing} ${close}
        </div>
      </div>`;
    case 'ended':
      return html`<div part="status" class="status">
        <p>${facts.ended ? endedText(facts.ended, text, facts.lang) : text.ended}</p>
        <div class="actions">${close}</div>
      </div>`;
    default:
      return html`<div part="status" class="status">
        <p>${text.idle}</p>
        ${facts.canJoin ? html`<div class="actions"><button part="join-button" type="button" @click=${facts.handleJoin}>${text.join}</button></div>` : nothing}
      </div>`;
  }
}

/** "Call ended · 3 min, 21 sec" in `lang`, or just "Call ended" when nobody else came. */
export function endedText(ended: RoomEndedEvent, text: CallRoomStrings, lang: string): string {
  return ended.durationMs > 0 ? format(text.endedAfter, { duration: formatDuration(lang, ended.durationMs) }) : text.ended;
}

/** Why a request failed, in the element's words for the errors of calls; `joining` frames the others. */
export function describeError(error: unknown, text: CallRoomStrings, joining: boolean): string {
  switch ((error as { code?: string }).code) {
    case 'forbidden':
      return text.forbidden;
    case 'room_full':
      return text.roomFull;
    case 'unsupported':
      return text.unsupported;
    case 'media_denied':
      return text.mediaDenied;
    default:
      return joining ? format(text.failed, { error: errorMessage(error) }) : errorMessage(error);
  }
}
