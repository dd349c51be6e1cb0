/** The cameras, microphones and speakers the browser offers, for the call room's device choice. */

export type DeviceKind = 'videoinput' | 'audioinput' | 'audiooutput';

/** Lists the devices; empty where the browser lists none (or has no `mediaDevices`, outside secure contexts). */
export async function listDevices(): Promise<MediaDeviceInfo[]> {
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

/** Sends a video element's sound to the speaker `sinkId` ('' is the system default). */
export async function playOn(video: HTMLMediaElement, sinkId: string): Promise<void> {
  const media = video as HTMLMediaElement & { sinkId?: string; setSinkId?: (id: string) => Promise<void> };
  if (media.setSinkId && media.sinkId !== sinkId) await media.setSinkId(sinkId).catch(() => undefined);
}

/** Calls `listener` when devices are plugged in or out; returns the unsubscribe. */
export function onDeviceChange(listener: () => void): () => void {
  const devices = typeof navigator === 'undefined' ? undefined : navigator.mediaDevices;
  devices?.addEventListener('devicechange', listener);
  return () => devices?.removeEventListener('devicechange', listener);
}
