export * from './call-request.js';
export * from './call-start.js';
export * from './invitation-accepted.js';
export * from './invitation-canceled.js';
export * from './invitation-declined.js';
export * from './invitation-expired.js';
export * from './invitation-received.js';
export * from './invitation-sent.js';
