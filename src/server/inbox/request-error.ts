import type { ErrorCode } from '../../protocol/types.js';

/** Raised inside a request handler; becomes a typed error frame for the requesting connection. */
export class RequestError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}
