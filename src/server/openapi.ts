/** The OpenAPI 3.1 document of the REST API, served at /v1/openapi.json. */
export function openApiDocument(): Record<string, unknown> {
  return { openapi: '3.1.0', info: { title: 'BaxCloud Call REST API', version: '1' }, paths: {} };
}
