import type { Env, ProjectConfig } from './config.js';
import { bearer, json, sameSecret } from './http.js';

/**
 * Token buckets for the REST API: a request made with a project's secret draws on that project's bucket, any
 * other (user or answer tokens, apiKey checks, /demo/token, wrong credentials) on the client IP's, so nobody
 * without the secret can drain a project's.
 *
 * The buckets live in a Map in this isolate's memory. On Cloudflare a Worker runs in many isolates at once (one
 * or more per location), so the limit holds per isolate: it stops one client hammering through one isolate,
 * not a project's rate across the network. A Durable Object per project would count globally, but would put a
 * round trip to one object in front of every REST request and cap each project at that object's throughput,
 * the bottleneck the design keeps off hot paths. `wrangler dev` runs one isolate, so there the limit is exact.
 */

export interface RateLimit {
  /** Tokens added per second. */
  perSecond: number;
  /** Bucket size: the most requests at once after a quiet spell. */
  burst: number;
}

export const DEFAULT_REST_RATE_LIMIT: RateLimit = { perSecond: 50, burst: 100 };

/** Beyond this many clients the least recently seen buckets go; they have refilled long ago. */
const MAX_BUCKETS = 10_000;

interface Bucket {
  tokens: number;
  updatedAt: number;
}

const buckets = new Map<string, Bucket>();

/** Reads REST_RATE_PER_SECOND and REST_RATE_BURST; a mistake throws an error naming the variable. */
export function restRateLimitFrom(env: Env): RateLimit {
  return {
    perSecond: positiveNumber(env, 'REST_RATE_PER_SECOND', DEFAULT_REST_RATE_LIMIT.perSecond),
    burst: positiveNumber(env, 'REST_RATE_BURST', DEFAULT_REST_RATE_LIMIT.burst),
  };
}

function positiveNumber(env: Env, name: 'REST_RATE_PER_SECOND' | 'REST_RATE_BURST', fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, not "${raw}"`);
  return value;
}

/** Whose bucket a request draws on: its project's, when it carries the project secret, else its client's. */
export function rateLimitKey(request: Request, project: ProjectConfig | undefined): string {
  const secret = bearer(request);
  if (project && secret && sameSecret(secret, project.secret)) return `project:${project.projectId}`;
  return `ip:${request.headers.get('cf-connecting-ip') ?? 'unknown'}`;
}

/** Takes one token from the key's bucket; returns how many seconds to wait when it is empty, else 0. */
export function takeToken(key: string, limit: RateLimit, now = Date.now()): number {
  const bucket = buckets.get(key) ?? { tokens: limit.burst, updatedAt: now };
  bucket.tokens = Math.min(limit.burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * limit.perSecond);
  bucket.updatedAt = now;
  // Re-inserting keeps the Map in order of last use, so eviction drops the longest idle buckets.
  buckets.delete(key);
  buckets.set(key, bucket);
  if (buckets.size > MAX_BUCKETS) buckets.delete(buckets.keys().next().value!);
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return 0;
  }
  return (1 - bucket.tokens) / limit.perSecond;
}

/** A 429 `rate_limited` answer when the request's bucket is empty, else null. */
export function rateLimited(request: Request, env: Env, project: ProjectConfig | undefined): Response | null {
  const wait = takeToken(rateLimitKey(request, project), restRateLimitFrom(env));
  if (wait === 0) return null;
  const retryAfter = Math.max(1, Math.ceil(wait));
  return json({ code: 'rate_limited', message: `too many requests; retry in ${retryAfter} s` }, 429, { 'retry-after': String(retryAfter) });
}
