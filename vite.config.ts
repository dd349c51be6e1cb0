import minifyHtmlLiterals from '@lit-labs/rollup-plugin-minify-html-literals';
import { defineConfig } from 'vite';

/*
 * Lit's html``, css`` and svg`` templates, which minifiers leave alone, go through the Lit team's minifier
 * (html-minifier-next for markup, Lightning CSS for stylesheets). Measured on dist/bax-call.js (gzip -9, the
 * bundle test's measure) and `vite build` wall time on the shared 2-core machine, two or three runs each:
 *   hand-written minifier + private-member shortening: 24,022 B, 3.4–3.5 s
 *   hand-written minifier alone:                       24,157 B, 1.3–1.8 s
 *   this plugin, options below:                        24,155 B, 1.4–1.6 s
 *   no template minifier:                              24,682 B, 1.2–1.3 s
 * Shortening private names saved 133 B for two seconds of TypeScript language service per build; dropped.
 * Options: svg`` fragments are parsed as SVG, where `<path>` without its `/>` would swallow the next shape, so the
 * closing slash stays; conservative collapsing keeps one space wherever there was whitespace, as the hand-written
 * minifier did, so text between inline elements and bindings renders exactly as written (it costs 26 B).
 */
const templateMinifier = minifyHtmlLiterals({
  include: ['src/elements/**/*.ts'],
  failOnError: true,
  options: { minifyOptions: { keepClosingSlash: true, conservativeCollapse: true } },
});

// The script-tag build: one self-contained ES module with Lit and the client inside, at dist/bax-call.js, and beside
// it the parts it loads by dynamic import when first needed (dist/bax-call-room.js: the rest of <bax-call-room>;
// dist/bax-call-media.js: the media code of calls, src/client/media/, loaded when a call starts).
// Those import what they share with it from ./bax-call.js (hence 'allow-extension'), so it has no static imports.
// The media code shares nothing with it (see src/client/media/session.ts), so it imports nothing.
// Not a library build: Vite keeps whitespace in library ES output, and this file is for browsers, not bundlers.
// The npm build (tsc, Lit external) writes to dist/ too, so this one must not empty the folder.
// Storybook reads this file too (all but `build`); .storybook/main.ts leaves the template minifier out.
/**
 * Vite wraps each dynamic import in a helper that first preloads the imported chunk's dependencies and CSS (about
 * 600 bytes gzipped). The parts this bundle loads on demand depend on nothing but the bundle itself, already
 * loaded, and have no CSS: the helper just imports.
 */
const PRELOAD_HELPER = '\0vite/preload-helper.js';
const plainDynamicImports = {
  name: 'bax-plain-dynamic-imports',
  enforce: 'pre' as const,
  apply: 'build' as const,
  resolveId: (id: string) => (id === PRELOAD_HELPER ? id : undefined),
  load: (id: string) => (id === PRELOAD_HELPER ? 'export const __vitePreload = (load) => load();' : undefined),
};

export default defineConfig({
  plugins: [templateMinifier, plainDynamicImports],
  build: {
    outDir: 'dist',
    emptyOutDir: false,
    target: 'es2022',
    minify: true,
    sourcemap: true,
    copyPublicDir: false,
    rollupOptions: {
      input: 'src/elements/all.ts',
      preserveEntrySignatures: 'allow-extension',
      output: {
        format: 'es',
        entryFileNames: 'bax-call.js',
        // A stable name for the media code, whatever module of it the client imports first.
        chunkFileNames: (chunk) => (chunk.facadeModuleId?.includes('/src/client/media/') ? 'bax-call-media.js' : 'bax-call-[name].js'),
      },
    },
  },
});
