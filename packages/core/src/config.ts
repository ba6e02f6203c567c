import { randomBytes, randomInt } from 'node:crypto';
import { hostname } from 'node:os';
import type { CodecOptions } from './codec.js';
import type { LocalCache, Logger, Marshaller, Store, Synchronizer } from './contracts.js';
import { CONTRACT_VERSION } from './contracts.js';
import { InvalidConfigError, LimitExceededError } from './errors.js';
import { consoleLogger } from './logger.js';
import { jsonMarshaller } from './marshaller.js';
import { MemoryStore } from './memory-store.js';
import { MemorySynchronizer } from './memory-synchronizer.js';
import { CACHE_OPTION_NAMES } from './option-names.js';
import type { SyncedCacheOptions } from './options.js';
import { SieveCache } from './sieve-cache.js';

/**
 * A cache's options, validated once, with every default applied and the adapters resolved: what
 * the cache's modules read instead of the raw options. Also the pod's identity on the bus.
 *
 * @internal
 */
export interface CacheConfig<V> {
  readonly podId: string;
  /** Random per cache instance: tells this pod's events apart from a restarted pod's with the same id. */
  readonly epoch: number;
  readonly namespace: string;
  /** Store key prefix: the escaped namespace and `:`. */
  readonly prefix: string;
  /** The bus channel: the channel base name, `:`, the escaped namespace. */
  readonly channel: string;
  readonly store: Store;
  readonly synchronizer: Synchronizer;
  readonly marshaller: Marshaller<V>;
  readonly local: LocalCache<V>;
  readonly logger: Logger;
  readonly debug: boolean;
  readonly onError: SyncedCacheOptions<V>['onError'];
  readonly onSetLocalCache: SyncedCacheOptions<V>['onSetLocalCache'];
  /**
   * `set` and `setWithInvalidate` reach the store: a writer, or a reader allowed to set. As in the
   * Go library, only sets are gated by the role: `delete` and `clear` always reach the store and
   * every pod.
   */
  readonly setsStore: boolean;
  readonly timeoutMs: number;
  /** Default store TTL (`ttlMs`). */
  readonly ttlMs: number;
  /** Default local TTL (`localTtlMs`). */
  readonly localTtlMs: number;
  readonly maxKeyBytes: number;
  readonly maxValueBytes: number;
  readonly maxEventValueBytes: number;
  readonly maxPendingPublishes: number;
  readonly maxTrackedKeys: number;
  readonly heartbeatMs: number;
  readonly metricsEnabled: boolean;
  readonly codec: CodecOptions;
  /**
   * The store publishes each write's event in the same server-side step (`setAndPublish`), so
   * core does not publish set / invalidate / delete events itself. See `Store.publishesTo`.
   */
  readonly publishesThroughStore: boolean;
}

/**
 * Validates `options` and applies the defaults.
 * @throws InvalidConfigError naming the option and the value.
 */
export function resolveConfig<V>(options: SyncedCacheOptions<V>): CacheConfig<V> {
  const o = validateOptions(options);
  const podId = o.podId ?? defaultPodId();
  const namespace = o.namespace ?? 'default';
  const store = o.store ?? new MemoryStore();
  const synchronizer = o.synchronizer ?? new MemorySynchronizer();
  const marshaller = o.marshaller ?? formatMarshaller<V>(o.serializationFormat);
  const local = resolveLocalCache(o);
  const maxKeyBytes = o.maxKeyBytes ?? 16_384;
  const maxEventValueBytes = o.maxEventValueBytes ?? 65_536;
  const secret =
    o.secret === undefined ? undefined : typeof o.secret === 'string' ? Buffer.from(o.secret) : o.secret;
  const channel = `${o.channel ?? 'cache:invalidate'}:${escapeNamespace(namespace)}`;
  return {
    podId,
    epoch: randomInt(1, 2 ** 47),
    namespace,
    prefix: `${escapeNamespace(namespace)}:`,
    channel,
    store,
    synchronizer,
    marshaller,
    local,
    logger: o.logger ?? consoleLogger,
    debug: o.debug ?? false,
    onError: o.onError,
    onSetLocalCache: o.onSetLocalCache,
    setsStore: (o.role ?? 'writer') === 'writer' || (o.readerCanSetToStore ?? o.readerCanSetToRedis ?? false),
    timeoutMs: o.timeoutMs ?? 1000,
    ttlMs: o.ttlMs ?? 0,
    localTtlMs: o.localTtlMs ?? 0,
    maxKeyBytes,
    maxValueBytes: o.maxValueBytes ?? 16_777_216,
    maxEventValueBytes,
    maxPendingPublishes: o.maxPendingPublishes ?? 10_000,
    maxTrackedKeys: o.maxTrackedKeys ?? 100_000,
    heartbeatMs: o.heartbeatMs ?? 5000,
    metricsEnabled: o.enableMetrics ?? true,
    codec: {
      maxKeyBytes,
      maxValueBytes: maxEventValueBytes,
      secret,
      signedContext: secret === undefined ? undefined : Buffer.from(channel, 'utf8'),
    },
    publishesThroughStore: secret === undefined && storePublishesTo(store, synchronizer),
  };
}

/** Every option name (one list, kept complete by its type: see option-names.ts). */
const OPTION_KEYS = new Set(Object.keys(CACHE_OPTION_NAMES));

function validateOptions<V>(options: SyncedCacheOptions<V>): SyncedCacheOptions<V> {
  if (options === null || typeof options !== 'object') {
    throw new InvalidConfigError('options', options, 'an object');
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key))
      throw new InvalidConfigError(
        key,
        (options as Record<string, unknown>)[key],
        'a known option (unknown option name)',
      );
  }
  const o = options;
  optionalString('podId', o.podId, 1, 255);
  optionalString('namespace', o.namespace, 1, 1024);
  optionalString('channel', o.channel, 1, 1024);
  if (
    o.serializationFormat !== undefined &&
    o.serializationFormat !== 'json' &&
    o.serializationFormat !== 'msgpack'
  ) {
    throw new InvalidConfigError('serializationFormat', o.serializationFormat, "'json' or 'msgpack'");
  }
  if (o.role !== undefined && o.role !== 'writer' && o.role !== 'reader') {
    throw new InvalidConfigError('role', o.role, "'writer' or 'reader'");
  }
  for (const name of ['debug', 'enableMetrics', 'readerCanSetToStore', 'readerCanSetToRedis'] as const) {
    if (o[name] !== undefined && typeof o[name] !== 'boolean')
      throw new InvalidConfigError(name, o[name], 'a boolean');
  }
  if (
    o.readerCanSetToStore !== undefined &&
    o.readerCanSetToRedis !== undefined &&
    o.readerCanSetToStore !== o.readerCanSetToRedis
  ) {
    throw new InvalidConfigError(
      'readerCanSetToRedis',
      o.readerCanSetToRedis,
      `the same as readerCanSetToStore (${o.readerCanSetToStore}): it is the Go library's name for that option`,
    );
  }
  for (const name of ['onError', 'onSetLocalCache'] as const) {
    if (o[name] !== undefined && typeof o[name] !== 'function')
      throw new InvalidConfigError(name, o[name], 'a function');
  }
  optionalNumber('timeoutMs', o.timeoutMs, 1, 2 ** 31 - 1);
  optionalNumber('ttlMs', o.ttlMs, 0, Number.MAX_SAFE_INTEGER);
  optionalNumber('localTtlMs', o.localTtlMs, 0, Number.MAX_SAFE_INTEGER);
  optionalNumber('maxKeyBytes', o.maxKeyBytes, 1, 2 ** 29);
  optionalNumber('maxValueBytes', o.maxValueBytes, 1, 2 ** 31 - 1);
  optionalNumber('maxEventValueBytes', o.maxEventValueBytes, 0, 2 ** 31 - 1);
  optionalNumber('heartbeatMs', o.heartbeatMs, 0, 2 ** 31 - 1);
  optionalNumber('maxTrackedKeys', o.maxTrackedKeys, 1, 2 ** 30);
  optionalNumber('maxPendingPublishes', o.maxPendingPublishes, 1, 2 ** 30);
  if (
    o.secret !== undefined &&
    !(typeof o.secret === 'string' && o.secret.length > 0) &&
    !(o.secret instanceof Uint8Array && o.secret.length > 0)
  ) {
    throw new InvalidConfigError('secret', o.secret, 'a non-empty string or Uint8Array');
  }
  expectMethods('store', o.store, ['get', 'getMany', 'set', 'delete', 'clear', 'size', 'close']);
  expectMethods('synchronizer', o.synchronizer, ['publish', 'subscribe', 'close']);
  expectMethods('marshaller', o.marshaller, ['encode', 'decode']);
  expectMethods('logger', o.logger, ['debug', 'info', 'warn', 'error']);
  if (o.localCache !== undefined && typeof o.localCache !== 'function') {
    const isFactory = typeof (o.localCache as { create?: unknown }).create === 'function';
    if (!isFactory)
      expectMethods('localCache', o.localCache, ['get', 'set', 'delete', 'clear', 'metrics', 'close']);
  }
  if (o.localCacheConfig !== undefined)
    validateLocalCacheConfig(o.localCacheConfig, o.localCache !== undefined);
  return o;
}

/** The fields of the Go library's `LocalCacheConfig` that only an LFU (Ristretto-like) tier uses. */
const LFU_ONLY_FIELDS = ['numCounters', 'bufferItems', 'ignoreInternalCost'] as const;

/**
 * `localCacheConfig` sizes the default tier: `maxSize` and `maxCost`. The LFU fields are rejected
 * rather than silently ignored (the default tier has no counters), naming where they belong, and
 * so is the whole option next to `localCache` (a tier you pass is configured by its own factory).
 */
function validateLocalCacheConfig(config: unknown, withLocalCache: boolean): void {
  if (config === null || typeof config !== 'object') {
    throw new InvalidConfigError('localCacheConfig', config, 'an object');
  }
  if (withLocalCache) {
    throw new InvalidConfigError(
      'localCacheConfig',
      config,
      'not given with localCache: pass the settings to your local cache factory, e.g. lfuCacheFactory({ maxCost })',
    );
  }
  const fields = config as Record<string, unknown>;
  for (const name of Object.keys(fields)) {
    if ((LFU_ONLY_FIELDS as readonly string[]).includes(name)) {
      throw new InvalidConfigError(
        `localCacheConfig.${name}`,
        fields[name],
        `not set for the default SIEVE tier, which has no frequency counters: use localCache: lfuCacheFactory({ ${name}, … }) from @synced-cache/lfu`,
      );
    }
    if (name !== 'maxSize' && name !== 'maxCost') {
      throw new InvalidConfigError(
        `localCacheConfig.${name}`,
        fields[name],
        'maxSize or maxCost (unknown field)',
      );
    }
  }
  optionalNumber('localCacheConfig.maxSize', fields.maxSize, 1, 2 ** 30);
  optionalNumber('localCacheConfig.maxCost', fields.maxCost, 1, Number.MAX_SAFE_INTEGER);
}

function expectMethods(option: string, value: unknown, methods: string[]): void {
  if (value === undefined) return;
  if (value === null || typeof value !== 'object')
    throw new InvalidConfigError(option, value, `an object with ${methods.join(', ')}`);
  for (const method of methods) {
    if (typeof (value as Record<string, unknown>)[method] !== 'function') {
      throw new InvalidConfigError(option, value, `an object with a ${method}() method`);
    }
  }
  const version = (value as { contractVersion?: unknown }).contractVersion;
  if (version !== undefined && (typeof version !== 'number' || version > CONTRACT_VERSION)) {
    throw new InvalidConfigError(
      `${option}.contractVersion`,
      version,
      `≤ ${CONTRACT_VERSION} (upgrade @synced-cache/core)`,
    );
  }
}

function optionalString(option: string, value: unknown, min: number, max: number): void {
  if (value === undefined) return;
  if (typeof value !== 'string' || value.length < min || Buffer.byteLength(value) > max) {
    throw new InvalidConfigError(option, value, `a string of ${min}..${max} bytes`);
  }
}

function optionalNumber(option: string, value: unknown, min: number, max: number): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidConfigError(option, value, `an integer from ${min} to ${max}`);
  }
}

/**
 * The marshaller for `serializationFormat` when no `marshaller` is given. Core imports none of the
 * format packages (they depend on core): `'json'`, like the Go library's default, is core's
 * built-in plain JSON; `'msgpack'` needs the marshaller passed in.
 */
function formatMarshaller<V>(format: SyncedCacheOptions<V>['serializationFormat']): Marshaller<V> {
  if (format === 'msgpack') {
    throw new InvalidConfigError(
      'serializationFormat',
      format,
      'its marshaller passed in: npm install @synced-cache/msgpack, then `marshaller: createMsgpackMarshaller()` (core loads no format package by name)',
    );
  }
  return jsonMarshaller as Marshaller<V>;
}

/** A per-call duration option (`ttlMs`, `localTtlMs` of `set`). */
export function checkDuration(option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > Number.MAX_SAFE_INTEGER) {
    throw new InvalidConfigError(option, value, 'a whole number of milliseconds ≥ 0');
  }
  return value;
}

/** The local TTL: the shorter of the store TTL and the local bound (0 means none). */
export function localTtl(storeTtlMs: number, localTtlMs: number): number {
  if (storeTtlMs === 0) return localTtlMs;
  if (localTtlMs === 0) return storeTtlMs;
  return Math.min(storeTtlMs, localTtlMs);
}

/** Whether `key` is over `maxKeyBytes` in UTF-8; measures only keys that could be (3 bytes per UTF-16 unit at most). */
export function keyTooLong(key: string, maxKeyBytes: number): boolean {
  return key.length * 3 > maxKeyBytes && Buffer.byteLength(key, 'utf8') > maxKeyBytes;
}

/**
 * The key of a write: a string of at most `maxKeyBytes`.
 * @throws InvalidConfigError, LimitExceededError
 */
export function checkKey(key: string, maxKeyBytes: number, action: string): void {
  if (typeof key !== 'string') throw keyTypeError(key);
  if (keyTooLong(key, maxKeyBytes)) {
    const bytes = Buffer.byteLength(key, 'utf8');
    throw new LimitExceededError('maxKeyBytes', maxKeyBytes, bytes, { key: key.slice(0, 64), action });
  }
}

/**
 * What is wrong with `key` for any method (reads included, so a key no write could store is an
 * error everywhere rather than a silent miss), or `undefined` when it is fine.
 */
export function keyProblem(key: unknown, maxKeyBytes: number, action: string): Error | undefined {
  try {
    checkKey(key as string, maxKeyBytes, action);
    return undefined;
  } catch (error) {
    return error as Error;
  }
}

export function keyTypeError(key: unknown): InvalidConfigError {
  return new InvalidConfigError('key', key, 'a string');
}

function resolveLocalCache<V>(o: SyncedCacheOptions<V>): LocalCache<V> {
  const given = o.localCache;
  if (given === undefined) {
    return new SieveCache<V>({
      maxSize: o.localCacheConfig?.maxSize ?? 10_000,
      maxCost: o.localCacheConfig?.maxCost,
    });
  }
  let local: unknown = given;
  if (typeof given === 'function') local = given();
  else if (typeof (given as { create?: unknown }).create === 'function')
    local = (given as { create(): unknown }).create();
  expectMethods('localCache', local, ['get', 'set', 'delete', 'clear', 'metrics', 'close']);
  return local as LocalCache<V>;
}

/** Escapes `%` and `:` so that no namespace's prefix is a prefix of another's. */
function escapeNamespace(namespace: string): string {
  return namespace.replace(/[%:]/g, (c) => (c === '%' ? '%25' : '%3A'));
}

function defaultPodId(): string {
  return `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** Whether `store` publishes events for `synchronizer` itself (all three optional methods, and it says so). */
function storePublishesTo(store: Store, synchronizer: Synchronizer): boolean {
  if (typeof store.setAndPublish !== 'function' || typeof store.deleteAndPublish !== 'function') return false;
  try {
    return store.publishesTo?.(synchronizer) === true;
  } catch {
    return false;
  }
}
