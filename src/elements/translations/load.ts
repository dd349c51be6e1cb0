import type { Translation } from '../translation.js';

/** The module of the shipped translation for each language whose code is not the language's own. */
const MODULES: Record<string, string> = { pt: 'pt-BR', zh: 'zh-CN' };

/**
 * Imports the shipped translation for `language` (`de`, `pt`) from its module beside this one (`de.js`,
 * `pt-BR.js`). A bundler sees the pattern and keeps every module it matches. The script-tag build replaces this
 * module (see vite.config.ts): there the translations are files beside bax-call.js.
 */
export const loadTranslation = (language: string): Promise<{ default: Translation }> => import(`./${MODULES[language] ?? language}.js`);
