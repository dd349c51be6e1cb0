/** What one tab tells the user's other tabs in this browser. */
export interface DeviceMessage {
  /** `dismiss` hides the invitation and stops its ringing; `silence` only stops the ringing. */
  type: 'dismiss' | 'silence';
  invitationId: string;
}

/** Carries Escape and Silence to the user's other tabs, so "on this device" means the whole browser. */
export class DeviceChannel {
  #channel: BroadcastChannel | undefined;

  constructor(private readonly onMessage: (message: DeviceMessage) => void) {}

  open(userId: string): void {
    this.close();
    if (typeof BroadcastChannel === 'undefined') return;
    this.#channel = new BroadcastChannel(`baxcloud-call:${userId}`);
    this.#channel.onmessage = (event: MessageEvent<DeviceMessage>) => this.onMessage(event.data);
  }

  post(message: DeviceMessage): void {
    this.#channel?.postMessage(message);
  }

  close(): void {
    this.#channel?.close();
    this.#channel = undefined;
  }
}
