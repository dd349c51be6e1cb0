import type { InviteeState, ReceivedInvitation, SentInvitation, UserInfo } from '../protocol/types.js';
import type { Env } from './config.js';
import { hubShardCount, orderKey, shardName, shardOf, type ShardEnv } from './hub/shards.js';
import { receivedFromRow, type IncomingRow } from './inbox/rows.js';
import type { PushSubscriptionRecord } from './push/subscriptions.js';
import type { CallEventData, InvitationSummary, InviteeEventData, WebhookPayload } from './webhooks.js';

/**
 * What a UserInbox tells the project's hub about an invitation. The inbox builds the order synchronously from
 * its own state and hands it over through its durable outbox, so the hub (webhook receivers, push services)
 * is never awaited while a call rings.
 */
export type InboxEvent =
  /** Sender side, after every delivery was tried. */
  | { type: 'invitation.created'; invitation: SentInvitation }
  /** Invitee side: a pending invitation was stored; `delivered` when a device of the invitee rings. */
  | { type: 'invitation.received'; invitation: ReceivedInvitation; delivered: boolean }
  /** Invitee side: a device connected and an invitation that had reached none now rings. */
  | { type: 'invitation.delivered'; row: IncomingRow }
  /** Invitee side: the invitee's outcome was decided. */
  | {
      type: 'invitation.resolved';
      row: IncomingRow;
      state: InviteeState;
      reason?: string | null;
      message?: string | null;
      /** The end counts as a missed call (src/server/inbox/incoming.ts, `countsAsMissed`). */
      missed?: boolean;
      /** With `missed`: the user's missed-call count after it. */
      missedCalls?: number;
    };

export interface PushOrder {
  userId: string;
  invitationId: string;
  kind: 'ring' | 'close';
  invitation: InvitationSummary;
  state: InviteeState;
  subscriptions: PushSubscriptionRecord[];
  /** On a close: the invitation ended as a missed call, and the user's missed-call count after it. */
  missed?: { missedCalls: number };
}

/** One unit of the inbox → hub outbox. The id becomes the `webhook-id`, so retries of the hand-over dedupe. */
export interface HubOrder {
  id: string;
  webhook: WebhookPayload | null;
  push: PushOrder | null;
}

/** The inbox's record of its user's push subscriptions and of which invitations rang by push. */
export interface PushLedger {
  pushSubscriptions(): PushSubscriptionRecord[];
  /** Notes that a push rang for this invitation, so its outcome closes the notification. */
  markPushed(invitationId: string): void;
  /** Whether a push rang for this invitation; forgets it. */
  takePushed(invitationId: string): boolean;
}

export interface EventSource {
  projectId: string;
  me: UserInfo;
  push: PushLedger;
}

function newMessageId(): string {
  return `msg_${crypto.randomUUID().replace(/-/g, '')}`;
}

function summaryOf(invitation: ReceivedInvitation | SentInvitation): InvitationSummary {
  const { invitationId, from, fromUser, to, callType, roomName, roomUrl, message, metadata, createdAt, expiresAt, ring } = invitation;
  return { invitationId, from, fromUser, to, callType, roomName, roomUrl, message, metadata, createdAt, expiresAt, ...(ring === false ? { ring } : {}) };
}

function summaryOfRow(row: IncomingRow): InvitationSummary {
  return summaryOf(receivedFromRow(row));
}

function inviteeData(source: EventSource, summary: InvitationSummary, state: InviteeState, reason: string | null, message: string | null): InviteeEventData {
  return {
    projectId: source.projectId,
    invitationId: summary.invitationId,
    from: summary.from,
    fromUser: summary.fromUser,
    to: summary.to,
    callType: summary.callType,
    roomName: summary.roomName,
    roomUrl: summary.roomUrl,
    createdAt: summary.createdAt,
    expiresAt: summary.expiresAt,
    ...(summary.ring === false ? { ring: false as const } : {}),
    userId: source.me.userId,
    user: source.me,
    state,
    reason,
    message,
    at: Date.now(),
  };
}

/** Turns an inbox lifecycle event into the webhook and push work it causes; null when it causes none. */
export function hubOrderFor(event: InboxEvent, source: EventSource): HubOrder | null {
  const timestamp = new Date().toISOString();
  switch (event.type) {
    case 'invitation.created': {
      const invitees = event.invitation.invitees.map((invitee) => ({
        userId: invitee.userId,
        // A busy invitee declines automatically only while connected, so "busy" also means "online".
        online: invitee.delivered || invitee.reason === 'busy',
        delivered: invitee.delivered,
        state: invitee.state,
        reason: invitee.reason ?? null,
      }));
      return {
        id: newMessageId(),
        webhook: { type: 'invitation.created', timestamp, data: { projectId: source.projectId, invitation: summaryOf(event.invitation), invitees } },
        push: null,
      };
    }
    case 'invitation.received': {
      const summary = summaryOf(event.invitation);
      if (event.delivered) {
        return {
          id: newMessageId(),
          webhook: { type: 'invitation.delivered', timestamp, data: inviteeData(source, summary, 'pending', null, null) },
          push: null,
        };
      }
      // A quiet invitation rings no device: no push. Webhooks still tell a backend of it (invitation.created).
      if (event.invitation.ring === false) return null;
      const subscriptions = source.push.pushSubscriptions();
      if (subscriptions.length === 0) return null;
      source.push.markPushed(summary.invitationId);
      return {
        id: newMessageId(),
        webhook: null,
        push: { userId: source.me.userId, invitationId: summary.invitationId, kind: 'ring', invitation: summary, state: 'pending', subscriptions },
      };
    }
    case 'invitation.delivered':
      return {
        id: newMessageId(),
        webhook: { type: 'invitation.delivered', timestamp, data: inviteeData(source, summaryOfRow(event.row), 'pending', null, null) },
        push: null,
      };
    case 'invitation.resolved': {
      if (event.state === 'pending') return null;
      const summary = summaryOfRow(event.row);
      const type = `invitation.${event.state}` as const;
      const pushed = source.push.takePushed(summary.invitationId);
      const subscriptions = pushed ? source.push.pushSubscriptions() : [];
      const data = inviteeData(source, summary, event.state, event.reason ?? null, event.message ?? null);
      // Whether the invitee missed the call: on every canceled and expired event.
      if (event.state === 'canceled' || event.state === 'expired') data.missed = event.missed ?? false;
      const missed = event.missed ? { missedCalls: event.missedCalls ?? 0 } : undefined;
      return {
        id: newMessageId(),
        webhook: { type, timestamp, data },
        push:
          subscriptions.length > 0
            ? { userId: source.me.userId, invitationId: summary.invitationId, kind: 'close', invitation: summary, state: event.state, subscriptions, missed }
            : null,
      };
    }
  }
}

/** A call's start or end (src/server/room/call-room.ts) as an order for the hub: a webhook, no push. */
export function callEventOrder(type: 'call.started' | 'call.ended', data: CallEventData): HubOrder {
  return { id: newMessageId(), webhook: { type, timestamp: new Date().toISOString(), data }, push: null };
}

/** The hub of one project, for the outboxes of inboxes and call rooms. */
export interface ProjectHubRpc {
  ingest(order: HubOrder): Promise<{ listening: boolean }>;
}

/**
 * The project's hub as the outboxes see it: each order goes to the shard of its invitation (or room), so a busy
 * project spreads over HUB_SHARDS objects while one invitation's events stay together, in order
 * (src/server/hub/shards.ts).
 */
export function projectHub(env: Env, projectId: string): ProjectHubRpc {
  const namespace = (env as Env & { ProjectHub: DurableObjectNamespace }).ProjectHub;
  return {
    ingest(order) {
      const shard = shardOf(orderKey(order), hubShardCount(env as Env & ShardEnv));
      return (namespace.get(namespace.idFromName(shardName(projectId, shard))) as unknown as ProjectHubRpc).ingest(order);
    },
  };
}
