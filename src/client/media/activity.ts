import type { LinkSample } from './transport.js';

export type Quality = 'good' | 'fair' | 'poor';

/** Audio level (0–1, linear, as RTP's audio-level extension reports it; 0.01 is -40 dBov) above which someone counts as speaking. */
const SPEAKING_LEVEL = 0.01;
/** Speaking lasts this long past the last loud moment, so the indicator does not flicker between words. */
const SPEAKING_HOLD_MS = 600;

/**
 * A link's quality from one getStats() sample: round-trip time and packet loss, the two things people hear as a
 * bad line. Loss weighs more: a 2% loss is audible, a 300 ms delay barely.
 */
export function qualityOf(sample: LinkSample): Quality | null {
  const { roundTripTime, packetLoss } = sample;
  if (roundTripTime === null) return null;
  if (roundTripTime < 0.3 && packetLoss < 0.02) return 'good';
  if (roundTripTime < 0.6 && packetLoss < 0.08) return 'fair';
  return 'poor';
}

/** Turns audio levels sampled over time into a steady speaking / not speaking. */
export class SpeakingDetector {
  private loudAt = Number.NEGATIVE_INFINITY;

  /** Takes the level now and answers whether they are speaking. */
  update(level: number, now: number): boolean {
    if (level >= SPEAKING_LEVEL) this.loudAt = now;
    return now - this.loudAt < SPEAKING_HOLD_MS;
  }
}

/**
 * The loudness of this device's own microphone, through a Web Audio analyser: the local side has no RTP
 * audio level to read, and reading an analyser's samples a few times a second costs next to nothing.
 */
export class LevelMeter {
  private context: AudioContext | null = null;
  private source: MediaStreamAudioSourceNode | null = null;
  private analyser: AnalyserNode | null = null;
  private samples = new Float32Array(0);
  private track: MediaStreamTrack | null = null;

  /** Measures this track from now on (null: nothing). */
  follow(track: MediaStreamTrack | null): void {
    if (track === this.track) return;
    this.track = track;
    this.source?.disconnect();
    this.source = null;
    if (!track || typeof AudioContext !== 'function') return;
    this.context ??= new AudioContext();
    if (this.context.state === 'suspended') this.context.resume().catch(() => undefined);
    this.analyser ??= Object.assign(this.context.createAnalyser(), { fftSize: 512 });
    this.samples = new Float32Array(this.analyser.fftSize);
    this.source = this.context.createMediaStreamSource(new MediaStream([track]));
    this.source.connect(this.analyser);
  }

  /** The loudness (RMS, as RTP's audio level measures it) of the latest few milliseconds, 0–1. */
  get level(): number {
    if (!this.source || !this.analyser) return 0;
    this.analyser.getFloatTimeDomainData(this.samples);
    let sum = 0;
    for (const sample of this.samples) sum += sample * sample;
    return Math.sqrt(sum / this.samples.length);
  }

  close(): void {
    this.follow(null);
    this.context?.close().catch(() => undefined);
    this.context = null;
  }
}
