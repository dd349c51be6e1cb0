/** This package's version, compared when a page loads two copies of the elements. Keep in step with package.json. */
export const VERSION = '0.1.0';
