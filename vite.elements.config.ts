import { transform } from 'lightningcss';
import ts from 'typescript';
import { defineConfig, type Plugin } from 'vite';

/**
 * Minifies Lit's html``, css`` and svg`` templates, which bundlers leave alone: stylesheets go through
 * Lightning CSS; in markup, runs of whitespace that span a line break render as one space, so they become one.
 */
function minifyTemplateLiterals(): Plugin {
  const tags = new Set(['html', 'css', 'svg']);
  return {
    name: 'bax-minify-template-literals',
    enforce: 'pre',
    transform(code, id) {
      if (!id.includes('/src/elements/') || !id.endsWith('.ts')) return null;
      const source = ts.createSourceFile(id, code, ts.ScriptTarget.Latest, true);
      const edits: Array<{ start: number; end: number; text: string }> = [];
      const visit = (node: ts.Node): void => {
        if (ts.isTaggedTemplateExpression(node) && tags.has(node.tag.getText(source))) {
          const isCss = node.tag.getText(source) === 'css';
          const literals = ts.isNoSubstitutionTemplateLiteral(node.template)
            ? [node.template]
            : [node.template.head, ...node.template.templateSpans.map((span) => span.literal)];
          for (const literal of literals) {
            // The raw text sits between the backtick or `}` and the closing backtick or `${`.
            const start = literal.getStart(source) + 1;
            const end = literal.getEnd() - (ts.isTemplateHead(literal) || ts.isTemplateMiddle(literal) ? 2 : 1);
            const raw = code.slice(start, end);
            const text =
              isCss && literals.length === 1
                ? transform({ filename: id, code: Buffer.from(raw), minify: true }).code.toString().replace(/[`\\]|\$\{/g, '\\$&')
                : raw.replace(/\s*\n\s*/g, ' ');
            edits.push({ start, end, text });
          }
        }
        ts.forEachChild(node, visit);
      };
      visit(source);
      if (edits.length === 0) return null;
      let output = code;
      for (const edit of edits.sort((a, b) => b.start - a.start)) output = output.slice(0, edit.start) + edit.text + output.slice(edit.end);
      return { code: output, map: null };
    },
  };
}

// The script-tag build: one self-contained ES module with Lit and the client inside, at dist/bax-call.js.
// Not a library build: Vite keeps whitespace in library ES output, and this file is for browsers, not bundlers.
// The npm build (tsc, Lit external) writes to dist/ too, so this one must not empty the folder.
export default defineConfig({
  plugins: [minifyTemplateLiterals()],
  build: {
    outDir: 'dist',
    emptyOutDir: false,
    target: 'es2022',
    minify: true,
    sourcemap: true,
    copyPublicDir: false,
    rollupOptions: {
      input: 'src/elements/all.ts',
      preserveEntrySignatures: 'strict',
      output: { format: 'es', entryFileNames: 'bax-call.js', codeSplitting: false },
    },
  },
});
