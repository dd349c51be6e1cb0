import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The OpenAPI document's request bodies are generated ahead of time from the server's zod schemas
 * (src/server/openapi-bodies.ts), so the Worker does not carry zod's JSON Schema generator. Stale output would
 * let the document drift from what the server accepts: this fails until `npm run build:openapi` rewrote it.
 * (The check runs as its own process: the schemas' modules compile against the Workers types, not this tsconfig's.)
 */
describe('the generated request bodies of the OpenAPI document', () => {
  it('are what zod generates from the schemas the server validates with now (else: npm run build:openapi)', () => {
    const root = fileURLToPath(new URL('..', import.meta.url));
    const check = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/write-openapi-bodies.mjs', '--check'], { cwd: root, encoding: 'utf8' });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });
});
