/**
 * A connection's allowance of client frames: a token bucket holding up to `burst` frames and refilled at `perSecond`.
 * It is computed when a frame arrives, never on a timer, so it keeps no idle object awake; the UserInbox keeps it
 * in the connection's state, which survives hibernation.
 */
export interface FrameBucket {
  tokens: number;
  /** When `tokens` was counted. */
  at: number;
}

/** Takes one frame from the bucket at `now`: the bucket after it, and whether a frame was left to take. */
export function takeFrame(bucket: FrameBucket | undefined, now: number, perSecond: number, burst: number): { bucket: FrameBucket; allowed: boolean } {
  const refilled = bucket ? Math.min(burst, bucket.tokens + (Math.max(0, now - bucket.at) / 1000) * perSecond) : burst;
  if (refilled < 1) return { bucket: { tokens: refilled, at: now }, allowed: false };
  return { bucket: { tokens: refilled - 1, at: now }, allowed: true };
}
