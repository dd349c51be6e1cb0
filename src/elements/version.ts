// Generated from package.json by scripts/write-version.mjs (`npm run build`, `npm version`); do not edit.

/** This package's version, compared when a page loads two copies of the elements. */
export const VERSION = '0.1.0';
