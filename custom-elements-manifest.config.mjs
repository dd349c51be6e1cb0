// Builds custom-elements.json (named by package.json "customElements") from the elements' JSDoc,
// for Storybook's docs and controls and for editors and frameworks that read the manifest.

/** The analyzer also records each `dispatchEvent(new X(...))` as a nameless event; the JSDoc @event tags say it all. */
function keepDocumentedEvents() {
  return {
    name: 'bax-keep-documented-events',
    packageLinkPhase({ customElementsManifest }) {
      for (const module of customElementsManifest.modules) {
        for (const declaration of module.declarations ?? []) {
          if (declaration.events) declaration.events = declaration.events.filter((event) => event.name?.startsWith('bax-'));
        }
      }
    },
  };
}

export default {
  globs: ['src/elements/**/*.ts'],
  exclude: ['src/elements/**/*.test.ts', 'src/elements/testing/**', 'src/elements/**/*.styles.ts'],
  outdir: '.',
  litelement: true,
  dependencies: false,
  packagejson: false,
  plugins: [keepDocumentedEvents()],
};
