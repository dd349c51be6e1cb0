import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';
import { tsImport } from 'tsx/esm/api';

const { chromiumLaunchOptions, AUTOPLAY_WITHOUT_GESTURE } = await tsImport('./test/support/chromium.ts', import.meta.url);

// The ringtone must be testable without a click.
const chromium = chromeLauncher({ launchOptions: chromiumLaunchOptions([AUTOPLAY_WITHOUT_GESTURE]) });

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

export default {
  files: ['src/elements/**/*.test.ts'],
  nodeResolve: true,
  browsers: [chromium],
  concurrency: 1,
  testFramework: { config: { timeout: 10_000 } },
  browserStartTimeout: 60_000,
  testsFinishTimeout: 180_000,
  plugins: [esbuildPlugin({ ts: true, tsconfig: './tsconfig.json', target: 'es2022' }), realServer()],
};
