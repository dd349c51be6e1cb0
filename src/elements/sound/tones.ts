/** One sound of a tone: when it starts and how long it lasts in seconds, and the frequencies it mixes. */
type Burst = [start: number, length: number, frequencies: number[]];

/** A built-in tone: bursts over one cycle, repeated every cycle while it plays, or played once. */
export interface TonePattern {
  cycle: number;
  loop: boolean;
  bursts: Burst[];
}

export type ToneName = 'ringtone' | 'ringback' | 'busy' | 'ended';

const RING = [440, 480];
const BUSY = [480, 620];

/**
 * The built-in tones, synthesized with Web Audio so the bundle carries no audio file. The ringback and busy tones
 * are the North American ones (ITU-T E.180): ringback 440 + 480 Hz, 2 s on, 4 s off; busy 480 + 620 Hz, 0.5 s on, 0.5 s off.
 */
export const TONES: Record<ToneName, TonePattern> = {
  // Two short bursts, then silence.
  ringtone: {
    cycle: 3,
    loop: true,
    bursts: [
      [0, 0.4, RING],
      [0.6, 0.4, RING],
    ],
  },
  ringback: { cycle: 6, loop: true, bursts: [[0, 2, RING]] },
  // Three beats, enough to say "no" without nagging.
  busy: {
    cycle: 3,
    loop: false,
    bursts: [
      [0, 0.5, BUSY],
      [1, 0.5, BUSY],
      [2, 0.5, BUSY],
    ],
  },
  // Two falling beeps.
  ended: {
    cycle: 0.6,
    loop: false,
    bursts: [
      [0, 0.18, [660]],
      [0.25, 0.25, [440]],
    ],
  },
};

export const VOLUME = 0.12;
