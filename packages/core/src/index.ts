/**
 * `@synced-cache/core`: the two-level cache, its contracts, errors, the wire codec and the
 * embedded (single-process) store, synchronizer and local cache.
 *
 * @packageDocumentation
 */
export { createCache, SyncedCache } from './cache.js';
export {
  BATCH_ACTION_CODE,
  type CodecOptions,
  completePublication,
  decodeEvent,
  EVENT_FORMAT_VERSION,
  EVENT_MAGIC,
  EventDecodeError,
  encodeBatch,
  encodeEvent,
  isBatchFrame,
  MAX_BATCH_EVENTS,
  splitBatch,
  type WireAction,
  type WireEvent,
} from './codec.js';
export * from './contracts.js';
export * from './errors.js';
export { consoleLogger, createConsoleLogger, noopLogger } from './logger.js';
export { jsonMarshaller } from './marshaller.js';
export {
  type ClassCodec,
  checkDecodeInput,
  checkMaxBytes,
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_DEPTH,
  DEFAULT_MAX_LENGTH,
  type MarshallerBaseOptions,
  type ResolvedMarshallerOptions,
  resolveMarshallerOptions,
} from './marshalling.js';
export { MemoryStore, type MemoryStoreOptions } from './memory-store.js';
export { MemoryBus, MemorySynchronizer, type MemorySynchronizerOptions } from './memory-synchronizer.js';
export { CACHE_OPTION_NAMES, type OptionNames, rejectUnknownOptions } from './option-names.js';
export type * from './options.js';
export { SieveCache, type SieveCacheOptions } from './sieve-cache.js';
export { VERSION } from './version.js';
export {
  depthFailure,
  keySegment,
  limitFailure,
  mapValueSegment,
  rethrowWithSegment,
  toSerializationError,
  WalkFailure,
} from './walk-failure.js';
