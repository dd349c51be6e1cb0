export * from './types.js';
export * from './lists.js';
export * from './limits.js';
export * from './frames.js';
export type * from './push.js';
export type * from './room.js';
