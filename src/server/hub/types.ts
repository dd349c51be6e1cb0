import type { InviteeState } from '../../protocol/types.js';
import type { PushSubscriptionRecord } from '../push/subscriptions.js';
import type { InvitationSummary, WebhookEventType } from '../webhooks.js';

/** What the hub's storage hands out and takes in: webhook deliveries and their attempts, endpoints, push jobs. */

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface DeliveryAttempt {
  id: number;
  eventId: string;
  endpointId: string;
  attempt: number;
  at: number;
  /** HTTP status, or null when no response came. */
  status: number | null;
  error: string | null;
  durationMs: number;
  /** When the next attempt is due; null when this was the last one. */
  nextAttemptAt: number | null;
}

export interface MessageDelivery {
  eventId: string;
  eventType: string;
  endpointId: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: number | null;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
}

/** A due delivery, with what sending it takes. */
export interface DueDelivery {
  id: number;
  eventId: string;
  endpointId: string;
  /** Attempts made so far. */
  attempts: number;
  url: string;
  secret: string;
  body: string;
}

/** What one attempt decided for its delivery. */
export interface AttemptRecord {
  status: DeliveryStatus;
  /** The attempt's number, from 1. */
  attempt: number;
  nextAt: number | null;
  httpStatus: number | null;
  error: string | null;
  startedAt: number;
  durationMs: number;
}

/** An endpoint's settings as written; events null (or empty) means every type. */
export interface EndpointSettings {
  url: string;
  secret: string;
  description: string | null;
  events: WebhookEventType[] | null;
}

export interface PushJobInput {
  orderId: string;
  userId: string;
  invitationId: string;
  kind: 'ring' | 'close';
  subscription: PushSubscriptionRecord;
  invitation: InvitationSummary;
  state: InviteeState;
  /** On a close: the invitation ended as a missed call, and the user's missed-call count after it. */
  missed?: { missedCalls: number };
  /** The push is pointless after this; the job is dropped then. */
  deadline: number;
}

export interface PushJob extends PushJobInput {
  id: number;
  /** Attempts that failed so far. */
  attempts: number;
}
