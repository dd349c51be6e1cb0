// Generated from src/server/openapi-bodies.ts by `npm run build:openapi`; do not edit.

/** The JSON Schemas of the REST API's request bodies, by OpenAPI component name (see src/server/openapi-bodies.ts). */
export const REQUEST_BODY_JSON_SCHEMAS: Record<string, Record<string, unknown>> = {
  SendInvitationBody: {
    type: 'object',
    properties: {
      to: {
        anyOf: [
          { type: 'string', pattern: '^[A-Za-z0-9_.@+-]{1,128}$' },
          { minItems: 1, maxItems: 20, type: 'array', items: { type: 'string', pattern: '^[A-Za-z0-9_.@+-]{1,128}$' } },
        ],
      },
      roomName: { type: 'string', minLength: 1, maxLength: 128 },
      callType: { type: 'string', enum: ['video_call', 'audio_call', 'live_streaming'] },
      message: { type: 'string', maxLength: 500 },
      roomUrl: { type: 'string', maxLength: 2048 },
      timeoutSeconds: { type: 'integer', minimum: 5, maximum: 300 },
      metadata: { type: 'object', propertyNames: { type: 'string' }, additionalProperties: {} },
      ring: { type: 'boolean' },
      from: { type: 'string', pattern: '^[A-Za-z0-9_.@+-]{1,128}$' },
      fromUser: {
        type: 'object',
        properties: { name: { type: 'string', maxLength: 128 }, avatarUrl: { type: 'string', maxLength: 2048 } },
        additionalProperties: false,
      },
    },
    required: ['to', 'roomName', 'callType'],
    additionalProperties: false,
  },
  CancelBody: {
    type: 'object',
    properties: {
      from: { type: 'string', pattern: '^[A-Za-z0-9_.@+-]{1,128}$' },
      userIds: { minItems: 1, maxItems: 20, type: 'array', items: { type: 'string', pattern: '^[A-Za-z0-9_.@+-]{1,128}$' } },
    },
    additionalProperties: false,
  },
  AnswerBody: {
    type: 'object',
    properties: {
      userId: { type: 'string', pattern: '^[A-Za-z0-9_.@+-]{1,128}$' },
      deviceId: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
      reason: { type: 'string', enum: ['busy', 'declined', 'unavailable'] },
      message: { type: 'string', maxLength: 500 },
    },
    additionalProperties: false,
  },
  ContactsBody: {
    type: 'object',
    properties: { contacts: { maxItems: 1000, type: 'array', items: { type: 'string', pattern: '^[A-Za-z0-9_.@+-]{1,128}$' } } },
    required: ['contacts'],
    additionalProperties: false,
  },
  CreateEndpointBody: {
    type: 'object',
    properties: {
      url: { type: 'string', maxLength: 2048 },
      secret: { type: 'string' },
      description: { type: 'string', maxLength: 256 },
      events: {
        minItems: 1,
        type: 'array',
        items: {
          type: 'string',
          enum: [
            'invitation.created',
            'invitation.delivered',
            'invitation.accepted',
            'invitation.declined',
            'invitation.canceled',
            'invitation.expired',
            'call.started',
            'call.ended',
          ],
        },
      },
      enabled: { type: 'boolean' },
    },
    required: ['url'],
    additionalProperties: false,
  },
  UpdateEndpointBody: {
    type: 'object',
    properties: {
      url: { type: 'string', maxLength: 2048 },
      secret: { type: 'string' },
      description: { anyOf: [{ type: 'string', maxLength: 256 }, { type: 'null' }] },
      events: {
        anyOf: [
          {
            minItems: 1,
            type: 'array',
            items: {
              type: 'string',
              enum: [
                'invitation.created',
                'invitation.delivered',
                'invitation.accepted',
                'invitation.declined',
                'invitation.canceled',
                'invitation.expired',
                'call.started',
                'call.ended',
              ],
            },
          },
          { type: 'null' },
        ],
      },
      enabled: { type: 'boolean' },
    },
    additionalProperties: false,
  },
  SetVapidBody: {
    type: 'object',
    properties: { publicKey: { type: 'string', maxLength: 128 }, privateKey: { type: 'string', maxLength: 64 }, subject: { type: 'string', maxLength: 256 } },
    required: ['publicKey', 'privateKey'],
    additionalProperties: false,
  },
  RotateVapidBody: { type: 'object', properties: { subject: { type: 'string', maxLength: 256 } }, additionalProperties: false },
  PushSubscriptionBody: {
    type: 'object',
    properties: {
      subscription: {
        type: 'object',
        properties: {
          endpoint: { type: 'string', maxLength: 2048 },
          expirationTime: { type: ['number', 'null'] },
          keys: {
            type: 'object',
            properties: {
              p256dh: { type: 'string', minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_-]+={0,2}$' },
              auth: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+={0,2}$' },
            },
            required: ['p256dh', 'auth'],
          },
        },
        required: ['endpoint', 'keys'],
      },
      deviceId: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
    },
    required: ['subscription'],
    additionalProperties: false,
  },
  TokenBody: {
    type: 'object',
    properties: {
      userId: { type: 'string', pattern: '^[A-Za-z0-9_.@+-]{1,128}$' },
      name: { type: 'string', maxLength: 128 },
      avatarUrl: { type: 'string', maxLength: 2048 },
      ttlSeconds: { type: 'integer', minimum: 1, maximum: 86400 },
      rooms: {
        type: 'object',
        propertyNames: { type: 'string', minLength: 1, maxLength: 128 },
        additionalProperties: { type: 'string', enum: ['host', 'participant', 'viewer'] },
      },
    },
    required: ['userId'],
    additionalProperties: false,
  },
};
