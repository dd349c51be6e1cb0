/** One ring cycle, in seconds: two short bursts, then silence. */
const CYCLE = 3;
const BURSTS: Array<[start: number, length: number]> = [
  [0, 0.4],
  [0.6, 0.4],
];
const TONES = [440, 480];
const VOLUME = 0.12;

/**
 * A ringtone synthesized with Web Audio, so the bundle carries no audio file. Browsers block audio until the
 * user interacts with the page; then the first click or key press anywhere starts it.
 */
export class Ringtone {
  #context: AudioContext | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  readonly #resumeOnGesture = () => {
    void this.#context?.resume();
  };

  /** True while the browser holds the sound back until a user gesture. */
  get blocked(): boolean {
    return this.#timer !== undefined && this.#context?.state === 'suspended';
  }

  get playing(): boolean {
    return this.#timer !== undefined;
  }

  start(): void {
    if (this.#timer !== undefined || typeof AudioContext === 'undefined') return;
    this.#context ??= new AudioContext();
    if (this.#context.state === 'suspended') {
      void this.#context.resume();
      addEventListener('pointerdown', this.#resumeOnGesture, { capture: true });
      addEventListener('keydown', this.#resumeOnGesture, { capture: true });
    }
    this.#scheduleCycle();
    this.#timer = setInterval(() => this.#scheduleCycle(), CYCLE * 1000);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    removeEventListener('pointerdown', this.#resumeOnGesture, { capture: true });
    removeEventListener('keydown', this.#resumeOnGesture, { capture: true });
    // Closing drops the bursts already scheduled; a new context is cheap to make for the next call.
    void this.#context?.close();
    this.#context = undefined;
  }

  #scheduleCycle(): void {
    const context = this.#context;
    if (!context) return;
    const begin = context.currentTime + 0.05;
    const gain = context.createGain();
    gain.gain.value = 0;
    gain.connect(context.destination);
    for (const [start, length] of BURSTS) {
      // Short ramps avoid the click of a square envelope.
      gain.gain.setValueAtTime(0, begin + start);
      gain.gain.linearRampToValueAtTime(VOLUME, begin + start + 0.02);
      gain.gain.setValueAtTime(VOLUME, begin + start + length - 0.02);
      gain.gain.linearRampToValueAtTime(0, begin + start + length);
    }
    for (const frequency of TONES) {
      const oscillator = context.createOscillator();
      oscillator.frequency.value = frequency;
      oscillator.connect(gain);
      oscillator.start(begin);
      oscillator.stop(begin + CYCLE - 0.1);
    }
  }
}
