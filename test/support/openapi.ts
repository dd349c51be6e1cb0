import { createRequire } from 'node:module';
import { expect } from 'vitest';

const require = createRequire(import.meta.url);
// ajv ships CommonJS; its 2020-12 build is the dialect OpenAPI 3.1 uses.
const Ajv2020 = require('ajv/dist/2020').default as typeof import('ajv/dist/2020').default;

/** A response of the document: inline, or a `$ref` to one under `components.responses`. */
interface OpenApiResponse {
  $ref?: string;
  content?: Record<string, { schema?: object } | undefined>;
}

/** What the checker and the tests read of an OpenAPI 3.1 document. */
export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, OpenApiResponse | undefined> } | undefined> | undefined>;
  components: { schemas: Record<string, object>; responses: Record<string, OpenApiResponse | undefined> };
  webhooks: Record<string, unknown>;
  [field: string]: unknown;
}

function rewriteRefs<T>(value: T): T;
function rewriteRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewriteRefs);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [
        key,
        key === '$ref' && typeof inner === 'string' ? inner.replace('#/components/schemas/', 'openapi#/$defs/') : rewriteRefs(inner),
      ]),
    );
  }
  return value;
}

/** Checks real HTTP responses against the OpenAPI document the server serves. */
export class OpenApiChecker {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  readonly checked = new Set<string>();

  constructor(readonly document: OpenApiDocument) {
    this.ajv.addSchema({ $id: 'openapi', $defs: rewriteRefs(document.components.schemas) });
  }

  private resolve(node: OpenApiResponse | undefined): OpenApiResponse | undefined {
    let current = node;
    while (current && typeof current.$ref === 'string' && current.$ref.startsWith('#/components/responses/')) {
      current = this.document.components.responses[current.$ref.slice('#/components/responses/'.length)];
    }
    return current;
  }

  /** Fails the test unless the operation documents this status and the body matches its schema. */
  check(method: string, template: string, status: number, body: unknown): void {
    const operation = this.document.paths[template]?.[method.toLowerCase()];
    expect(operation, `${method} ${template} is documented`).toBeTruthy();
    const response = this.resolve(operation!.responses[String(status)]);
    expect(response, `${method} ${template} documents status ${status}`).toBeTruthy();
    this.checked.add(`${method.toUpperCase()} ${template} ${status}`);
    const schema = response!.content?.['application/json']?.schema;
    if (!schema) {
      expect(body, `${method} ${template} ${status} has no body`).toBeNull();
      return;
    }
    const validate = this.ajv.compile(rewriteRefs(schema));
    const valid = validate(body);
    expect(valid, `${method} ${template} ${status}: ${JSON.stringify(validate.errors)}\n${JSON.stringify(body)}`).toBe(true);
  }
}
