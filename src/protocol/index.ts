export * from './types.js';
export * from './limits.js';
export * from './frames.js';
export type * from './push.js';
