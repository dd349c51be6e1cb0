import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

/**
 * The schema library every schema of ours is written with: `zod/mini`, zod's tree-shakable build, whose functions
 * leave out what the server does not use (the full build attaches every method to every schema, and so bundles
 * all of them). Its checks and parsing are zod's own; only the English messages must be switched on, which the
 * full build does by itself. Import `z` from here, not from `zod/mini`, so that they always are. As the full build
 * does, this leaves a locale an application using zod itself configured in place (zod's configuration is global).
 */
if (!z.config().localeError) z.config(en());

export * from 'zod/mini';

/** An enum of the values of `schema` but `values`: the full build's `.exclude()`. */
export function exclude<const T extends string, const E extends T>(schema: z.ZodMiniEnum<{ [K in T]: K }>, values: readonly E[]) {
  return z.enum(schema.options.filter((value): value is Exclude<T, E> => !(values as readonly string[]).includes(value)));
}

/** An enum of `values` of `schema` only: the full build's `.extract()`. */
export function extract<const T extends string, const E extends T>(_schema: z.ZodMiniEnum<{ [K in T]: K }>, values: readonly E[]) {
  return z.enum(values);
}
