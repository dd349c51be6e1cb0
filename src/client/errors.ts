import type { ErrorCode } from '../protocol/types.js';

/** A request the server refused, or one that could not reach it. */
export class BaxCloudError extends Error {
  override readonly name = 'BaxCloudError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly requestId: string | null = null,
  ) {
    super(message);
  }
}
