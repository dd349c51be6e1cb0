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

// The script-tag build: one self-contained ES module with Lit and the client inside, at dist/bax-call.js, and the
// media code of calls beside it at dist/bax-call-media.js, which bax-call.js imports relative to its own URL when a
// call starts (the media code shares no module with it: see src/client/media/session.ts).
// A library build, because only that leaves out Vite's module-preload helper around the dynamic import (2 KB of
// code for preloading a chunk that has nothing to preload: 660 B of the gzipped bundle). Library ES output keeps
// whitespace and /* @__PURE__ */ comments for bundlers; this file is for browsers, so the output is minified fully.
// The npm build (tsc, Lit external) writes to dist/ too, so this one must not empty the folder.
// Storybook reads this file too (all but `build`); .storybook/main.ts leaves the template minifier out.
export default defineConfig({
  plugins: [templateMinifier],
  build: {
    outDir: 'dist',
    emptyOutDir: false,
    target: 'es2022',
    minify: true,
    sourcemap: true,
    copyPublicDir: false,
    lib: { entry: 'src/elements/all.ts', formats: ['es'], fileName: () => 'bax-call.js' },
    rollupOptions: {
      preserveEntrySignatures: 'strict',
      output: { format: 'es', chunkFileNames: 'bax-call-media.js', minify: true, comments: false },
    },
  },
});
