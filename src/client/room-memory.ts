import type { ConnectOptions } from './room-types.js';

/*
 * The room this tab is in, kept in sessionStorage (which survives a reload and dies with the tab), so a reloaded
 * page can rejoin the call it was in. Storage may be off (private mode, a sandboxed frame): then nothing is kept.
 */

export function rememberRoom(key: string, room: ConnectOptions | null): void {
  try {
    if (room) globalThis.sessionStorage?.setItem(key, JSON.stringify({ roomName: room.roomName, liveType: room.liveType }));
    else globalThis.sessionStorage?.removeItem(key);
  } catch {
    // Nothing kept: a reload does not rejoin by itself.
  }
}

export function rememberedRoom(key: string): ConnectOptions | null {
  try {
    const stored = JSON.parse(globalThis.sessionStorage?.getItem(key) ?? 'null') as Partial<ConnectOptions> | null;
    return typeof stored?.roomName === 'string' ? { roomName: stored.roomName, liveType: stored.liveType } : null;
  } catch {
    return null;
  }
}
