import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The calls server `npm start` runs in the repository root. The dev server forwards the token endpoint and the
// calling socket to it, so the page talks to its own origin, as it would behind an app's backend.
const calls = process.env.BAX_SERVER ?? 'http://127.0.0.1:8787';
const forward = { '/demo/token': calls, '/parties': { target: calls, ws: true } };

export default defineConfig({
  plugins: [react()],
  // "@baxcloud/call": "file:../.." links the repository, whose own node_modules holds React for its tests: the
  // app and the package must share this app's one copy, or the hooks would run against another React.
  resolve: { dedupe: ['react', 'react-dom'] },
  server: { proxy: forward },
  preview: { proxy: forward },
});
