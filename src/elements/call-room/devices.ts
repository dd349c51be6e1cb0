import type { ReactiveController, ReactiveControllerHost } from 'lit';

/** The cameras, microphones and speakers the browser offers, and the call room's panel to choose among them. */

export type DeviceKind = 'videoinput' | 'audioinput' | 'audiooutput';

/** Lists the devices; empty where the browser lists none (or has no `mediaDevices`, outside secure contexts). */
async function listDevices(): Promise<MediaDeviceInfo[]> {
  try {
    return (await navigator.mediaDevices?.enumerateDevices()) ?? [];
  } catch {
    return [];
  }
}

/** Whether media elements can play to a chosen speaker here (Chromium and Firefox can; Safari cannot). */
export function canChooseSpeaker(): boolean {
  return typeof HTMLMediaElement !== 'undefined' && 'setSinkId' in HTMLMediaElement.prototype;
}

/**
 * The device panel of a call room: whether it is open, the devices listed, and those chosen. A camera or microphone
 * chosen goes to `apply` (which asks the client for it); the speaker chosen plays every remote video.
 */
export class DevicePanel implements ReactiveController {
  open = false;
  devices: MediaDeviceInfo[] = [];
  chosen: Partial<Record<DeviceKind, string>> = {};

  constructor(
    private readonly host: ReactiveControllerHost & HTMLElement & { readonly renderRoot: HTMLElement | DocumentFragment },
    private readonly apply: (kind: 'videoinput' | 'audioinput', device: { deviceId?: string }) => void,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    navigator.mediaDevices?.addEventListener('devicechange', this.#handleDeviceChange);
  }

  hostDisconnected(): void {
    navigator.mediaDevices?.removeEventListener('devicechange', this.#handleDeviceChange);
  }

  hostUpdated(): void {
    const sinkId = this.chosen.audiooutput;
    if (sinkId === undefined) return;
    for (const video of this.host.renderRoot.querySelectorAll<HTMLVideoElement & { setSinkId?: (id: string) => Promise<void> }>('video[data-user-id]')) {
      if (video.setSinkId && video.sinkId !== sinkId) video.setSinkId(sinkId).catch(() => undefined);
    }
  }

  /** The device chosen of a kind, as the client's `enableCamera` and `enableMicrophone` take it. */
  option(kind: DeviceKind): { deviceId: string } | undefined {
    const deviceId = this.chosen[kind];
    return deviceId ? { deviceId } : undefined;
  }

  close(): void {
    this.open = false;
    this.host.requestUpdate();
  }

  /** Opens the panel, with the devices listed afresh and focus on the first list, or closes it. */
  readonly toggle = (): void => {
    this.open = !this.open;
    this.host.requestUpdate();
    if (this.open) void this.#load().then(() => this.host.renderRoot.querySelector<HTMLSelectElement>('#devices select')?.focus());
  };

  /** Escape closes the panel and gives focus back to its button. */
  readonly handleKeydown = (event: KeyboardEvent): void => {
    if (event.key !== 'Escape') return;
    event.preventDefault();
    event.stopPropagation();
    this.close();
    this.host.renderRoot.querySelector<HTMLButtonElement>('[part~="devices-button"]')?.focus();
  };

  readonly choose = (kind: DeviceKind, deviceId: string): void => {
    this.chosen = { ...this.chosen, [kind]: deviceId };
    if (kind !== 'audiooutput') this.apply(kind, deviceId ? { deviceId } : {});
    this.host.requestUpdate();
  };

  readonly #handleDeviceChange = (): void => void this.#load();

  async #load(): Promise<void> {
    this.devices = await listDevices();
    this.host.requestUpdate();
    await this.host.updateComplete;
  }
}
