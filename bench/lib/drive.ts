import { performance } from 'node:perf_hooks';
import type { Answer, Pair } from './pairs.js';
import { ErrorTally } from './stats.js';

export interface LatencyRun {
  ring: number[];
  answer: number[];
  completed: number;
  errors: ErrorTally;
  elapsedMs: number;
}

/**
 * Every pair runs up to `cyclesPerPair` accepted invitations back to back, so at most `pairs.length` are in
 * flight: latency, not queueing. Stops early at `deadline` (performance.now() ms).
 */
export async function runLatency(pairs: readonly Pair[], cyclesPerPair: number, deadline: number, into?: LatencyRun): Promise<LatencyRun> {
  const run = into ?? { ring: [], answer: [], completed: 0, errors: new ErrorTally(), elapsedMs: 0 };
  const started = performance.now();
  await Promise.all(
    pairs.map(async (pair) => {
      for (let i = 0; i < cyclesPerPair && performance.now() < deadline; i++) {
        try {
          const times = await pair.cycle('accept');
          run.ring.push(times.ringMs);
          run.answer.push(times.answerMs);
          run.completed++;
        } catch (error) {
          run.errors.add(error);
        }
      }
    }),
  );
  run.elapsedMs += performance.now() - started;
  return run;
}

export interface ThroughputRun {
  pairs: number;
  /** Unmeasured time first: every pair starts at once, and the first wave says little about the steady state. */
  rampMs: number;
  durationMs: number;
  /** Invitations answered within the measured window. */
  completed: number;
  /** Invitations answered in the whole phase: ramp, window and the cycles finishing after it. */
  cycles: number;
  accepted: number;
  declined: number;
  perSecond: number[];
  ring: number[];
  answer: number[];
  errors: ErrorTally;
  /** Until the last cycle begun inside the window finished. */
  drainMs: number;
}

/**
 * Each pair loops invite → ring → accept or decline (alternating) → the sender hears it, for `rampMs` and then
 * `durationMs` (and at most `maxCyclesPerPair` cycles). Counts the cycles completed inside the measured window.
 */
export async function runThroughput(pairs: readonly Pair[], rampMs: number, durationMs: number, maxCyclesPerPair: number): Promise<ThroughputRun> {
  const seconds = Math.ceil(durationMs / 1000);
  const run: ThroughputRun = {
    pairs: pairs.length,
    rampMs,
    durationMs,
    completed: 0,
    cycles: 0,
    accepted: 0,
    declined: 0,
    perSecond: new Array<number>(seconds).fill(0),
    ring: [],
    answer: [],
    errors: new ErrorTally(),
    drainMs: 0,
  };
  const started = performance.now() + rampMs;
  const end = started + durationMs;
  await Promise.all(
    pairs.map(async (pair, index) => {
      for (let i = 0; i < maxCyclesPerPair && performance.now() < end; i++) {
        const answer: Answer = (index + i) % 2 === 0 ? 'accept' : 'decline';
        try {
          const times = await pair.cycle(answer);
          const at = performance.now();
          run.cycles++;
          if (at < started || at > end) continue;
          run.completed++;
          if (answer === 'accept') run.accepted++;
          else run.declined++;
          run.perSecond[Math.min(seconds - 1, Math.floor((at - started) / 1000))]!++;
          run.ring.push(times.ringMs);
          run.answer.push(times.answerMs);
        } catch (error) {
          run.errors.add(error);
        }
      }
    }),
  );
  run.drainMs = Math.max(0, performance.now() - end);
  return run;
}
