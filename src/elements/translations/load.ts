import type { Translation } from '../translation.js';

/**
 * Imports the shipped translation module `module` (`de`, `pt-BR`) from beside this one. A bundler sees the pattern
 * and keeps every module it matches. The script-tag build replaces this module (see vite.config.ts): there the
 * translations are files beside bax-call.js.
 */
export const loadTranslation = (module: string): Promise<{ default: Translation }> => import(`./${module}.js`);
