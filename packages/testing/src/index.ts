/**
 * `@synced-cache/testing`: the conformance suites every synced-cache adapter runs, chaos wrappers
 * that inject faults into any store or synchronizer, sample values and a decode fuzzer for
 * type-faithful marshallers, and `waitForSync` so that no test sleeps.
 *
 * @packageDocumentation
 */

export { type ChaosStore, type ChaosStoreCounts, type ChaosStoreOptions, chaosStore } from './chaos-store.js';
export {
  type ChaosCounts,
  type ChaosOptions,
  type ChaosSynchronizer,
  chaosSynchronizer,
} from './chaos-synchronizer.js';
export {
  describeLateWrites,
  type LateWritesSetup,
  type LateWritesSuiteOptions,
} from './late-writes-suite.js';
export {
  describeLocalCache,
  type LocalCacheSuiteOptions,
  type LocalCacheTestConfig,
  type LocalCacheTestFactory,
} from './local-cache-suite.js';
export { type DecodeFuzzOptions, describeDecodeFuzz } from './marshaller-fuzz.js';
export {
  hostileObjectKey,
  Money,
  type MoneyPlain,
  moneyCodec,
  typeFaithfulBinary,
  typeFaithfulCorpus,
  typeFaithfulDifference,
  typeFaithfulLeaf,
  typeFaithfulValue,
} from './marshaller-samples.js';
export { describeMarshaller, type MarshallerSuiteOptions } from './marshaller-suite.js';
export { mulberry32, randomId } from './random.js';
export { describeStorePublication, type PublishingPair } from './store-publication-suite.js';
export { describeStore, HOSTILE_STORE_KEYS, type StoreSuiteOptions } from './store-suite.js';
export { describeSyncedCache, type PodAdapters, type SyncedCacheSuiteOptions } from './synced-cache-suite.js';
export { describeSynchronizer, type SynchronizerSuiteOptions } from './synchronizer-suite.js';
export { VERSION } from './version.js';
export { type WaitForSyncOptions, waitForSync } from './wait-for-sync.js';
