import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

// The calls server `npm start` runs in the repository root. The dev server forwards the token endpoint and the
// calling socket to it, so the page talks to its own origin, as it would behind an app's backend.
const calls = process.env.BAX_SERVER ?? 'http://127.0.0.1:8787';
const forward = { '/demo/token': calls, '/parties': { target: calls, ws: true } };

export default defineConfig({
  plugins: [
    vue({
      // <bax-*> tags are custom elements, not Vue components.
      template: { compilerOptions: { isCustomElement: (tag) => tag.startsWith('bax-') } },
    }),
  ],
  server: { proxy: forward },
  preview: { proxy: forward },
});
