import {
  callDirectionSchema,
  callOutcomeSchema,
  callTypeSchema,
  endReasonSchema,
  errorCodeSchema,
  invitationViewSchema,
  inviteeStateSchema,
  outboxKindSchema,
  presenceStatusSchema,
  webhookDeliveryStatusSchema,
  webhookEndpointSourceSchema,
  webhookEventTypeSchema,
} from '../protocol/lists.js';
import { participantRoleSchema, roomEndReasonSchema } from '../protocol/room.js';
import * as z from '../protocol/zod.js';
import { REQUEST_BODY_JSON_SCHEMAS } from './openapi-bodies.generated.js';

/**
 * The component schemas of the OpenAPI document (src/server/openapi.ts). Request bodies and every list of
 * values are generated from the zod schemas the server validates with, so they cannot drift (the bodies ahead of
 * time: src/server/openapi-bodies.ts); response shapes are written out here and test/rest.test.ts checks real
 * responses against them.
 */

export type Schema = Record<string, unknown>;

export const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
export const str: Schema = { type: 'string' };
const nullable = (schema: Schema): Schema => ({ anyOf: [schema, { type: 'null' }] });
const int: Schema = { type: 'integer' };
const bool: Schema = { type: 'boolean' };
const ms: Schema = { type: 'integer', description: 'Epoch milliseconds, server clock.' };

/** Properties a response may leave out, so `object` does not list them as required. */
const optionalProperties = new WeakSet<Schema>();
const optional = (schema: Schema): Schema => (optionalProperties.add(schema), schema);

function object(
  properties: Record<string, Schema>,
  required: string[] = Object.keys(properties).filter((name) => !optionalProperties.has(properties[name]!)),
  description?: string,
): Schema {
  return { type: 'object', properties, required, additionalProperties: false, ...(description ? { description } : {}) };
}

export function enumOf(schema: { options: readonly string[] }): Schema {
  return { type: 'string', enum: [...schema.options] };
}

/** The fields every invitee of an invitation receives. */
const invitationProperties: Record<string, Schema> = {
  invitationId: str,
  from: str,
  fromUser: ref('UserInfo'),
  to: { type: 'array', items: str },
  callType: ref('CallType'),
  roomName: str,
  roomUrl: nullable(str),
  message: nullable(str),
  metadata: nullable({ type: 'object' }),
  createdAt: ms,
  expiresAt: ms,
  ring: optional({
    type: 'boolean',
    const: false,
    description: 'False on a quiet invitation (sent with `ring: false`): no ringing, no ring push, never a missed call. Absent otherwise.',
  }),
};

const webhookEndpointProperties: Record<string, Schema> = {
  id: str,
  url: str,
  description: nullable(str),
  events: { ...nullable({ type: 'array', items: ref('WebhookEventType') }), description: 'Null: every event type.' },
  enabled: bool,
  disabledReason: { ...nullable(str), description: '"gone" after the receiver answered 410, "manual" when turned off through the API.' },
  source: enumOf(webhookEndpointSourceSchema),
  createdAt: ms,
  updatedAt: ms,
};

/** Events after creation carry the invitation without its message and metadata. */
const inviteeEventInvitationProperties = Object.fromEntries(Object.entries(invitationProperties).filter(([name]) => name !== 'message' && name !== 'metadata'));

export const componentSchemas: Record<string, Schema> = {
  Error: object({ code: enumOf(errorCodeSchema), message: str }, ['code', 'message'], 'Every error; the codes are those of the WebSocket protocol.'),
  UserInfo: object({ userId: str, name: nullable(str), avatarUrl: nullable(str) }),
  CallType: enumOf(callTypeSchema),
  InviteeState: enumOf(inviteeStateSchema),
  Reason: nullable(enumOf(endReasonSchema)),
  InviteeStatus: object({ userId: str, user: ref('UserInfo'), delivered: bool, state: ref('InviteeState'), reason: ref('Reason'), message: nullable(str) }, [
    'userId',
    'user',
    'delivered',
    'state',
  ]),
  Invitation: object(
    {
      ...invitationProperties,
      invitees: { type: 'array', items: ref('InviteeStatus') },
      view: { ...enumOf(invitationViewSchema), description: "Whose inbox answered: the sender's lists every invitee, an invitee's only itself." },
    },
    undefined,
    'An invitation as the named user’s inbox holds it.',
  ),
  SendInvitationResult: object(
    {
      invitationId: str,
      roomName: str,
      roomUrl: nullable(str),
      callType: ref('CallType'),
      createdAt: ms,
      expiresAt: ms,
      invitees: { type: 'array', items: ref('InviteeStatus') },
      joined: { type: 'boolean', description: 'The invitee was already calling the sender; the send joined that call (glare).' },
      existing: { type: 'boolean', description: 'An equal invitation was already pending and is returned instead of a new one.' },
    },
    ['invitationId', 'roomName', 'roomUrl', 'callType', 'createdAt', 'expiresAt', 'invitees'],
  ),
  CancelResult: object({ invitationId: str, canceled: { type: 'array', items: str } }),
  AnswerResult: object({ invitationId: str, state: ref('InviteeState') }),
  PresenceInfo: object({ userId: str, status: enumOf(presenceStatusSchema), lastSeen: nullable(ms) }),
  PresenceList: object({ presence: { type: 'array', items: ref('PresenceInfo') } }),
  ContactList: object({ contacts: { type: 'array', items: str } }),
  CallHistoryEntry: object({
    invitationId: str,
    direction: enumOf(callDirectionSchema),
    counterpart: ref('UserInfo'),
    callType: ref('CallType'),
    roomName: str,
    roomUrl: nullable(str),
    message: nullable(str),
    // A backend has no device of its own, so the REST history reports "answered elsewhere" as accepted.
    outcome: enumOf(z.exclude(callOutcomeSchema, ['answered_elsewhere'])),
    reason: ref('Reason'),
    replyMessage: nullable(str),
    missed: {
      type: 'boolean',
      description:
        'Counts as a missed call: an incoming call that rang and ended unanswered (rang out, or canceled by the caller after it rang; `outcome` is then `missed`).',
    },
    createdAt: ms,
    endedAt: { ...nullable(ms), description: 'When the outcome was decided; null while pending.' },
    callStartedAt: { ...nullable(ms), description: 'When the call in the room began (a second participant joined); null when it never did.' },
    callEndedAt: { ...nullable(ms), description: 'When that call ended; null while it lasts or when it never began.' },
    durationMs: { ...nullable(int), description: 'How long the call lasted; null until it ended.' },
  }),
  CallHistoryPage: object({
    entries: { type: 'array', items: ref('CallHistoryEntry') },
    nextBefore: { ...nullable(int), description: 'Pass as `before` for the next, older page; null on the last page.' },
    missedCalls: int,
  }),
  Token: object({ token: str, expiresAt: ms }),
  Session: object({ userId: str, expiresAt: ms }),
  WebhookEventType: enumOf(webhookEventTypeSchema),
  WebhookEndpoint: object(webhookEndpointProperties),
  WebhookEndpointCreated: object({
    ...webhookEndpointProperties,
    secret: { type: 'string', description: 'The whsec_ signing secret. Keep it on the receiving backend.' },
  }),
  WebhookEndpointList: object({ endpoints: { type: 'array', items: ref('WebhookEndpoint') } }),
  WebhookSecret: object({ secret: str }),
  DeliveryAttempt: object({
    id: int,
    eventId: { type: 'string', description: 'The webhook-id header of the message.' },
    endpointId: str,
    attempt: int,
    at: ms,
    status: { ...nullable(int), description: 'HTTP status; null when no response came (network error, timeout).' },
    error: nullable(str),
    durationMs: int,
    nextAttemptAt: { ...nullable(ms), description: 'When the next attempt is due; null when none is.' },
  }),
  DeliveryAttemptList: object({ attempts: { type: 'array', items: ref('DeliveryAttempt') } }),
  MessageDelivery: object({
    eventId: str,
    eventType: ref('WebhookEventType'),
    endpointId: str,
    status: enumOf(webhookDeliveryStatusSchema),
    attempts: int,
    nextAttemptAt: nullable(ms),
    lastStatus: nullable(int),
    lastError: nullable(str),
    createdAt: ms,
    updatedAt: ms,
  }),
  MessageDeliveryList: object({ messages: { type: 'array', items: ref('MessageDelivery') } }),
  VapidKeys: object({
    publicKey: { type: 'string', description: 'Uncompressed P-256 public key, base64url: the applicationServerKey.' },
    subject: str,
    createdAt: ms,
  }),
  VapidPublicKey: object({ publicKey: str }),
  PushSubscriptionList: object({
    subscriptions: { type: 'array', items: object({ endpoint: str, deviceId: str, createdAt: ms, expirationTime: nullable(ms) }) },
  }),
  DeadLetter: object({
    id: int,
    target: { type: 'string', description: 'The user whose inbox the message was for; the project id for an `event` to the project hub.' },
    kind: {
      ...enumOf(outboxKindSchema),
      description: "`deliver` an invitation, an invitee's `update`, a `cancel`, a `sync` after expiry, or an `event` for webhooks and push.",
    },
    payload: { type: 'object', description: 'The message as it would have been sent.' },
    attempts: int,
    createdAt: ms,
    failedAt: { ...ms, description: 'When the inbox gave up.' },
    error: { ...nullable(str), description: 'The last failure.' },
  }),
  DeadLetterList: object({ deadLetters: { type: 'array', items: ref('DeadLetter') } }),
  Subscribed: object({ subscribed: { type: 'boolean', const: true } }),
  Removed: object({ removed: bool }),
  Health: object({ ok: { type: 'boolean', const: true } }),
  CreatedInvitee: object({
    userId: str,
    online: { type: 'boolean', description: 'A device of the invitee had the app open. Push to invitees that are not online.' },
    delivered: { type: 'boolean', description: 'The invitation rings on at least one of their devices.' },
    state: ref('InviteeState'),
    reason: ref('Reason'),
  }),
  InvitationSummary: object(invitationProperties),
  InvitationCreatedEvent: object({
    type: { const: 'invitation.created' },
    timestamp: { type: 'string', format: 'date-time' },
    data: object({ projectId: str, invitation: ref('InvitationSummary'), invitees: { type: 'array', items: ref('CreatedInvitee') } }),
  }),
  InviteeEvent: object({
    type: enumOf(z.exclude(webhookEventTypeSchema, ['invitation.created', 'call.started', 'call.ended'])),
    timestamp: { type: 'string', format: 'date-time' },
    data: object({
      projectId: str,
      ...inviteeEventInvitationProperties,
      userId: { type: 'string', description: 'The invitee this event is about.' },
      user: ref('UserInfo'),
      state: ref('InviteeState'),
      reason: ref('Reason'),
      message: { ...nullable(str), description: 'The decline message, when declined with one.' },
      at: ms,
      missed: optional({
        type: 'boolean',
        description:
          'On invitation.canceled and invitation.expired: the invitee missed the call (it rang on a connected device or by push, and ended unanswered). False for a cancel before it rang and for a quiet invitation.',
      }),
    }),
  }),
  CallEvent: object({
    type: enumOf(z.extract(webhookEventTypeSchema, ['call.started', 'call.ended'])),
    timestamp: { type: 'string', format: 'date-time' },
    data: object({
      projectId: str,
      roomName: str,
      liveType: ref('CallType'),
      callId: { type: 'string', description: 'The same in the start and the end of one call.' },
      startedAt: { ...ms, description: 'When the second participant joined.' },
      endedAt: { ...nullable(ms), description: 'Null in call.started.' },
      durationMs: { ...nullable(int), description: 'Null in call.started.' },
      reason: {
        ...nullable(enumOf(roomEndReasonSchema)),
        description:
          '`hangup`: a side of a 1:1 call (or the last host of a live stream) left; `last_participant`: one participant of a group was left. Null in call.started.',
      },
      participants: {
        type: 'array',
        description: 'Everyone who took part so far, one entry per user, in the strongest role they had.',
        items: object({ userId: str, role: enumOf(participantRoleSchema) }),
      },
    }),
  }),
  // Generated ahead of time from the schemas of src/server/rest-schemas.ts (src/server/openapi-bodies.ts).
  ...REQUEST_BODY_JSON_SCHEMAS,
};
