// Writes src/server/openapi-bodies.generated.ts, the OpenAPI document's request bodies as zod generates them from
// the server's schemas (see src/server/openapi-bodies.ts): `npm run build:openapi`. With --check it writes nothing
// and exits with 1 while the file is stale (test/openapi-bodies.test.ts).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { generatedSource } from '../src/server/openapi-bodies.ts';

const file = fileURLToPath(new URL('../src/server/openapi-bodies.generated.ts', import.meta.url));
const source = await format(generatedSource(), { ...(await resolveConfig(file)), filepath: file });
const current = readFileSync(file, { encoding: 'utf8', flag: 'a+' });
if (process.argv.includes('--check')) {
  if (current !== source) {
    console.error('src/server/openapi-bodies.generated.ts is stale: run npm run build:openapi');
    process.exit(1);
  }
} else if (current !== source) {
  writeFileSync(file, source);
  console.log('wrote src/server/openapi-bodies.generated.ts');
}
