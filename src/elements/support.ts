import type { ConnectionStatus } from '../client/types.js';

/** Texts for a connection that cannot carry requests. */
export interface ConnectionStrings {
  connecting: string;
  reconnecting: string;
  unauthorized: string;
  closed: string;
}

/** Why requests cannot be sent now, or undefined when the connection is open. */
export function connectionProblem(connection: ConnectionStatus, text: ConnectionStrings): string | undefined {
  return connection === 'open' ? undefined : text[connection];
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** A room name nobody else will pick; `randomUUID` exists only in secure contexts, hence the fallback. */
export function newRoomName(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
