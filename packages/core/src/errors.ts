/**
 * One error family. Every error thrown by synced-cache packages extends {@link SyncedCacheError},
 * carries a stable `code`, the `cause`, and context (`key`, `action`). Use the static
 * `isInstance` checks rather than `instanceof` when several copies of core may be installed.
 */

const MARKER = Symbol.for('synced-cache.error');

/** Stable error codes. */
export type SyncedCacheErrorCode =
  | 'ERR_SYNCED_CACHE'
  | 'ERR_CACHE_CLOSED'
  | 'ERR_INVALID_CONFIG'
  | 'ERR_SERIALIZATION'
  | 'ERR_STORE'
  | 'ERR_TIMEOUT'
  | 'ERR_SYNCHRONIZER'
  | 'ERR_CIRCUIT_OPEN'
  | 'ERR_LIMIT'
  | 'ERR_BATCH';

/** Context attached to an error. */
export interface ErrorContext {
  /** The key the failing call was about. */
  key?: string | undefined;
  /** The operation, e.g. `'get'`, `'set'`, `'publish'`. */
  action?: string | undefined;
  /** The underlying error. */
  cause?: unknown;
}

/** Base class of every synced-cache error. */
export class SyncedCacheError extends Error {
  /** Stable machine-readable code. */
  readonly code: SyncedCacheErrorCode;
  /** The key the failing call was about, when there was one. */
  readonly key: string | undefined;
  /** The operation that failed. */
  readonly action: string | undefined;

  constructor(message: string, code: SyncedCacheErrorCode = 'ERR_SYNCED_CACHE', context: ErrorContext = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.name = new.target.name;
    this.code = code;
    this.key = context.key;
    this.action = context.action;
    Object.defineProperty(this, MARKER, { value: code });
  }

  /** True for any synced-cache error, even one from another installed copy of core. */
  static isInstance(error: unknown): error is SyncedCacheError {
    return typeof error === 'object' && error !== null && MARKER in error;
  }

  /** True when `error` is a synced-cache error with this class's code (works across copies). */
  protected static hasCode(error: unknown, code: SyncedCacheErrorCode): boolean {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[MARKER] === code;
  }
}

/** Thrown by every method called after `close()` (Go: `ErrCacheClosed`). */
export class CacheClosedError extends SyncedCacheError {
  constructor(context: ErrorContext = {}) {
    super(`cache is closed${context.action ? ` (${context.action})` : ''}`, 'ERR_CACHE_CLOSED', context);
  }
  static override isInstance(error: unknown): error is CacheClosedError {
    return SyncedCacheError.hasCode(error, 'ERR_CACHE_CLOSED');
  }
}

/** Invalid options (Go: `ErrInvalidConfig`); names the option and the value. */
export class InvalidConfigError extends SyncedCacheError {
  /** The option at fault, e.g. `'timeoutMs'`. */
  readonly option: string;
  /** The value that was given. */
  readonly value: unknown;

  constructor(option: string, value: unknown, expected: string, context: ErrorContext = {}) {
    super(
      `invalid option ${option}: ${describe(value)} (expected ${expected})`,
      'ERR_INVALID_CONFIG',
      context,
    );
    this.option = option;
    this.value = value;
  }
  static override isInstance(error: unknown): error is InvalidConfigError {
    return SyncedCacheError.hasCode(error, 'ERR_INVALID_CONFIG');
  }
}

/** A value could not be encoded or bytes could not be decoded. */
export class SerializationError extends SyncedCacheError {
  /** Path to the offending field, e.g. `'$.user.createdAt'`, when known. */
  readonly path: string | undefined;

  constructor(message: string, context: ErrorContext & { path?: string | undefined } = {}) {
    super(message, 'ERR_SERIALIZATION', context);
    this.path = context.path;
  }
  static override isInstance(error: unknown): error is SerializationError {
    return SyncedCacheError.hasCode(error, 'ERR_SERIALIZATION');
  }
}

/** The store failed (connection refused, script error, …). `cause` holds the client's error. */
export class StoreError extends SyncedCacheError {
  constructor(
    message: string,
    context: ErrorContext = {},
    code: 'ERR_STORE' | 'ERR_CIRCUIT_OPEN' = 'ERR_STORE',
  ) {
    super(message, code, context);
  }
  /** True for every store failure, a {@link CircuitOpenError} included. */
  static override isInstance(error: unknown): error is StoreError {
    return (
      SyncedCacheError.hasCode(error, 'ERR_STORE') || SyncedCacheError.hasCode(error, 'ERR_CIRCUIT_OPEN')
    );
  }
}

/**
 * The store was not called: after consecutive timeouts the cache fails store calls at once for a
 * while (the circuit is open) instead of making every caller wait `timeoutMs`. Nothing was sent,
 * so a write that fails with it did not happen. Local hits are still served. A {@link StoreError}
 * (`StoreError.isInstance` is true), with its own code `ERR_CIRCUIT_OPEN`.
 */
export class CircuitOpenError extends StoreError {
  /** When the next call will be let through to probe the store (ms since the epoch). */
  readonly retryAt: number;

  constructor(retryAt: number, context: ErrorContext = {}) {
    super(
      `${context.action ?? 'store call'} not sent: the store timed out repeatedly (circuit open until ${new Date(retryAt).toISOString()})`,
      context,
      'ERR_CIRCUIT_OPEN',
    );
    this.retryAt = retryAt;
  }
  static override isInstance(error: unknown): error is CircuitOpenError {
    return SyncedCacheError.hasCode(error, 'ERR_CIRCUIT_OPEN');
  }
}

/** The synchronizer failed to publish or subscribe. */
export class SynchronizerError extends SyncedCacheError {
  constructor(message: string, context: ErrorContext = {}) {
    super(message, 'ERR_SYNCHRONIZER', context);
  }
  static override isInstance(error: unknown): error is SynchronizerError {
    return SyncedCacheError.hasCode(error, 'ERR_SYNCHRONIZER');
  }
}

/** A store or bus call did not finish within `timeoutMs`. */
export class TimeoutError extends SyncedCacheError {
  /** The limit that was exceeded, in milliseconds. */
  readonly timeoutMs: number;

  constructor(timeoutMs: number, context: ErrorContext = {}) {
    super(`${context.action ?? 'operation'} timed out after ${timeoutMs} ms`, 'ERR_TIMEOUT', context);
    this.timeoutMs = timeoutMs;
  }
  static override isInstance(error: unknown): error is TimeoutError {
    return SyncedCacheError.hasCode(error, 'ERR_TIMEOUT');
  }
}

/** A key or value exceeds a configured limit (`maxKeyBytes`, `maxValueBytes`); nothing was written. */
export class LimitExceededError extends SyncedCacheError {
  /** The limit's option name. */
  readonly limit: string;
  /** The configured maximum. */
  readonly max: number;
  /** The actual size. */
  readonly actual: number;

  constructor(limit: string, max: number, actual: number, context: ErrorContext = {}) {
    super(`${limit} exceeded: ${actual} > ${max}`, 'ERR_LIMIT', context);
    this.limit = limit;
    this.max = max;
    this.actual = actual;
  }
  static override isInstance(error: unknown): error is LimitExceededError {
    return SyncedCacheError.hasCode(error, 'ERR_LIMIT');
  }
}

/**
 * Some entries of a batch call (`setMany`, `deleteMany`) failed; the others were done. `failures`
 * holds each failed key's own error (a `StoreError`, `TimeoutError`, …); `cause` is the first.
 */
export class BatchError extends SyncedCacheError {
  /** Each failed key's error. */
  readonly failures: ReadonlyMap<string, unknown>;
  /** How many entries the batch had (the ones not in `failures` succeeded). */
  readonly total: number;

  constructor(action: string, failures: ReadonlyMap<string, unknown>, total: number) {
    const first = failures.values().next().value;
    const detail = first instanceof Error ? `: ${first.message}` : '';
    super(`${action}: ${failures.size} of ${total} failed${detail}`, 'ERR_BATCH', { action, cause: first });
    this.failures = failures;
    this.total = total;
  }
  static override isInstance(error: unknown): error is BatchError {
    return SyncedCacheError.hasCode(error, 'ERR_BATCH');
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return '[function]';
  if (value === null || typeof value !== 'object') return String(value);
  try {
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 80)}…` : text;
  } catch {
    return Object.prototype.toString.call(value);
  }
}
