import type { PropertyDeclarations } from 'lit';
import type { LiveType } from '../../protocol/room.js';
import { LazyElement } from '../lazy-element.js';
import { themeStyles } from '../shared.styles.js';
import type { CallRoomStrings } from '../translation.js';
import type { RoomView } from './room.js';

export interface JoinOptions {
  /** The room to join; defaults to the `room-name` attribute. */
  roomName?: string;
  /** The kind of call; defaults to the `live-type` attribute. */
  liveType?: LiveType;
}

/** Every connected call room, so that a call's default action finds one wherever it sits, shadow roots included. */
export const connectedRooms = new Set<BaxCallRoom>();

/**
 * The call itself: a tile per participant with their video (or avatar), name and marks, this device's mirrored
 * preview, a call timer, and the controls: mute, camera, screen share, devices, full screen, picture in picture
 * and Hang up. It renders the client's `room` and never touches the media itself. It joins a call through
 * `join()`, its `room-name` and `auto-join` attributes, or as the default action of `bax-call-start`.
 *
 * This class is small and in the script-tag bundle; the rest of the element (room.ts: view, templates, styles)
 * loads on first connect, from the sibling file `bax-call-room.js` (see lazy-element.ts).
 *
 * @tag bax-call-room
 * @summary Shows the call and its controls: video tiles, mute, camera, screen share, devices, Hang up.
 *
 * @event {BaxParticipantJoinedEvent} bax-participant-joined - A participant is in the call (on joining, for those already there).
 * @event {BaxParticipantLeftEvent} bax-participant-left - A participant left the call.
 * @event {BaxCallEndEvent} bax-call-end - The call ended: `{ roomName, durationMs, reason }`.
 *
 * @csspart base - The wrapper of everything.
 * @csspart window - The modal dialog around everything, with `full-window`.
 * @csspart header - The line above the tiles: timer, live badge, waiting and reconnecting notes.
 * @csspart timer - How long the call has lasted.
 * @csspart notice - Why the camera or microphone could not start.
 * @csspart sound-button - "Turn on sound", when the browser would not play the call's sound before a click.
 * @csspart stage - The list of tiles.
 * @csspart tile - One participant's tile (also `local-tile` for this device's, `featured` for a shared screen).
 * @csspart video - A remote participant's video; it carries `data-user-id`.
 * @csspart local-video - This device's preview, mirrored unless it shows a shared screen.
 * @csspart avatar - The picture or initials shown when there is no video.
 * @csspart caption - The name and marks under a tile.
 * @csspart name - A participant's name.
 * @csspart mark - A mark in a caption: muted, camera off, sharing, host, network quality.
 * @csspart reconnecting - "Reconnecting…" over a participant's tile.
 * @csspart controls - The row of call controls.
 * @csspart control - Every control button (also `mute-button`, `camera-button`, `screen-button`, `devices-button`, `full-screen-button`, `picture-in-picture-button`, `hang-up-button`).
 * @csspart devices - The device choice panel.
 * @csspart device-select - One list of devices in it (camera, microphone, speaker).
 * @csspart status - What shows instead of the call: not in a call, joining, ended, or why joining failed.
 * @csspart join-button - Joins `room-name`, while not in a call.
 * @csspart retry-button - Tries again after joining failed.
 * @csspart close-button - Dismisses a failure or the end of a call.
 * @csspart announcer - The polite live region that announces joins, leaves and the end of the call.
 *
 * @cssproperty --bax-call-room-min-height - The least height of the element (default 22rem).
 * @cssproperty --bax-tile-color - Background of the tiles.
 * @cssproperty --bax-on-tile-color - Text on the tiles.
 * @cssproperty --bax-speaking-color - The ring around whoever is speaking.
 * @cssproperty --bax-surface-color - Background of the element and the control row.
 * @cssproperty --bax-surface-raised-color - Background of the controls.
 * @cssproperty --bax-text-color - Text colour.
 * @cssproperty --bax-muted-color - Secondary text colour.
 * @cssproperty --bax-border-color - Borders.
 * @cssproperty --bax-accent-color - Pressed controls and avatar initials.
 * @cssproperty --bax-on-accent-color - Text on pressed controls.
 * @cssproperty --bax-decline-color - The Hang up button and the muted marks.
 * @cssproperty --bax-on-decline-color - Text on the Hang up button.
 * @cssproperty --bax-radius - Corner radius.
 * @cssproperty --bax-font-family - Font of the element.
 * @cssproperty --bax-focus-ring-color - Keyboard focus outline.
 * @cssproperty --bax-backdrop - What covers the page behind a `full-window` call.
 */
export class BaxCallRoom extends LazyElement<RoomView> {
  static override styles = themeStyles;
  // Declared here rather than with decorators: the script-tag bundle then needs none of Lit's decorator code.
  static override properties: PropertyDeclarations = {
    roomName: { attribute: 'room-name' },
    liveType: { attribute: 'live-type' },
    autoJoin: { type: Boolean, attribute: 'auto-join' },
    fullWindow: { type: Boolean, attribute: 'full-window', reflect: true },
    strings: { type: Object },
  };

  /** The room `join()`, the Join button and `auto-join` join. */
  roomName = '';

  /** The kind of call to join: `video_call` (camera and microphone), `audio_call` (microphone only) or `live_streaming`. */
  liveType: LiveType = 'video_call';

  /** Joins `room-name` as soon as the client is connected (once per room name). */
  autoJoin = false;

  /** Shows the call as a modal dialog over the whole window while there is one, and nothing otherwise. */
  fullWindow = false;

  /** Replaces any of the element's texts, over those registered for its language; also accepts JSON in the attribute. */
  strings: Partial<CallRoomStrings> = {};

  override connectedCallback(): void {
    super.connectedCallback();
    connectedRooms.add(this);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    connectedRooms.delete(this);
  }

  /**
   * Joins a call (leaving the one in progress, if another), then turns on the camera (video calls) and the microphone,
   * unless this user only watches a live stream. Rejects with the client's error, which the element shows too.
   */
  join(options: JoinOptions = {}): Promise<void> {
    return this.view().then((view) => view.join(options));
  }

  /** Hangs up (leaves the call), or dismisses a failure or the end of a call. */
  leave(): Promise<void> {
    return this.view().then((view) => view.leave());
  }

  protected override loadView(): Promise<RoomView> {
    return import('./room.js').then(({ RoomView }) => new RoomView(this, this.store, this.localize));
  }
}
