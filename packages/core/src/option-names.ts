import { InvalidConfigError } from './errors.js';
import type { SyncedCacheOptions } from './options.js';

/**
 * Every option name of `T`, as the keys of an object (`{ maxEntries: true, … }`): written this
 * way, the compiler checks that the list is complete whenever an option is added to `T`.
 */
export type OptionNames<T> = { readonly [K in keyof Required<T>]: true };

/**
 * Rejects option names an options object does not know, so a misspelt or foreign option (say
 * node-redis' `url` given to an ioredis factory) fails at start-up instead of silently doing
 * nothing. Call it before connecting anything.
 *
 * @param options - the options as given (an object; other values are left to the caller).
 * @param known - every option name ({@link OptionNames}).
 * @param prefix - put before the option in the error, e.g. `'redis.'` for nested options.
 * @throws InvalidConfigError naming the first unknown option, its value and the known ones.
 * @example
 * ```ts
 * const NAMES: OptionNames<MyStoreOptions> = { timeoutMs: true, prefix: true };
 * rejectUnknownOptions(options, NAMES); // { timeoutMS: 5 } → invalid option timeoutMS: 5 (…)
 * ```
 */
export function rejectUnknownOptions<T extends object>(options: T, known: OptionNames<T>, prefix = ''): void {
  if (typeof options !== 'object' || options === null) return;
  for (const name of Object.keys(options)) {
    if (!Object.hasOwn(known, name)) {
      throw new InvalidConfigError(
        `${prefix}${name}`,
        (options as Record<string, unknown>)[name],
        `a known option; this is not one (known: ${Object.keys(known).join(', ')})`,
      );
    }
  }
}

/**
 * Every option name of {@link SyncedCacheOptions}, for factories that build a cache around
 * connections they open (`createIoredisCache`, `createRedisCache`): checking the names first means
 * a misspelt cache option fails before anything is connected. `createCache` checks them too.
 */
export const CACHE_OPTION_NAMES: OptionNames<SyncedCacheOptions> = {
  podId: true,
  namespace: true,
  store: true,
  synchronizer: true,
  channel: true,
  localCache: true,
  localCacheConfig: true,
  serializationFormat: true,
  marshaller: true,
  logger: true,
  debug: true,
  timeoutMs: true,
  enableMetrics: true,
  onError: true,
  role: true,
  readerCanSetToStore: true,
  readerCanSetToRedis: true,
  onSetLocalCache: true,
  ttlMs: true,
  localTtlMs: true,
  maxKeyBytes: true,
  maxValueBytes: true,
  maxEventValueBytes: true,
  secret: true,
  heartbeatMs: true,
  maxTrackedKeys: true,
  maxPendingPublishes: true,
};
