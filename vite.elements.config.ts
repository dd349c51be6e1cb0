import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
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

/**
 * Gives the TypeScript-private members of the client's classes short names: minifiers keep every property name,
 * and the client is public, so it cannot use `#private` members (a framework's reactive proxy around it would
 * then throw). TypeScript's own rename finds every reference; a member referenced from another file is left alone.
 */
function shortenPrivateMembers(): Plugin {
  return {
    name: 'bax-shorten-private-members',
    enforce: 'pre',
    transform(code, id) {
      // The language service reads files from disk, so its positions hold only for code no plugin changed yet.
      if (!id.includes('/src/client/') || !id.endsWith('.ts') || code !== readFileSync(id, 'utf8')) return null;
      const tsconfig = fileURLToPath(new URL('tsconfig.json', import.meta.url));
      const config = ts.getParsedCommandLineOfConfigFile(tsconfig, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
      const service = ts.createLanguageService({
        fileExists: ts.sys.fileExists,
        readFile: ts.sys.readFile,
        readDirectory: ts.sys.readDirectory,
        directoryExists: ts.sys.directoryExists,
        getDirectories: ts.sys.getDirectories,
        getCurrentDirectory: ts.sys.getCurrentDirectory,
        getScriptFileNames: () => [id],
        getScriptVersion: () => '0',
        getScriptSnapshot: (file) => (ts.sys.fileExists(file) ? ts.ScriptSnapshot.fromString(ts.sys.readFile(file)!) : undefined),
        getCompilationSettings: () => config?.options ?? {},
        getDefaultLibFileName: ts.getDefaultLibFilePath,
      });
      const source = service.getProgram()?.getSourceFile(id);
      if (!source) return null;
      const edits: Array<{ start: number; end: number; text: string }> = [];
      let next = 0;
      const visit = (node: ts.Node): void => {
        if (ts.isClassDeclaration(node)) {
          for (const member of node.members) {
            const modifiers = ts.canHaveModifiers(member) ? (ts.getModifiers(member) ?? []) : [];
            if (!modifiers.some((modifier) => modifier.kind === ts.SyntaxKind.PrivateKeyword)) continue;
            if (modifiers.some((modifier) => modifier.kind === ts.SyntaxKind.StaticKeyword) || !member.name || !ts.isIdentifier(member.name)) continue;
            const locations = service.findRenameLocations(id, member.name.getStart(source), false, false, {}) ?? [];
            // Shorthand properties and destructuring (a prefix or suffix) would change shape; leave those names be.
            if (locations.length === 0 || locations.some((location) => location.fileName !== id || location.prefixText || location.suffixText)) continue;
            // `$` starts no name in the sources, so the short names cannot meet a real one.
            const text = `$${(next++).toString(36)}`;
            for (const { textSpan } of locations) edits.push({ start: textSpan.start, end: textSpan.start + textSpan.length, text });
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
  plugins: [minifyTemplateLiterals(), shortenPrivateMembers()],
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
