import { registerTranslation, registry } from '../localize.js';
import { loadTranslation } from './load.js';

/**
 * The languages of the translations that come with the elements, each a module of its own, serving every region of
 * its language: Portuguese is Brazilian (`pt-BR`), Chinese is Simplified (`zh-CN`, for Traditional too, until the
 * page registers a translation for `zh-TW` or `zh-Hant`, which then wins).
 */
export const SHIPPED_LANGUAGES = /^(ar|de|es|fr|ja|pt|zh)\b/;

/** The module of the shipped translation for each language whose code is not the language's own. */
const MODULES: Record<string, string> = { pt: 'pt-BR', zh: 'zh-CN' };

/** The shipped translations asked for, by language. */
const loading = new Map<string, Promise<void>>();

/**
 * Loads and registers the shipped translation that serves `code` (a lowercase language tag), if there is one: for
 * its language, so `de-AT` and `de` share it and a translation the page registers for `de-AT` or `de` goes on top.
 * When the download fails, `code` leaves `asked`, so that the next render asks again.
 */
export function load(code: string, asked: Set<string>): Promise<void> | undefined {
  if (!SHIPPED_LANGUAGES.test(code)) return undefined;
  const language = code.split('-')[0]!;
  let loaded = loading.get(language);
  if (!loaded) {
    loaded = loadTranslation(MODULES[language] ?? language).then(
      ({ default: shipped }) => {
        const { translations } = registry();
        // Under whatever the page registered for the language meanwhile.
        registerTranslation({ ...shipped, $code: language }, translations.get(language) ?? { $code: language });
      },
      () => {
        loading.delete(language);
        asked.delete(code);
      },
    );
    loading.set(language, loaded);
  }
  return loaded;
}
