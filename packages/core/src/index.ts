export * from './contracts.js';
export * from './errors.js';
export type * from './options.js';
