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

/** Which element follows each outgoing invitation, so two buttons to the same callee do not both report it. */
const followers = new Map<string, object>();

/** Elements sending right now, by what they send: the new invitation may reach the store before the answer. */
const sending = new Map<string, object>();

/** Marks `owner` as sending invitations like `key` until `done` is called. */
export function reserveInvitation(key: string, owner: object): () => void {
  sending.set(key, owner);
  return () => {
    if (sending.get(key) === owner) sending.delete(key);
  };
}

/** Lets `owner` follow an invitation unless another element already does or is sending it; true when it may. */
export function claimInvitation(invitationId: string, key: string, owner: object): boolean {
  const current = followers.get(invitationId) ?? sending.get(key);
  if (current && current !== owner) return false;
  followers.set(invitationId, owner);
  return true;
}

/** Frees every invitation `owner` followed, e.g. when it leaves the page. */
export function releaseInvitations(owner: object): void {
  for (const [invitationId, follower] of followers) if (follower === owner) followers.delete(invitationId);
}

/** The focused element, looking inside shadow roots, so focus can return to a control inside another element. */
export function deepActiveElement(): HTMLElement | undefined {
  let active = document.activeElement;
  while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
  return active instanceof HTMLElement && active !== document.body ? active : undefined;
}
