import * as z from './zod.js';
import { LIMITS, USER_ID_PATTERN } from './limits.js';
import { callTypeSchema, declineReasonSchema, ownPresenceSchema, type ErrorCode } from './lists.js';
import { roomFrameSchemas, roomNameSchema, type RoomJoinResult, type RoomParticipant, type RoomServerFrame } from './room.js';
import { isAvatarUrl, isHttpUrl, multiLine, singleLine } from './sanitize.js';
import type {
  AnswerResult,
  CallHistoryPage,
  CancelResult,
  InvitationAcceptedEvent,
  InvitationAnsweredElsewhereEvent,
  InvitationCanceledEvent,
  InvitationDeclinedEvent,
  InvitationDeliveredEvent,
  InvitationExpiredEvent,
  PresenceInfo,
  ReceivedInvitation,
  SendInvitationResult,
  SentInvitation,
  Snapshot,
} from './types.js';

const requestId = z.string().check(z.minLength(1), z.maxLength(64));
export const userId = z.string().check(z.regex(USER_ID_PATTERN, 'a user id is 1-128 of A-Z a-z 0-9 _ . @ + -'));
const invitationId = z.string().check(z.minLength(1), z.maxLength(64));
/** An invitation or decline message; may span lines. */
export const messageSchema = z.pipe(z.string().check(z.maxLength(LIMITS.maxMessageLength)), z.transform(multiLine));

/** A user's shown name, cleaned of control and bidi-override characters (src/protocol/sanitize.ts). */
export const displayNameSchema = z.pipe(z.string().check(z.maxLength(LIMITS.maxNameLength)), z.transform(singleLine));

export const httpUrlSchema = z.string().check(z.maxLength(LIMITS.maxUrlLength), z.refine(isHttpUrl, 'must be an http or https URL'));
export const avatarUrlSchema = z
  .string()
  .check(z.maxLength(LIMITS.maxUrlLength), z.refine(isAvatarUrl, 'must be an http or https URL or a data:image/ picture'));

export const metadataSchema = z
  .record(z.string(), z.unknown())
  .check(
    z.refine(
      (value) => new TextEncoder().encode(JSON.stringify(value)).byteLength <= LIMITS.maxMetadataBytes,
      `metadata must be at most ${LIMITS.maxMetadataBytes} bytes of JSON`,
    ),
  );

/** The fields of a new invitation, shared by the socket frame and the REST API. */
export const invitationFieldsSchema = z.strictObject({
  to: z.union([userId, z.array(userId).check(z.minLength(1), z.maxLength(LIMITS.maxInvitees))]),
  roomName: roomNameSchema,
  callType: callTypeSchema,
  message: z.optional(messageSchema),
  roomUrl: z.optional(httpUrlSchema),
  timeoutSeconds: z.optional(z.number().check(z.int(), z.minimum(LIMITS.minTimeoutSeconds), z.maximum(LIMITS.maxTimeoutSeconds))),
  metadata: z.optional(metadataSchema),
  /** False: a quiet invitation, shown as a notice without ringing (no ringtone, no ring push, never a missed call). */
  ring: z.optional(z.boolean()),
});
export type InvitationFields = z.infer<typeof invitationFieldsSchema>;

export const clientFrameSchema = z.discriminatedUnion('type', [
  z.extend(invitationFieldsSchema, { type: z.literal('invite'), requestId }),
  z.strictObject({ type: z.literal('accept'), requestId, invitationId }),
  z.strictObject({
    type: z.literal('decline'),
    requestId,
    invitationId,
    reason: z.optional(declineReasonSchema),
    message: z.optional(messageSchema),
  }),
  z.strictObject({
    type: z.literal('cancel'),
    requestId,
    invitationId,
    userIds: z.optional(z.array(userId).check(z.minLength(1), z.maxLength(LIMITS.maxInvitees))),
  }),
  z.strictObject({ type: z.literal('presence.set'), requestId, status: ownPresenceSchema }),
  z.strictObject({
    type: z.literal('presence.get'),
    requestId,
    userIds: z.array(userId).check(z.minLength(1), z.maxLength(LIMITS.maxPresenceUsers)),
  }),
  z.strictObject({
    type: z.literal('presence.subscribe'),
    requestId,
    userIds: z.array(userId).check(z.maxLength(LIMITS.maxPresenceUsers)),
  }),
  z.strictObject({
    type: z.literal('history.list'),
    requestId,
    limit: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(LIMITS.maxHistoryPage))),
    before: z.optional(z.number().check(z.int(), z.positive())),
  }),
  z.strictObject({ type: z.literal('history.markSeen'), requestId }),
  z.strictObject({ type: z.literal('ping'), requestId }),
  z.strictObject({ type: z.literal('auth.refresh'), requestId, token: z.string().check(z.minLength(1), z.maxLength(8192)) }),
  z.extend(roomFrameSchemas.join, { type: z.literal('room.join'), requestId }),
  z.extend(roomFrameSchemas.leave, { type: z.literal('room.leave'), requestId }),
  z.extend(roomFrameSchemas.signal, { type: z.literal('room.signal'), requestId }),
  z.extend(roomFrameSchemas.media, { type: z.literal('room.media'), requestId }),
]);
export type ClientFrame = z.infer<typeof clientFrameSchema>;
export type ClientFrameType = ClientFrame['type'];

/** What each request resolves to. */
export interface ResultByType {
  invite: SendInvitationResult;
  accept: AnswerResult;
  decline: AnswerResult;
  cancel: CancelResult;
  'presence.set': PresenceInfo;
  'presence.get': PresenceInfo[];
  'presence.subscribe': PresenceInfo[];
  'history.list': CallHistoryPage;
  'history.markSeen': { missedCalls: number };
  ping: { serverTime: number };
  'auth.refresh': { expiresAt: number };
  'room.join': RoomJoinResult;
  'room.leave': { left: boolean };
  'room.signal': { relayed: boolean };
  'room.media': RoomParticipant;
}

export type ServerFrame =
  | { type: 'result'; requestId: string; result: unknown }
  | { type: 'error'; requestId: string | null; code: ErrorCode; message: string }
  | ({ type: 'snapshot' } & Snapshot)
  | { type: 'invitation.received'; invitation: ReceivedInvitation }
  | ({ type: 'invitation.delivered' } & InvitationDeliveredEvent)
  | ({ type: 'invitation.accepted' } & InvitationAcceptedEvent)
  | ({ type: 'invitation.declined' } & InvitationDeclinedEvent)
  | ({ type: 'invitation.canceled' } & InvitationCanceledEvent)
  | ({ type: 'invitation.expired' } & InvitationExpiredEvent)
  | ({ type: 'invitation.answered_elsewhere' } & InvitationAnsweredElsewhereEvent)
  | { type: 'invitation.sent'; invitation: SentInvitation }
  | ({ type: 'presence.changed' } & PresenceInfo)
  | { type: 'missed_calls.changed'; missedCalls: number }
  | RoomServerFrame;

/**
 * Parses JSON, refusing prototype-polluting keys anywhere in the document.
 * JSON.parse creates "__proto__" as an own property, which is harmless by itself but turns dangerous
 * once a value is spread or merged into another object, so such frames are refused outright.
 */
export function parseJsonStrict(text: string): unknown {
  // A reviver slows parsing several times over; only text that could spell such a key (directly or through
  // \u escapes) needs it.
  if (!/__proto__|constructor|prototype|\\u/.test(text)) return JSON.parse(text);
  return JSON.parse(text, (key, value: unknown) => {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') {
      throw new SyntaxError(`forbidden key "${key}"`);
    }
    return value;
  });
}

/** A human-readable summary of a schema failure, naming the first offending field. */
export function describeIssues(error: z.core.$ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid request';
  const path = issue.path.length ? issue.path.join('.') : 'frame';
  return `${path}: ${issue.message}`;
}
