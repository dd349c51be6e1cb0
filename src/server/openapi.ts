import { ABUSE_LIMITS, LIMITS } from '../protocol/limits.js';
import { webhookDeliveryStatusSchema, type WebhookEventType } from '../protocol/lists.js';
import { MAX_BACKEND_CONTACTS } from './inbox/contacts.js';
import { componentSchemas, enumOf, ref, str, type Schema } from './openapi-schemas.js';
import { MAX_API_ENDPOINTS } from './webhooks.js';

/**
 * The OpenAPI 3.1 document of the REST API, served at /v1/openapi.json: the paths and webhooks here, the
 * component schemas in src/server/openapi-schemas.ts.
 */

const errorResponses = (...statuses: number[]): Record<string, Schema> =>
  Object.fromEntries(statuses.map((status) => [String(status), { $ref: `#/components/responses/E${status}` }]));

function ok(schema: string, description: string, status = 200): Record<string, Schema> {
  return { [String(status)]: { description, content: { 'application/json': { schema: ref(schema) } } } };
}

function jsonBody(schema: string, required = true): Schema {
  return { required, content: { 'application/json': { schema: ref(schema) } } };
}

const secret = [{ projectSecret: [] }];
const projectParam = { name: 'projectId', in: 'path', required: true, schema: str };
const pathParam = (name: string, description?: string) => ({ name, in: 'path', required: true, schema: str, ...(description ? { description } : {}) });
const queryParam = (name: string, schema: Schema, description: string, required = false) => ({ name, in: 'query', required, schema, description });
const idempotencyKey = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  schema: { type: 'string', maxLength: 64 },
  description: 'Repeat a request with the same key (for ten minutes) to get the first result back instead of acting twice.',
};

const paths: Record<string, Schema> = {
  '/v1/health': { get: { operationId: 'health', summary: 'Liveness', responses: ok('Health', 'The server is up.') } },
  '/v1/projects/{projectId}/tokens': {
    parameters: [projectParam],
    post: {
      operationId: 'createUserToken',
      summary: 'Mint a user token',
      description: 'A short-lived HS256 token a browser connects with. Call from the app backend only.',
      security: secret,
      requestBody: jsonBody('TokenBody'),
      responses: { ...ok('Token', 'The token.'), ...errorResponses(400, 401) },
    },
  },
  '/v1/projects/{projectId}/session': {
    parameters: [projectParam],
    get: {
      operationId: 'checkSession',
      summary: 'Check a user token and API key, as a browser would connect with them',
      description:
        'Browsers cannot read why a WebSocket upgrade was refused; this answers the same question over HTTP. A token in the query string is refused: URLs end up in logs.',
      security: [{ userToken: [] }],
      parameters: [queryParam('apiKey', str, "The project's public API key.", true)],
      responses: { ...ok('Session', 'The token is valid for this project.'), ...errorResponses(401, 403) },
    },
  },
  '/v1/projects/{projectId}/invitations': {
    parameters: [projectParam],
    post: {
      operationId: 'sendInvitation',
      summary: 'Send an invitation on behalf of a user, or as the system',
      description: `Rings the invitees exactly as if \`from\` had sent it from a device. Without \`from\` the invitation comes from the reserved user id "system" (do not mint tokens for it). \`fromUser\` sets how the sender is shown.`,
      security: secret,
      parameters: [idempotencyKey],
      requestBody: jsonBody('SendInvitationBody'),
      responses: {
        ...ok('SendInvitationResult', 'Created and delivered to every reachable invitee.', 201),
        ...ok('SendInvitationResult', 'An equal invitation was already pending (`existing`), or the send joined a crossing call (`joined`).'),
        ...errorResponses(400, 401, 429),
      },
    },
  },
  '/v1/projects/{projectId}/invitations/{invitationId}': {
    parameters: [projectParam, pathParam('invitationId')],
    get: {
      operationId: 'getInvitation',
      summary: "Read an invitation's state",
      security: secret,
      parameters: [queryParam('userId', str, "The sender or an invitee: each user's inbox holds the invitations they sent and received.", true)],
      responses: { ...ok('Invitation', 'The invitation as that user’s inbox knows it.'), ...errorResponses(400, 401, 404) },
    },
  },
  '/v1/projects/{projectId}/invitations/{invitationId}/cancel': {
    parameters: [projectParam, pathParam('invitationId')],
    post: {
      operationId: 'cancelInvitation',
      summary: 'Cancel an invitation for all or some invitees',
      security: secret,
      parameters: [idempotencyKey],
      requestBody: jsonBody('CancelBody', false),
      responses: { ...ok('CancelResult', 'The invitees whose pending invitation ended.'), ...errorResponses(400, 401, 403, 404, 409) },
    },
  },
  '/v1/projects/{projectId}/invitations/{invitationId}/accept': {
    parameters: [projectParam, pathParam('invitationId')],
    post: {
      operationId: 'acceptInvitation',
      summary: 'Accept as an invitee',
      description: 'With the project secret name the invitee in `userId`; with a user token or the answer token of a push message the caller is the invitee.',
      security: [{ projectSecret: [] }, { userToken: [] }, { answerToken: [] }],
      parameters: [idempotencyKey],
      requestBody: jsonBody('AnswerBody', false),
      responses: { ...ok('AnswerResult', 'Accepted.'), ...errorResponses(400, 401, 403, 404, 409) },
    },
  },
  '/v1/projects/{projectId}/invitations/{invitationId}/decline': {
    parameters: [projectParam, pathParam('invitationId')],
    post: {
      operationId: 'declineInvitation',
      summary: 'Decline as an invitee',
      security: [{ projectSecret: [] }, { userToken: [] }, { answerToken: [] }],
      parameters: [idempotencyKey],
      requestBody: jsonBody('AnswerBody', false),
      responses: { ...ok('AnswerResult', 'Declined.'), ...errorResponses(400, 401, 403, 404, 409) },
    },
  },
  '/v1/projects/{projectId}/presence': {
    parameters: [projectParam],
    get: {
      operationId: 'getPresence',
      summary: 'Presence of a list of users',
      security: secret,
      parameters: [queryParam('userIds', str, `Comma-separated user ids, at most ${LIMITS.maxPresenceUsers}.`, true)],
      responses: { ...ok('PresenceList', 'One entry per distinct user, in the order asked.'), ...errorResponses(400, 401) },
    },
  },
  '/v1/projects/{projectId}/users/{userId}/history': {
    parameters: [projectParam, pathParam('userId')],
    get: {
      operationId: 'getCallHistory',
      summary: "A user's call history, newest first",
      security: secret,
      parameters: [
        queryParam('limit', { type: 'integer', minimum: 1, maximum: LIMITS.maxHistoryPage }, `Page size, default ${LIMITS.defaultHistoryPage}.`),
        queryParam('before', { type: 'integer', minimum: 1 }, 'The `nextBefore` of the previous page.'),
      ],
      responses: { ...ok('CallHistoryPage', 'One page.'), ...errorResponses(400, 401) },
    },
  },
  '/v1/projects/{projectId}/users/{userId}/push-subscriptions': {
    parameters: [projectParam, pathParam('userId')],
    get: {
      operationId: 'listPushSubscriptions',
      summary: "A user's Web Push subscriptions",
      security: secret,
      responses: { ...ok('PushSubscriptionList', 'Endpoints only; the keys stay on the server.'), ...errorResponses(400, 401) },
    },
  },
  '/v1/projects/{projectId}/users/{userId}/dead-letters': {
    parameters: [projectParam, pathParam('userId')],
    get: {
      operationId: 'listDeadLetters',
      summary: "Messages a user's inbox gave up on, newest first",
      description: `An inbox retries what it must tell other users' inboxes and the project's hub until the message is \`OUTBOX_MAX_AGE_MS\` old (default 24 h); then it keeps it here. The newest ${ABUSE_LIMITS.deadLettersKept} are kept, for as long as the call history.`,
      security: secret,
      parameters: [queryParam('limit', { type: 'integer', minimum: 1, maximum: ABUSE_LIMITS.deadLettersKept }, `Default ${ABUSE_LIMITS.deadLettersKept}.`)],
      responses: { ...ok('DeadLetterList', 'The dead letters.'), ...errorResponses(400, 401) },
    },
  },
  '/v1/projects/{projectId}/users/{userId}/contacts': {
    parameters: [projectParam, pathParam('userId')],
    get: {
      operationId: 'getContacts',
      summary: "The users the app backend lists as a user's contacts",
      security: secret,
      responses: { ...ok('ContactList', 'The list as last set; empty when none was.'), ...errorResponses(400, 401) },
    },
    put: {
      operationId: 'setContacts',
      summary: "Replace the users the app backend lists as a user's contacts",
      description: `Where the project's \`presenceVisibility\` is "contacts", a user's presence shows only to their contacts: the users they exchanged an invitation with, and those listed here (at most ${MAX_BACKEND_CONTACTS}). Everyone else reads them as offline and never seen. Followers who gain or lose sight of the user get their presence as it now shows to them.`,
      security: secret,
      requestBody: jsonBody('ContactsBody'),
      responses: { ...ok('ContactList', 'The list as stored: each user once, in the order given.'), ...errorResponses(400, 401) },
    },
  },
  '/v1/projects/{projectId}/webhooks/endpoints': {
    parameters: [projectParam],
    get: {
      operationId: 'listWebhookEndpoints',
      summary: 'List webhook endpoints',
      security: secret,
      responses: { ...ok('WebhookEndpointList', 'Configured and API-made endpoints.'), ...errorResponses(401) },
    },
    post: {
      operationId: 'createWebhookEndpoint',
      summary: 'Add a webhook endpoint',
      description: `https to a public host name: no IP addresses, loopback, private or internal names (http and loopback only with LOCAL_DEVELOPMENT=on). At most ${MAX_API_ENDPOINTS} per project through the API. Without \`secret\` one is generated; it is returned here.`,
      security: secret,
      requestBody: jsonBody('CreateEndpointBody'),
      responses: { ...ok('WebhookEndpointCreated', 'Created.', 201), ...errorResponses(400, 401) },
    },
  },
  '/v1/projects/{projectId}/webhooks/endpoints/{endpointId}': {
    parameters: [projectParam, pathParam('endpointId')],
    get: {
      operationId: 'getWebhookEndpoint',
      summary: 'Read a webhook endpoint',
      security: secret,
      responses: { ...ok('WebhookEndpoint', 'The endpoint.'), ...errorResponses(401, 404) },
    },
    patch: {
      operationId: 'updateWebhookEndpoint',
      summary: 'Change a webhook endpoint, or turn it back on after a 410',
      description: 'Endpoints from the project configuration only take `enabled`.',
      security: secret,
      requestBody: jsonBody('UpdateEndpointBody'),
      responses: { ...ok('WebhookEndpoint', 'The endpoint.'), ...errorResponses(400, 401, 404) },
    },
    delete: {
      operationId: 'deleteWebhookEndpoint',
      summary: 'Remove a webhook endpoint and its pending messages',
      security: secret,
      responses: { '204': { description: 'Removed.' }, ...errorResponses(401, 403, 404) },
    },
  },
  '/v1/projects/{projectId}/webhooks/endpoints/{endpointId}/secret': {
    parameters: [projectParam, pathParam('endpointId')],
    get: {
      operationId: 'getWebhookEndpointSecret',
      summary: "Read an endpoint's signing secret",
      security: secret,
      responses: { ...ok('WebhookSecret', 'The secret.'), ...errorResponses(401, 404) },
    },
  },
  '/v1/projects/{projectId}/webhooks/attempts': {
    parameters: [projectParam],
    get: {
      operationId: 'listWebhookAttempts',
      summary: 'Delivery attempts, newest first',
      security: secret,
      parameters: [
        queryParam('endpointId', str, 'Only this endpoint.'),
        queryParam('eventId', str, 'Only this message (its webhook-id).'),
        queryParam('limit', { type: 'integer', minimum: 1, maximum: 250 }, 'Default 50.'),
        queryParam('before', { type: 'integer', minimum: 1 }, 'Only attempts with a smaller id (paging).'),
      ],
      responses: { ...ok('DeliveryAttemptList', 'Attempts of the last 7 days.'), ...errorResponses(400, 401) },
    },
  },
  '/v1/projects/{projectId}/webhooks/messages': {
    parameters: [projectParam],
    get: {
      operationId: 'listWebhookMessages',
      summary: 'Messages per endpoint and their delivery state, newest first',
      security: secret,
      parameters: [
        queryParam('endpointId', str, 'Only this endpoint.'),
        queryParam('eventId', str, 'Only this message (its webhook-id).'),
        queryParam('status', enumOf(webhookDeliveryStatusSchema), 'Only messages in this state.'),
        queryParam('limit', { type: 'integer', minimum: 1, maximum: 250 }, 'Default 50.'),
      ],
      responses: { ...ok('MessageDeliveryList', 'Messages of the last 7 days.'), ...errorResponses(400, 401) },
    },
  },
  '/v1/projects/{projectId}/push/vapid': {
    parameters: [projectParam],
    get: {
      operationId: 'getVapidKeys',
      summary: "The project's VAPID public key and subject (made on first use)",
      security: secret,
      responses: { ...ok('VapidKeys', 'The keys.'), ...errorResponses(401) },
    },
    put: {
      operationId: 'setVapidKeys',
      summary: 'Bring your own VAPID keys',
      description: 'The base64url pair `web-push generate-vapid-keys` prints. Browsers subscribed with another key must subscribe again.',
      security: secret,
      requestBody: jsonBody('SetVapidBody'),
      responses: { ...ok('VapidKeys', 'The new keys.'), ...errorResponses(400, 401) },
    },
  },
  '/v1/projects/{projectId}/push/vapid/rotate': {
    parameters: [projectParam],
    post: {
      operationId: 'rotateVapidKeys',
      summary: 'Generate new VAPID keys',
      description: 'Existing subscriptions stop working; clients subscribe again on their next `enablePushNotifications`.',
      security: secret,
      requestBody: jsonBody('RotateVapidBody', false),
      responses: { ...ok('VapidKeys', 'The new keys.'), ...errorResponses(400, 401) },
    },
  },
  '/v1/projects/{projectId}/push/public-key': {
    parameters: [projectParam],
    get: {
      operationId: 'getPushPublicKey',
      summary: 'The applicationServerKey for PushManager.subscribe',
      security: [{ userToken: [] }],
      responses: { ...ok('VapidPublicKey', 'The key.'), ...errorResponses(401, 403) },
    },
  },
  '/v1/projects/{projectId}/push/subscriptions': {
    parameters: [projectParam],
    post: {
      operationId: 'subscribePush',
      summary: "Register this device's push subscription for the token's user",
      description: "The endpoint must be on a browser push service (FCM, Mozilla, Apple, Windows) or one of the project's `pushServices`.",
      security: [{ userToken: [] }],
      requestBody: jsonBody('PushSubscriptionBody'),
      responses: { ...ok('Subscribed', 'Stored in the user’s inbox.', 201), ...errorResponses(400, 401, 403) },
    },
    delete: {
      operationId: 'unsubscribePush',
      summary: 'Remove a push subscription of the token’s user',
      security: [{ userToken: [] }],
      parameters: [queryParam('endpoint', str, 'The subscription endpoint.', true)],
      responses: { ...ok('Removed', 'Whether it existed.'), ...errorResponses(400, 401, 403) },
    },
  },
};

const webhookDescription = (summary: string, schema: string) => ({
  post: {
    summary,
    description:
      'Signed per Standard Webhooks: headers webhook-id (stable across retries: deduplicate on it), webhook-timestamp and webhook-signature (`v1,` base64 HMAC-SHA256 of `id.timestamp.body` with the base64-decoded part of the whsec_ secret). Answer 2xx within 15 s; anything else is retried on the schedule in docs/backend.md, Retry-After is honoured, and 410 disables the endpoint.',
    parameters: [
      { name: 'webhook-id', in: 'header', required: true, schema: str },
      { name: 'webhook-timestamp', in: 'header', required: true, schema: str },
      { name: 'webhook-signature', in: 'header', required: true, schema: str },
    ],
    requestBody: { required: true, content: { 'application/json': { schema: ref(schema) } } },
    responses: { '200': { description: 'Any 2xx acknowledges the message.' }, '410': { description: 'Stop sending to this endpoint.' } },
  },
});

/** One entry per event type, so a new type cannot go undocumented. */
const webhooks: Record<WebhookEventType, Schema> = {
  'invitation.created': webhookDescription(
    'An invitation was sent; per invitee whether they are online and rang. Push to the others.',
    'InvitationCreatedEvent',
  ),
  'invitation.delivered': webhookDescription('The invitation rings on a device of the invitee (at once, or when a device connects).', 'InviteeEvent'),
  'invitation.accepted': webhookDescription('An invitee accepted.', 'InviteeEvent'),
  'invitation.declined': webhookDescription('An invitee declined (or was busy).', 'InviteeEvent'),
  'invitation.canceled': webhookDescription('The sender canceled for this invitee, or left for good.', 'InviteeEvent'),
  'invitation.expired': webhookDescription('Nobody answered in time: a missed call.', 'InviteeEvent'),
  'call.started': webhookDescription("A room's call began: its second participant joined.", 'CallEvent'),
  'call.ended': webhookDescription("A room's call ended, with its duration and why.", 'CallEvent'),
};

let cached: Record<string, unknown> | undefined;

export function openApiDocument(): Record<string, unknown> {
  cached ??= {
    openapi: '3.1.0',
    info: {
      title: 'BaxCloud Call REST API',
      version: '1',
      description:
        'For app backends (project secret) and, for a few routes, browsers acting for one user (user token). Errors carry the same codes as the WebSocket protocol.',
    },
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    paths,
    webhooks,
    components: {
      schemas: componentSchemas,
      responses: Object.fromEntries(
        [400, 401, 403, 404, 409, 429].map((status) => [
          `E${status}`,
          { description: `Error (${status}).`, content: { 'application/json': { schema: ref('Error') } } },
        ]),
      ),
      securitySchemes: {
        projectSecret: { type: 'http', scheme: 'bearer', description: 'The project secret. Server to server only.' },
        userToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A user token from POST /tokens.' },
        answerToken: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'The token inside a Web Push ring message: answers that one invitation only.',
        },
      },
    },
  };
  return cached;
}
