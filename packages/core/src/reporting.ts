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
  /** Per operation and code: when an error was last logged, and how many were not logged since. */
  private readonly logged = new Map<string, { at: number; suppressed: number }>();

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

  /**
   * Whether `name` has a listener: per-message emitters check this first, so a pod that nobody
   * listens to does not build the listener arguments for every message.
   */
  listens(name: keyof CacheEventMap): boolean {
    const set = this.listeners[name];
    return set !== undefined && set.size > 0;
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

  /**
   * A background error: passed to `onError` and emitted as `error` every time; logged at error
   * level at most once per {@link ERROR_LOG_INTERVAL_MS} for each operation and code (an outage
   * would otherwise log every failed call), with the count of those not logged in between.
   */
  error(error: unknown, info: ErrorInfo): void {
    const typed = SyncedCacheError.isInstance(error)
      ? error
      : new SyncedCacheError(error instanceof Error ? error.message : String(error), 'ERR_SYNCED_CACHE', {
          cause: error,
          action: info.operation,
          key: info.key,
        });
    this.log(typed, info);
    if (this.onError !== undefined) {
      try {
        this.onError(typed, info);
      } catch (hookError) {
        this.logger.error('onError threw', { error: String(hookError) });
      }
    }
    this.emit('error', typed, info);
  }

  private log(typed: SyncedCacheError, info: ErrorInfo): void {
    const kind = `${info.operation} ${typed.code}`;
    const now = Date.now();
    const last = this.logged.get(kind);
    if (last !== undefined && now - last.at < ERROR_LOG_INTERVAL_MS) {
      last.suppressed++;
      return;
    }
    const suppressed = last?.suppressed ?? 0;
    this.logged.set(kind, { at: now, suppressed: 0 });
    this.logger.error(`${info.operation} failed: ${typed.message}`, {
      code: typed.code,
      key: info.key,
      namespace: this.namespace,
      ...(suppressed > 0 ? { suppressed } : {}),
    });
  }
}

/** Errors of one operation and code are logged at most once per this many ms (see {@link Reporter.error}). */
export const ERROR_LOG_INTERVAL_MS = 10_000;
