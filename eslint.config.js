import prettier from 'eslint-config-prettier';
import { configs as lit } from 'eslint-plugin-lit';
import { configs as wc } from 'eslint-plugin-wc';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

// Type-aware: each TypeScript file is checked with the tsconfig.json nearest to it (src/server and bench/baseline
// have their own, for the Workers runtime).
export default defineConfig(
  globalIgnores(['**/dist/', 'storybook-static/', 'custom-elements.json', '.wrangler/', '.bench/', 'test-results/', 'examples/*/.angular/']),
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // `const { type: _type, ...event } = frame` drops a field on purpose; a leading underscore says so.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    // Outside every tsconfig: tool configuration, build scripts, the demo page's script, and the examples, which
    // compile against their own framework's packages.
    files: ['**/*.js', '**/*.mjs', '.storybook/**', 'examples/**'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    files: ['src/elements/**/*.ts'],
    extends: [lit['flat/recommended'], wc['flat/recommended']],
    settings: { wc: { elementBaseClasses: ['LitElement'] } },
  },
  {
    // Tests read JSON bodies and DOM nodes of shapes they then assert on: the assertions are their type check.
    files: ['test/**', '**/*.test.ts', 'stories/**'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      // Chai's property assertions (`expect(x).to.be.true`) are expressions by design.
      '@typescript-eslint/no-unused-expressions': 'off',
    },
  },
  // Formatting is Prettier's.
  prettier,
);
