import type { ClientFrame } from '../protocol/frames.js';
import { errorCodeSchema, type InvitationViewer, type OutboxKind } from '../protocol/lists.js';
import type { ErrorCode, InviteeStatus, SentInvitation, UserInfo } from '../protocol/types.js';
import { receivedFromRow, sentFromRows, type DeadLetterRow } from './inbox/rows.js';
import type { InboxStore } from './inbox/store.js';
import type { PushSubscriptionRecord } from './push/subscriptions.js';

/**
 * Requests that reach a UserInbox without a socket: the REST API (an app backend acting for a user, or a
 * service worker answering from a notification) and the ProjectHub (dropping expired push subscriptions).
 * Socket-shaped requests run through the inbox's own request handler, as a device with no connection, so
 * they share its validation, idempotency and effects.
 */
export type BackendCall =
  | { op: 'frame'; frame: ClientFrame; deviceId: string; profile?: { name?: string | null; avatarUrl?: string | null } }
  | { op: 'invitation.get'; invitationId: string }
  | { op: 'push.subscribe'; subscription: PushSubscriptionRecord }
  | { op: 'push.unsubscribe'; endpoint: string }
  | { op: 'push.list' }
  | { op: 'deadLetters.list'; limit: number }
  | { op: 'contacts.get' }
  | { op: 'contacts.set'; contacts: string[] };

export type BackendResult = { ok: true; result: unknown } | { ok: false; code: ErrorCode; message: string };

/** An invitation as one of its parties' inboxes knows it: the sender sees every invitee, an invitee only itself. */
export interface InvitationView extends SentInvitation {
  view: InvitationViewer;
}

/** An outbox message the inbox gave up on after retrying it for the longest allowed time. */
export interface DeadLetter {
  id: number;
  /** The user whose inbox it was for, or the project id for an `event` to the project's hub. */
  target: string;
  kind: OutboxKind;
  payload: unknown;
  attempts: number;
  createdAt: number;
  failedAt: number;
  error: string | null;
}

export interface BackendHost {
  store: InboxStore;
  me(): UserInfo;
  /** Runs one request frame as the given device, as if it came over a socket without one. */
  handle(frame: ClientFrame, deviceId: string): Promise<unknown>;
  /** Replaces the contacts the app backend lists for this user (src/server/inbox/contacts.ts); returns them as stored. */
  setContacts(userIds: string[]): string[];
}

const ERROR_CODES = new Set<string>(errorCodeSchema.options);

export async function runBackendCall(call: BackendCall, host: BackendHost): Promise<BackendResult> {
  try {
    switch (call.op) {
      case 'frame':
        if (call.profile && (call.profile.name !== undefined || call.profile.avatarUrl !== undefined)) {
          host.store.updateIdentity(call.profile.name ?? null, call.profile.avatarUrl ?? null);
        }
        return { ok: true, result: await host.handle(call.frame, call.deviceId) };
      case 'invitation.get': {
        const view = invitationView(host, call.invitationId);
        return view ? { ok: true, result: view } : { ok: false, code: 'not_found', message: 'no such invitation for this user' };
      }
      case 'push.subscribe':
        host.store.savePushSubscription(call.subscription);
        return { ok: true, result: { subscribed: true } };
      case 'push.unsubscribe':
        return { ok: true, result: { removed: host.store.removePushSubscription(call.endpoint) } };
      case 'push.list':
        return { ok: true, result: host.store.pushSubscriptions() };
      case 'deadLetters.list':
        return { ok: true, result: host.store.deadLetters(call.limit).map(deadLetterFromRow) };
      case 'contacts.get':
        return { ok: true, result: host.store.backendContacts() };
      case 'contacts.set':
        return { ok: true, result: host.setContacts(call.contacts) };
    }
  } catch (error) {
    const code = (error as { code?: unknown })?.code;
    if (error instanceof Error && typeof code === 'string' && ERROR_CODES.has(code)) return { ok: false, code: code as ErrorCode, message: error.message };
    throw error;
  }
}

function invitationView(host: BackendHost, invitationId: string): InvitationView | null {
  const me = host.me();
  const outgoing = host.store.outgoing(invitationId);
  if (outgoing) return { ...sentFromRows(outgoing, me, host.store.invitees(invitationId)), view: 'sender' };
  const incoming = host.store.incoming(invitationId);
  if (!incoming) return null;
  const self: InviteeStatus = {
    userId: me.userId,
    user: me,
    delivered: incoming.delivered === 1,
    state: incoming.state as InviteeStatus['state'],
    reason: (incoming.reason as InviteeStatus['reason']) ?? null,
    message: incoming.reply_message,
  };
  return { ...receivedFromRow(incoming), invitees: [self], view: 'invitee' };
}

function deadLetterFromRow(row: DeadLetterRow): DeadLetter {
  return {
    id: row.id,
    target: row.target,
    kind: row.kind as OutboxKind,
    payload: JSON.parse(row.payload),
    attempts: row.attempts,
    createdAt: row.created_at,
    failedAt: row.failed_at,
    error: row.error,
  };
}
