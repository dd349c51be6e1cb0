import * as z from './zod.js';

/**
 * Every closed list of values the socket protocol, the REST API and webhooks speak, declared once. Frames, REST
 * bodies and the OpenAPI document read these schemas and their `options`; the types are derived from them.
 */

export const callTypeSchema = z.enum(['video_call', 'audio_call', 'live_streaming']);
export type CallType = z.infer<typeof callTypeSchema>;

export const declineReasonSchema = z.enum(['busy', 'declined', 'unavailable']);
export type DeclineReason = z.infer<typeof declineReasonSchema>;

export const cancelReasonSchema = z.enum(['canceled', 'caller_disconnected', 'glare']);
export type CancelReason = z.infer<typeof cancelReasonSchema>;

/** Why an invitee's invitation was declined or canceled. */
export const endReasonSchema = z.enum([...declineReasonSchema.options, ...cancelReasonSchema.options]);
export type EndReason = z.infer<typeof endReasonSchema>;

export const presenceStatusSchema = z.enum(['online', 'busy', 'offline']);
export type PresenceStatus = z.infer<typeof presenceStatusSchema>;

/** What users set their own presence to; `offline` follows from having no connection. */
export const ownPresenceSchema = z.exclude(presenceStatusSchema, ['offline']);
export type OwnPresence = z.infer<typeof ownPresenceSchema>;

/** The state of one invitee's answer to an invitation. */
export const inviteeStateSchema = z.enum(['pending', 'accepted', 'declined', 'canceled', 'expired']);
export type InviteeState = z.infer<typeof inviteeStateSchema>;

/** How a call in the history ended, as one device sees it. */
export const callOutcomeSchema = z.enum(['pending', 'accepted', 'declined', 'canceled', 'missed', 'answered_elsewhere']);
export type CallOutcome = z.infer<typeof callOutcomeSchema>;

/** `outgoing` on the caller's side, `incoming` on an invitee's. */
export const callDirectionSchema = z.enum(['incoming', 'outgoing']);
export type CallDirection = z.infer<typeof callDirectionSchema>;

export const errorCodeSchema = z.enum([
  'unauthorized',
  'forbidden',
  'not_found',
  'not_pending',
  'invalid_request',
  'rate_limited',
  'timeout',
  'disconnected',
  // Calls: the room has as many participants as its transport allows.
  'room_full',
  // Calls (client side): the browser refused the camera or microphone, or there is none.
  'media_denied',
  // Calls (client side): this runtime has no WebRTC (e.g. Node).
  'unsupported',
  // A server fault; the request may be retried.
  'internal',
  // A cap on what one user may hold (pending invitations, presence watchers) is reached.
  'limit_exceeded',
]);
export type ErrorCode = z.infer<typeof errorCodeSchema>;

/** Whose inbox answered a REST read of an invitation: the sender's lists every invitee, an invitee's only itself. */
export const invitationViewSchema = z.enum(['sender', 'invitee']);
export type InvitationViewer = z.infer<typeof invitationViewSchema>;

export const webhookEventTypeSchema = z.enum([
  'invitation.created',
  'invitation.delivered',
  'invitation.accepted',
  'invitation.declined',
  'invitation.canceled',
  'invitation.expired',
  // Calls: a room's call began (its second participant joined) and ended.
  'call.started',
  'call.ended',
]);
export type WebhookEventType = z.infer<typeof webhookEventTypeSchema>;
export const WEBHOOK_EVENT_TYPES = webhookEventTypeSchema.options;

/** Where a webhook message stands at one endpoint. */
export const webhookDeliveryStatusSchema = z.enum(['pending', 'delivered', 'failed']);
export type WebhookDeliveryStatus = z.infer<typeof webhookDeliveryStatusSchema>;

/** Whether a webhook endpoint was added through the API or comes from the project configuration. */
export const webhookEndpointSourceSchema = z.enum(['api', 'config']);
export type WebhookEndpointSource = z.infer<typeof webhookEndpointSourceSchema>;

/** What an inbox's durable outbox carries (src/server/rpc.ts); dead letters name their kind. */
export const outboxKindSchema = z.enum(['deliver', 'update', 'cancel', 'sync', 'event']);
export type OutboxKind = z.infer<typeof outboxKindSchema>;
