import { mkdir, writeFile } from 'node:fs/promises';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { build } from 'esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';
import { tsImport } from 'tsx/esm/api';

const { chromiumLaunchOptions, AUTOPLAY_WITHOUT_GESTURE } = await tsImport('./test/support/chromium.ts', import.meta.url);

// The ringtone must be testable without a click.
const chromium = chromeLauncher({ launchOptions: chromiumLaunchOptions([AUTOPLAY_WITHOUT_GESTURE]) });

// Sound held back until the user's first click, as browsers do by default: tested in a Chromium without that flag.
const AUTOPLAY_BLOCKED_TESTS = 'src/elements/sound/autoplay-blocked.test.ts';

/**
 * The real signaling server for the end-to-end test, started on the first request for it and stopped with
 * the runner. Tokens are fetched here and handed to the page, as an app's backend would mint them.
 */
function realServer() {
  let server;
  const running = () => {
    server ??= tsImport('./test/support/server.ts', import.meta.url).then(({ startServer }) => startServer());
    return server;
  };
  return {
    name: 'bax-real-server',
    async serve(context) {
      if (context.path === '/__bax/server') {
        const { host } = await running();
        return { body: JSON.stringify({ host }), type: 'json' };
      }
      if (context.path === '/__bax/token') {
        const { url } = await running();
        const response = await fetch(`${url}/demo/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ userId: context.query.userId, name: context.query.name }),
        });
        return { body: await response.text(), type: 'json' };
      }
      return undefined;
    },
    async serverStop() {
      if (server) await (await server).stop();
    },
  };
}

/**
 * The React tests, each bundled whole by esbuild: React ships CommonJS, which the dev server does not serve to a
 * browser as modules. One bundle per test file, as each test file runs in its own page anyway.
 */
function reactTests() {
  return {
    name: 'bax-react-tests',
    async serve(context) {
      if (!/^\/src\/react\/.*\.test\.tsx$/.test(context.path)) return undefined;
      const result = await build({
        entryPoints: [`.${context.path}`],
        bundle: true,
        write: false,
        format: 'esm',
        platform: 'browser',
        target: 'es2022',
        tsconfig: './tsconfig.json',
        jsx: 'automatic',
        define: { 'process.env.NODE_ENV': '"development"' },
        sourcemap: 'inline',
      });
      return { body: result.outputFiles[0].text, type: 'js' };
    },
  };
}

/**
 * The shipped translations are imported by a name computed at run time (src/elements/translations/load.ts), so the
 * browser asks for the .js file a build writes; in the tests the TypeScript source beside it answers.
 */
function computedTranslationImports(context, next) {
  if (/^\/src\/elements\/translations\/[\w-]+\.js$/.test(context.path)) context.url = context.url.replace(/\.js(?=$|\?)/, '.ts');
  return next();
}

/** Where screenshots taken by tests go: test output, ignored by git (.gitignore lists test-results/). */
const SCREENSHOTS = 'test-results/screenshots';

/**
 * The `bax-screenshot` command: a PNG of the area `clip` of the test's page, saved as `<name>.png` under
 * SCREENSHOTS and handed back to the test (base64) to look at its pixels.
 */
function screenshots() {
  return {
    name: 'bax-screenshots',
    async executeCommand({ command, payload, session }) {
      if (command !== 'bax-screenshot') return undefined;
      if (!/^[\w-]+$/.test(payload?.name ?? '')) throw new TypeError(`bax-screenshot: name must be letters, digits, - or _, got ${payload?.name}`);
      const png = await session.browser.getPage(session.id).screenshot({ type: 'png', clip: payload.clip });
      await mkdir(SCREENSHOTS, { recursive: true });
      await writeFile(`${SCREENSHOTS}/${payload.name}.png`, png);
      return Buffer.from(png).toString('base64');
    },
  };
}

export default {
  files: ['src/elements/**/*.test.ts', `!${AUTOPLAY_BLOCKED_TESTS}`, 'src/react/**/*.test.tsx'],
  groups: [{ name: 'autoplay-blocked', files: AUTOPLAY_BLOCKED_TESTS, browsers: [chromeLauncher({ launchOptions: chromiumLaunchOptions() })] }],
  nodeResolve: true,
  browsers: [chromium],
  concurrency: 1,
  testFramework: { config: { timeout: 10_000 } },
  browserStartTimeout: 60_000,
  testsFinishTimeout: 180_000,
  middleware: [computedTranslationImports],
  plugins: [screenshots(), reactTests(), esbuildPlugin({ ts: true, tsconfig: './tsconfig.json', target: 'es2022' }), realServer()],
};
