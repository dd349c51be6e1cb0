// Writes src/elements/version.ts from package.json's version; `npm run build` and `npm version` run it.
// A generated source file, committed, rather than a JSON import or a bundler `define`: tsc (the npm build),
// Vite, web-test-runner's esbuild and Storybook all compile it as it is, and no build ships package.json.
import { readFileSync, writeFileSync } from 'node:fs';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const file = new URL('../src/elements/version.ts', import.meta.url);
const source = `// Generated from package.json by scripts/write-version.mjs (\`npm run build\`, \`npm version\`); do not edit.

/** This package's version, compared when a page loads two copies of the elements. */
export const VERSION = '${version}';
`;
if (readFileSync(file, 'utf8') !== source) writeFileSync(file, source);
