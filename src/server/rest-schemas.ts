import { z } from 'zod';
import { avatarUrlSchema, displayNameSchema, invitationFieldsSchema, messageSchema, userId as userIdSchema } from '../protocol/frames.js';
import { LIMITS, SYSTEM_USER_ID } from '../protocol/limits.js';
import { declineReasonSchema, webhookEventTypeSchema } from '../protocol/lists.js';
import { roomGrantsSchema } from '../protocol/room.js';
import { MAX_BACKEND_CONTACTS } from './inbox/contacts.js';
import { validVapidSubject } from './push/crypto.js';
import { DEFAULT_PUSH_SERVICES, pushEndpointProblem } from './push/services.js';
import { targetUrlProblem, type TargetPolicy } from './target-url.js';
import { MAX_TOKEN_TTL_SECONDS } from './tokens.js';
import { validWebhookSecret } from './webhooks.js';

/**
 * Request bodies of the REST API: validated by src/server/rest.ts and src/server/worker.ts, documented by
 * src/server/openapi-schemas.ts.
 */

export const deviceIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a device id is 1-64 of A-Z a-z 0-9 _ -');
const profileSchema = z.strictObject({ name: displayNameSchema.optional(), avatarUrl: avatarUrlSchema.optional() });

/** A user token request: the user, how they are shown, and how long the token lasts. */
export const tokenBodySchema = z.strictObject({
  userId: userIdSchema.refine((id) => id !== SYSTEM_USER_ID, `"${SYSTEM_USER_ID}" is reserved for invitations the app backend sends`),
  ...profileSchema.shape,
  ttlSeconds: z.number().int().min(1).max(MAX_TOKEN_TTL_SECONDS).optional(),
  /** Room grants, by room name: `host`, `participant` or `viewer` (README, "Calls"). */
  rooms: roomGrantsSchema.optional(),
});

export const sendInvitationBodySchema = invitationFieldsSchema.extend({
  /** The sender; omit to send as the system. */
  from: userIdSchema.optional(),
  /** How the sender is shown to invitees; stored as the sender's profile, as a token's claims would be. */
  fromUser: profileSchema.optional(),
});
export const cancelBodySchema = z.strictObject({ from: userIdSchema.optional(), userIds: z.array(userIdSchema).min(1).max(LIMITS.maxInvitees).optional() });
/** The users the app backend lists as one user's contacts, replacing its earlier list. */
export const contactsBodySchema = z.strictObject({ contacts: z.array(userIdSchema).max(MAX_BACKEND_CONTACTS) });
export const answerBodySchema = z.strictObject({
  /** Required with the project secret: the invitee who answers. Ignored with a user or answer token. */
  userId: userIdSchema.optional(),
  deviceId: deviceIdSchema.optional(),
  reason: declineReasonSchema.optional(),
  message: messageSchema.optional(),
});
/** A URL the server will post to, refused with the reason `problemOf` gives (src/server/target-url.ts). */
function targetUrlSchema(problemOf: (url: string) => string | null) {
  return z
    .string()
    .max(LIMITS.maxUrlLength)
    .superRefine((value, ctx) => {
      const problem = problemOf(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });
}
const webhookSecretSchema = z.string().refine(validWebhookSecret, 'must be whsec_ followed by 24-64 base64 bytes');

/** Webhook endpoint bodies, their URLs checked against the deployment's outbound rules. */
export function endpointBodySchemas(policy: TargetPolicy) {
  const url = targetUrlSchema((value) => targetUrlProblem(value, policy));
  return {
    create: z.strictObject({
      url,
      secret: webhookSecretSchema.optional(),
      description: z.string().max(256).optional(),
      events: z.array(webhookEventTypeSchema).min(1).optional(),
      enabled: z.boolean().optional(),
    }),
    update: z.strictObject({
      url: url.optional(),
      secret: webhookSecretSchema.optional(),
      description: z.string().max(256).nullable().optional(),
      events: z.array(webhookEventTypeSchema).min(1).nullable().optional(),
      enabled: z.boolean().optional(),
    }),
  };
}
/** The rules of a deployed server, as the OpenAPI document describes them. */
const DEPLOYED: TargetPolicy = { localDevelopment: false };
export const { create: createEndpointBodySchema, update: updateEndpointBodySchema } = endpointBodySchemas(DEPLOYED);
const vapidSubjectSchema = z.string().max(256).refine(validVapidSubject, 'must be a mailto: address or an https URL');
export const setVapidBodySchema = z.strictObject({ publicKey: z.string().max(128), privateKey: z.string().max(64), subject: vapidSubjectSchema.optional() });
export const rotateVapidBodySchema = z.strictObject({ subject: vapidSubjectSchema.optional() });
const base64urlKey = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[A-Za-z0-9_-]+={0,2}$/, 'must be base64url');
/** A push subscription body, its endpoint one of `services` (see src/server/push/services.ts). */
export function pushSubscriptionBodySchemaFor(policy: TargetPolicy, services: readonly string[]) {
  return z.strictObject({
    subscription: z.object({
      endpoint: targetUrlSchema((value) => pushEndpointProblem(value, policy, services)),
      expirationTime: z.number().nullable().optional(),
      keys: z.object({ p256dh: base64urlKey(128), auth: base64urlKey(64) }),
    }),
    deviceId: deviceIdSchema.optional(),
  });
}
export const pushSubscriptionBodySchema = pushSubscriptionBodySchemaFor(DEPLOYED, DEFAULT_PUSH_SERVICES);
