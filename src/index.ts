export { BaxCloudClient, type BaxCloudClientOptions } from './client/client.js';
export { BaxCloudError } from './client/errors.js';
export type * from './client/types.js';
export type * from './protocol/types.js';
export { LIMITS } from './protocol/limits.js';
// Web Push lives beside the client rather than on it, so pages that never use push do not carry it.
export { enablePushNotifications, disablePushNotifications, type PushConfig, type EnablePushOptions, type PushRegistration } from './client/push.js';
