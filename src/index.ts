export { BaxCloudClient, type BaxCloudClientOptions } from './client/client.js';
export { BaxCloudError } from './client/errors.js';
export type * from './client/types.js';
export type * from './protocol/types.js';
export { LIMITS } from './protocol/limits.js';
