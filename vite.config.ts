import minifyHtmlLiterals from '@lit-labs/rollup-plugin-minify-html-literals';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

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
// dist/bax-call-media.js: the media code of calls, src/client/media/, loaded when a call starts; dist/bax-call-de.js
// and the other shipped translations, loaded when an element's language needs one).
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

/**
 * partysocket's reconnecting socket warns at length, with a code sample for Node, when no WebSocket class exists. This
 * build is for browsers, which all have one: the warning keeps one line (about 160 bytes less, gzipped). The build
 * fails when the text is no longer there, so that an upgrade of partysocket is looked at.
 */
const NODE_WARNING = /console\.error\(`‼️ No WebSocket implementation available\.(?:[^`\\]|\\[\s\S])*`\)/;
const shortNodeWarning: Plugin = {
  name: 'bax-short-node-warning',
  apply: 'build',
  transform(code, id) {
    if (!id.replaceAll('\\', '/').endsWith('/node_modules/partysocket/dist/ws.js')) return undefined;
    if (!NODE_WARNING.test(code)) this.error("partysocket's warning about a missing WebSocket has changed: see shortNodeWarning");
    // As many line breaks as the warning had, so that the lines after it keep their place in the source map.
    const short = (warning: string) => `console.error("no WebSocket implementation: pass options.WebSocket")${'\n'.repeat(warning.split('\n').length - 1)}`;
    return { code: code.replace(NODE_WARNING, short), map: null };
  },
};

/** The translations shipped with the elements (src/elements/localize.ts lists them too). */
const LOCALES = ['ar', 'de', 'es', 'fr', 'ja', 'pt-BR', 'zh-CN'];
const LOCALE_LOADER = fileURLToPath(new URL('src/elements/translations/load.ts', import.meta.url));

/**
 * The shipped translations. In the script-tag build each is an entry of its own, dist/bax-call-<code>.js, importing
 * nothing, and translations/shipped.ts (the lazy chunk bax-call-shipped.js) imports it by a name it computes
 * relative to itself: a map of the seven imports, which a bundler writes for the pattern in load.ts, is not needed.
 * Elsewhere (Storybook) the translations are the sources beside the loader.
 */
function shippedTranslations(): Plugin {
  let scriptBuild = false;
  return {
    name: 'bax-shipped-translations',
    enforce: 'pre',
    configResolved(config) {
      const input = config.build.rollupOptions.input;
      scriptBuild = config.command === 'build' && typeof input === 'object' && 'bax-call' in input;
    },
    load(id) {
      if (id !== LOCALE_LOADER) return undefined;
      return scriptBuild
        ? 'export const loadTranslation = (module) => import(/* @vite-ignore */ `./bax-call-${module}.js`);'
        : `const modules = import.meta.glob(${JSON.stringify(LOCALES.map((code) => `./${code}.ts`))});\nexport const loadTranslation = (module) => modules[\`./\${module}.ts\`]();`;
    },
  };
}

export default defineConfig({
  plugins: [templateMinifier, plainDynamicImports, shortNodeWarning, shippedTranslations()],
  build: {
    outDir: 'dist',
    emptyOutDir: false,
    target: 'es2022',
    minify: true,
    sourcemap: true,
    modulePreload: false,
    copyPublicDir: false,
    rollupOptions: {
      input: {
        'bax-call': 'src/elements/all.ts',
        ...Object.fromEntries(LOCALES.map((code) => [`bax-call-${code}`, `src/elements/translations/${code}.ts`])),
      },
      preserveEntrySignatures: 'allow-extension',
      output: {
        format: 'es',
        entryFileNames: '[name].js',
        // A stable name for the media code, whatever module of it the client imports first.
        chunkFileNames: (chunk) => (chunk.facadeModuleId?.includes('/src/client/media/') ? 'bax-call-media.js' : 'bax-call-[name].js'),
      },
    },
  },
});
