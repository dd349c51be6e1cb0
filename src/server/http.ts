import type { ErrorCode } from '../protocol/types.js';

const STATUS: Record<ErrorCode, number> = {
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  not_pending: 409,
  invalid_request: 400,
  rate_limited: 429,
  timeout: 504,
  disconnected: 503,
  room_full: 409,
  media_denied: 400,
  unsupported: 501,
  internal: 500,
  limit_exceeded: 429,
};

/** A refusal with a typed code, thrown where it is found and answered by the Worker or the REST router. */
export class HttpError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** Decodes a percent-encoded path segment; malformed encoding is the client's mistake, not a server fault. */
export function decodePathSegment(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new HttpError('invalid_request', 'the path has malformed percent-encoding');
  }
}

export function json(body: unknown, status = 200, headers: HeadersInit = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

/** REST errors use the socket's error codes, with the matching HTTP status. */
export function errorResponse(code: ErrorCode, message: string, status = STATUS[code]): Response {
  return json({ code, message }, status);
}

export function bearer(request: Request): string | null {
  const header = request.headers.get('authorization') ?? '';
  return header.toLowerCase().startsWith('bearer ') ? header.slice(7).trim() : null;
}

/** Compares secrets in time independent of where they differ. */
export function sameSecret(a: string, b: string): boolean {
  const left = new TextEncoder().encode(a);
  const right = new TextEncoder().encode(b);
  let diff = left.length ^ right.length;
  for (let i = 0; i < Math.max(left.length, right.length); i++) diff |= (left[i] ?? 0) ^ (right[i] ?? 0);
  return diff === 0;
}
