/**
 * `@synced-cache/nats`: a NATS synchronizer for synced-cache (core NATS pub/sub, one subject per
 * namespace), with optional JetStream-backed replay of the events a pod missed while disconnected.
 *
 * @packageDocumentation
 */

/** This package's version. */
export const VERSION = '0.1.0';

export { createNatsSynchronizer } from './factory.js';
export type { NatsReplayOptions, NatsSynchronizerOptions } from './options.js';
export { NatsReplaySynchronizer } from './replay.js';
export { NatsSynchronizer } from './synchronizer.js';
