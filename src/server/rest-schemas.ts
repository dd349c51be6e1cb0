import { avatarUrlSchema, displayNameSchema, invitationFieldsSchema, messageSchema, userId as userIdSchema } from '../protocol/frames.js';
import { LIMITS, SYSTEM_USER_ID } from '../protocol/limits.js';
import { declineReasonSchema, webhookEventTypeSchema } from '../protocol/lists.js';
import { roomGrantsSchema } from '../protocol/room.js';
import * as z from '../protocol/zod.js';
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

export const deviceIdSchema = z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'a device id is 1-64 of A-Z a-z 0-9 _ -'));
const profileSchema = z.strictObject({ name: z.optional(displayNameSchema), avatarUrl: z.optional(avatarUrlSchema) });

/** A user token request: the user, how they are shown, and how long the token lasts. */
export const tokenBodySchema = z.strictObject({
  userId: userIdSchema.check(z.refine((id) => id !== SYSTEM_USER_ID, `"${SYSTEM_USER_ID}" is reserved for invitations the app backend sends`)),
  ...profileSchema.shape,
  ttlSeconds: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(MAX_TOKEN_TTL_SECONDS))),
  /** Room grants, by room name: `host`, `participant` or `viewer` (README, "Calls"). */
  rooms: z.optional(roomGrantsSchema),
});

export const sendInvitationBodySchema = z.extend(invitationFieldsSchema, {
  /** The sender; omit to send as the system. */
  from: z.optional(userIdSchema),
  /** How the sender is shown to invitees; stored as the sender's profile, as a token's claims would be. */
  fromUser: z.optional(profileSchema),
});
export const cancelBodySchema = z.strictObject({
  from: z.optional(userIdSchema),
  userIds: z.optional(z.array(userIdSchema).check(z.minLength(1), z.maxLength(LIMITS.maxInvitees))),
});
/** The users the app backend lists as one user's contacts, replacing its earlier list. */
export const contactsBodySchema = z.strictObject({ contacts: z.array(userIdSchema).check(z.maxLength(MAX_BACKEND_CONTACTS)) });
export const answerBodySchema = z.strictObject({
  /** Required with the project secret: the invitee who answers. Ignored with a user or answer token. */
  userId: z.optional(userIdSchema),
  deviceId: z.optional(deviceIdSchema),
  reason: z.optional(declineReasonSchema),
  message: z.optional(messageSchema),
});
/** A URL the server will post to, refused with the reason `problemOf` gives (src/server/target-url.ts). */
function targetUrlSchema(problemOf: (url: string) => string | null) {
  return z.string().check(
    z.maxLength(LIMITS.maxUrlLength),
    z.superRefine((value, ctx) => {
      const problem = problemOf(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  );
}
const webhookSecretSchema = z.string().check(z.refine(validWebhookSecret, 'must be whsec_ followed by 24-64 base64 bytes'));

/** Webhook endpoint bodies, their URLs checked against the deployment's outbound rules. */
export function endpointBodySchemas(policy: TargetPolicy) {
  const url = targetUrlSchema((value) => targetUrlProblem(value, policy));
  return {
    create: z.strictObject({
      url,
      secret: z.optional(webhookSecretSchema),
      description: z.optional(z.string().check(z.maxLength(256))),
      events: z.optional(z.array(webhookEventTypeSchema).check(z.minLength(1))),
      enabled: z.optional(z.boolean()),
    }),
    update: z.strictObject({
      url: z.optional(url),
      secret: z.optional(webhookSecretSchema),
      description: z.optional(z.nullable(z.string().check(z.maxLength(256)))),
      events: z.optional(z.nullable(z.array(webhookEventTypeSchema).check(z.minLength(1)))),
      enabled: z.optional(z.boolean()),
    }),
  };
}
/** The rules of a deployed server, as the OpenAPI document describes them. */
const DEPLOYED: TargetPolicy = { localDevelopment: false };
export const { create: createEndpointBodySchema, update: updateEndpointBodySchema } = endpointBodySchemas(DEPLOYED);
const vapidSubjectSchema = z.string().check(z.maxLength(256), z.refine(validVapidSubject, 'must be a mailto: address or an https URL'));
export const setVapidBodySchema = z.strictObject({
  publicKey: z.string().check(z.maxLength(128)),
  privateKey: z.string().check(z.maxLength(64)),
  subject: z.optional(vapidSubjectSchema),
});
export const rotateVapidBodySchema = z.strictObject({ subject: z.optional(vapidSubjectSchema) });
const base64urlKey = (max: number) => z.string().check(z.minLength(1), z.maxLength(max), z.regex(/^[A-Za-z0-9_-]+={0,2}$/, 'must be base64url'));
/** A push subscription body, its endpoint one of `services` (see src/server/push/services.ts). */
export function pushSubscriptionBodySchemaFor(policy: TargetPolicy, services: readonly string[]) {
  return z.strictObject({
    subscription: z.object({
      endpoint: targetUrlSchema((value) => pushEndpointProblem(value, policy, services)),
      expirationTime: z.optional(z.nullable(z.number())),
      keys: z.object({ p256dh: base64urlKey(128), auth: base64urlKey(64) }),
    }),
    deviceId: z.optional(deviceIdSchema),
  });
}
export const pushSubscriptionBodySchema = pushSubscriptionBodySchemaFor(DEPLOYED, DEFAULT_PUSH_SERVICES);
