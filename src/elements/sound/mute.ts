/**
 * The page-wide mute switch, remembered in localStorage under this key for the user's other tabs (which learn of a
 * change from the `storage` event) and later visits; this tab fires an event of the same name on `window`.
 */
export const MUTED = 'bax-sound-muted';

/** The switch itself when storage is unavailable (blocked cookies, some private modes): then it lasts this page. */
let unstored = false;

/** Whether every sound of the elements (ringtone, ringback, busy and call-ended tones) is muted. */
export function isSoundMuted(): boolean {
  try {
    return !!localStorage.getItem(MUTED);
  } catch {
    return unstored;
  }
}

/** Mutes or unmutes every sound of the elements in every tab of this site, and remembers it; muting silences a tone already playing. */
export function setSoundMuted(muted: boolean): void {
  unstored = muted;
  try {
    localStorage.setItem(MUTED, muted ? '1' : '');
  } catch {
    // Storage unavailable: the switch holds for this page only.
  }
  dispatchEvent(new Event(MUTED));
}
