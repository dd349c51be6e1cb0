import * as z from '../protocol/zod.js';
import {
  answerBodySchema,
  cancelBodySchema,
  contactsBodySchema,
  createEndpointBodySchema,
  pushSubscriptionBodySchema,
  rotateVapidBodySchema,
  sendInvitationBodySchema,
  setVapidBodySchema,
  tokenBodySchema,
  updateEndpointBodySchema,
} from './rest-schemas.js';

/**
 * The request bodies of the OpenAPI document, generated from the zod schemas the server validates with, so they
 * cannot drift. Generated ahead of time rather than in the Worker: zod's JSON Schema generator is a tenth of the
 * Worker's code, for a document that only changes with the schemas. `npm run build:openapi` writes
 * src/server/openapi-bodies.generated.ts from here, and test/openapi-bodies.test.ts fails while that file is stale.
 * Nothing the Worker runs imports this module.
 */
export const REQUEST_BODY_SCHEMAS = {
  SendInvitationBody: sendInvitationBodySchema,
  CancelBody: cancelBodySchema,
  AnswerBody: answerBodySchema,
  ContactsBody: contactsBodySchema,
  CreateEndpointBody: createEndpointBodySchema,
  UpdateEndpointBody: updateEndpointBodySchema,
  SetVapidBody: setVapidBodySchema,
  RotateVapidBody: rotateVapidBodySchema,
  PushSubscriptionBody: pushSubscriptionBodySchema,
  TokenBody: tokenBodySchema,
};

/** The JSON Schema of each request body, by component name, as a request may send it (zod's input side). */
export function requestBodyJsonSchemas(): Record<string, Record<string, unknown>> {
  return Object.fromEntries(
    Object.entries(REQUEST_BODY_SCHEMAS).map(([name, schema]) => {
      const { $schema: _dialect, ...generated }: Record<string, unknown> = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
      return [name, generated];
    }),
  );
}

/** The source of src/server/openapi-bodies.generated.ts, before Prettier formats it. */
export function generatedSource(): string {
  return `// Generated from src/server/openapi-bodies.ts by \`npm run build:openapi\`; do not edit.

/** The JSON Schemas of the REST API's request bodies, by OpenAPI component name (see src/server/openapi-bodies.ts). */
export const REQUEST_BODY_JSON_SCHEMAS: Record<string, Record<string, unknown>> = ${JSON.stringify(requestBodyJsonSchemas())};
`;
}
