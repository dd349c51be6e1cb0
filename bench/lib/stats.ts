export interface Summary {
  count: number;
  min: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** The middle value (the upper one of an even count); NaN without values. */
export function median(values: readonly number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
}

/** Nearest-rank percentiles, in the samples' unit (ms here), rounded to 0.01. */
export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) return { count: 0, min: NaN, p50: NaN, p95: NaN, p99: NaN, max: NaN, mean: NaN };
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    count: sorted.length,
    min: round(sorted[0]!),
    p50: round(at(50)),
    p95: round(at(95)),
    p99: round(at(99)),
    max: round(sorted[sorted.length - 1]!),
    mean: round(sorted.reduce((sum, n) => sum + n, 0) / sorted.length),
  };
}

/** Counts errors by a short label: a BaxCloudError's code, else the message's start. */
export class ErrorTally {
  private readonly counts = new Map<string, number>();
  readonly samples: string[] = [];

  add(error: unknown): void {
    const code = (error as { code?: unknown })?.code;
    const message = error instanceof Error ? error.message : String(error);
    const label = typeof code === 'string' ? code : message.slice(0, 80);
    this.counts.set(label, (this.counts.get(label) ?? 0) + 1);
    if (this.samples.length < 5) this.samples.push(typeof code === 'string' ? `${code}: ${message}` : message);
  }

  get total(): number {
    let total = 0;
    for (const n of this.counts.values()) total += n;
    return total;
  }

  toJSON(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }
}
