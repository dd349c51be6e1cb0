import { isSoundMuted, MUTED } from './mute.js';
import { TONES, VOLUME, type ToneName, type TonePattern } from './tones.js';

/** What one playing sound is doing, for tests and tools. */
export interface SoundInfo {
  tone: ToneName;
  /** The audio file played, or null for the built-in tone. */
  src: string | null;
  /** Muted by the page-wide switch: it runs on, silent, so unmuting brings it back. */
  muted: boolean;
  /** Held back by the browser until the user clicks or presses a key on the page. */
  blocked: boolean;
  /** The browser plays it (muted or not): the audio context runs, or the audio file's playback began. */
  started: boolean;
}

/** Every sound playing in this page. */
const active = new Set<Sound>();
const listeners = new Set<() => void>();
/** One audio context for the page's sounds (browsers limit how many a page may open); closed while nothing plays. */
let context: AudioContext | undefined;

let notifying = false;

/** Tells the listeners once a task's changes are done, and never in the middle of an element's update. */
function changed(): void {
  if (notifying) return;
  notifying = true;
  queueMicrotask(() => {
    notifying = false;
    for (const listener of listeners) listener();
  });
}

function audioContext(): AudioContext {
  if (context) return context;
  const made = new AudioContext();
  context = made;
  made.onstatechange = () => {
    // Sounds wait for a blocked context; scheduled while it stood still, their bursts would all sound at once.
    if (made.state === 'running') for (const sound of active) sound.restart();
    changed();
  };
  return made;
}

const GESTURES = ['pointerdown', 'keydown'] as const;

function listenForGesture(on: boolean): void {
  for (const type of GESTURES) {
    if (on) addEventListener(type, unblockSound, { capture: true });
    else removeEventListener(type, unblockSound, { capture: true });
  }
}

/** A tone playing: built-in, or an audio file. */
export class Sound {
  readonly tone: ToneName;
  readonly src: string | null;
  readonly #pattern: TonePattern;
  #gain: GainNode | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #audio: HTMLAudioElement | undefined;
  /** The browser refused to play the audio file before a user gesture. */
  #refused = false;
  /** The audio file's playback began. */
  #started = false;

  constructor(tone: ToneName, src: string | null) {
    this.tone = tone;
    this.src = src;
    this.#pattern = TONES[tone];
    active.add(this);
    if (src) this.#startFile(src);
    else this.#startBuiltIn();
    this.#listen();
  }

  get playing(): boolean {
    return active.has(this);
  }

  get blocked(): boolean {
    return this.playing && (this.#audio ? this.#refused : context?.state === 'suspended');
  }

  get info(): SoundInfo {
    const started = this.playing && (this.#audio ? this.#started : context?.state === 'running');
    return { tone: this.tone, src: this.#audio ? this.src : null, muted: isSoundMuted(), blocked: this.blocked, started };
  }

  stop(): void {
    if (!active.delete(this)) return;
    clearInterval(this.#timer);
    this.#gain?.disconnect();
    this.#audio?.pause();
    this.#audio?.removeAttribute('src');
    this.#audio = undefined;
    this.#listen();
    if (active.size === 0) {
      void context?.close();
      context = undefined;
    }
    changed();
  }

  /** Starts the built-in tone's cycle again, once its context runs. */
  restart(): void {
    if (this.#audio || !this.#gain) return;
    clearInterval(this.#timer);
    this.#schedule();
  }

  /** Follows the page-wide mute switch. */
  applyMute(): void {
    const muted = isSoundMuted();
    if (this.#gain) this.#gain.gain.value = muted ? 0 : 1;
    if (this.#audio) this.#audio.muted = muted;
  }

  /** Tries again from a user gesture. */
  unblock(): void {
    if (!this.#refused || !this.#audio) return;
    this.#refused = false;
    this.#play(this.#audio);
  }

  #startBuiltIn(): void {
    const context = audioContext();
    if (context.state === 'suspended') {
      // Browsers hold audio back until the user interacts with the page: a one-off tone is dropped, a ring waits.
      if (!this.#pattern.loop) return this.stop();
      void context.resume();
    }
    const gain = context.createGain();
    gain.connect(context.destination);
    this.#gain = gain;
    this.applyMute();
    this.#schedule();
  }

  /** Plays one cycle now, and the next ones every cycle while a looping tone plays; a one-off tone then ends. */
  #schedule(): void {
    const { cycle, loop } = this.#pattern;
    if (context?.state === 'running') this.#scheduleCycle(context);
    this.#timer = loop
      ? setInterval(() => context?.state === 'running' && this.#scheduleCycle(context), cycle * 1000)
      : setTimeout(() => this.stop(), cycle * 1000);
  }

  #scheduleCycle(context: AudioContext): void {
    const output = this.#gain;
    if (!output) return;
    const begin = context.currentTime + 0.05;
    for (const [start, length, frequencies] of this.#pattern.bursts) {
      const envelope = context.createGain();
      const from = begin + start;
      const to = from + length;
      // Short ramps avoid the click of a square envelope.
      envelope.gain.setValueAtTime(0, from);
      envelope.gain.linearRampToValueAtTime(VOLUME, from + 0.02);
      envelope.gain.setValueAtTime(VOLUME, to - 0.02);
      envelope.gain.linearRampToValueAtTime(0, to);
      envelope.connect(output);
      for (const frequency of frequencies) {
        const oscillator = context.createOscillator();
        oscillator.frequency.value = frequency;
        oscillator.connect(envelope);
        oscillator.start(from);
        oscillator.stop(to);
      }
    }
  }

  /** An audio element rather than decoded Web Audio: it plays files from other origins without CORS. */
  #startFile(src: string): void {
    const audio = new Audio(src);
    audio.loop = this.#pattern.loop;
    audio.onended = () => this.stop();
    this.#audio = audio;
    this.applyMute();
    this.#play(audio);
  }

  #play(audio: HTMLAudioElement): void {
    audio.play().then(
      () => {
        if (this.#audio !== audio) return;
        this.#started = true;
        changed();
      },
      (error: unknown) => {
        if (this.#audio !== audio) return;
        if ((error as Error).name === 'NotAllowedError') {
          if (!this.#pattern.loop) return this.stop();
          this.#refused = true;
          this.#listen();
          changed();
          return;
        }
        // The file could not be loaded or decoded: the built-in tone stands in.
        console.warn(`BaxCloud Call: the ${this.tone} ${this.src} could not play (${(error as Error).message}); playing the built-in tone instead.`);
        audio.onended = null;
        this.#audio = undefined;
        this.#startBuiltIn();
        changed();
      },
    );
  }

  /** While any sound is blocked, the first click or key press anywhere on the page starts it. */
  #listen(): void {
    listenForGesture([...active].some((sound) => sound.blocked || sound.#refused));
  }
}

/** Plays a tone: the audio file at `src`, or the built-in one. A looping tone plays until stopped. */
export function playTone(tone: ToneName, src: string | null = null): Sound {
  const sound = new Sound(tone, src);
  changed();
  return sound;
}

/** What plays now (muted and blocked sounds included). */
export function playingSounds(): SoundInfo[] {
  return [...active].map((sound) => sound.info);
}

/** Whether the browser holds a sound back until the user interacts with the page. */
export function soundBlocked(): boolean {
  return [...active].some((sound) => sound.blocked);
}

/** Starts the sounds the browser held back; call it from a click or key press. */
export function unblockSound(): void {
  void context?.resume();
  for (const sound of active) sound.unblock();
  listenForGesture(false);
  changed();
}

/** Calls `listener` whenever a sound starts, stops, is blocked or unblocked. */
export function onSoundChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function applyMute(): void {
  for (const sound of active) sound.applyMute();
  changed();
}

addEventListener(MUTED, applyMute);
addEventListener('storage', (event) => {
  if (event.key === MUTED || event.key === null) applyMute();
});
