import type { Logger } from './contracts.js';
import { SyncedCacheError } from './errors.js';
import type { CacheEventMap, ErrorInfo, SyncedCacheOptions } from './options.js';

/** A listener of one typed cache event. */
export type Listener<K extends keyof CacheEventMap> = (...args: CacheEventMap[K]) => void;

/**
 * Where a cache tells the world what happened: typed events (`on`), the `onError` hook and the
 * logger. A listener or hook that throws is logged, never thrown into the cache.
 *
 * @internal
 */
export class Reporter {
  private readonly listeners: { [K in keyof CacheEventMap]?: Set<Listener<K>> } = {};

  constructor(
    readonly logger: Logger,
    /** `debug` option: per-event debug logs. */
    readonly debug: boolean,
    private readonly onError: SyncedCacheOptions['onError'],
    private readonly namespace: string,
  ) {}

  /** Adds a listener; returns the function that removes it. */
  on<K extends keyof CacheEventMap>(name: K, listener: Listener<K>): () => void {
    let set = this.listeners[name] as Set<Listener<K>> | undefined;
    if (set === undefined) {
      set = new Set();
      (this.listeners as Record<string, Set<Listener<K>>>)[name] = set;
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  emit<K extends keyof CacheEventMap>(name: K, ...args: CacheEventMap[K]): void {
    const set = this.listeners[name] as Set<Listener<K>> | undefined;
    if (set === undefined) return;
    for (const listener of set) {
      try {
        listener(...args);
      } catch (error) {
        this.logger.error(`a '${name}' listener threw`, { error: String(error) });
      }
    }
  }

  /** A background error: logged at error level, passed to `onError`, emitted as `error`. */
  error(error: unknown, info: ErrorInfo): void {
    const typed = SyncedCacheError.isInstance(error)
      ? error
      : new SyncedCacheError(error instanceof Error ? error.message : String(error), 'ERR_SYNCED_CACHE', {
          cause: error,
          action: info.operation,
          key: info.key,
        });
    this.logger.error(`${info.operation} failed: ${typed.message}`, {
      code: typed.code,
      key: info.key,
      namespace: this.namespace,
    });
    if (this.onError !== undefined) {
      try {
        this.onError(typed, info);
      } catch (hookError) {
        this.logger.error('onError threw', { error: String(hookError) });
      }
    }
    this.emit('error', typed, info);
  }
}
