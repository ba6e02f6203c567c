import { Deadline, type Deadlines } from './deadlines.js';
import { StoreError, SyncedCacheError, SynchronizerError, TimeoutError } from './errors.js';

/** Which adapter a call goes to; decides the error type its failures become. */
export type AdapterKind = 'store' | 'sync';

/** A bounded adapter call (see {@link Calls.run}); its own deadline node. */
class PendingCall<T> extends Deadline {
  resolve!: (value: T) => void;
  reject!: (error: unknown) => void;

  constructor(
    readonly timeoutMs: number,
    readonly action: string,
    readonly key: string | undefined,
  ) {
    super();
  }

  expire(): void {
    this.reject(new TimeoutError(this.timeoutMs, { action: this.action, key: this.key }));
  }
}

/**
 * Runs adapter calls (store and synchronizer) with the cache's one deadline and maps whatever they
 * throw to typed errors. Every call a cache makes to an adapter goes through here.
 *
 * @internal
 */
export class Calls {
  constructor(readonly deadlines: Deadlines) {}

  /** Runs `op`, rejecting with a {@link TimeoutError} after `timeoutMs` and with typed errors on failure. */
  run<T>(op: () => Promise<T>, action: string, key: string | undefined, kind: AdapterKind): Promise<T> {
    const pending = new PendingCall<T>(this.deadlines.timeoutMs, action, key);
    const promise = new Promise<T>((resolve, reject) => {
      pending.resolve = resolve;
      pending.reject = reject;
    });
    let result: Promise<T>;
    try {
      result = op();
    } catch (error) {
      pending.reject(wrapAdapterError(error, kind, action, key));
      return promise;
    }
    this.deadlines.track(pending);
    Promise.resolve(result).then(
      (value) => {
        if (this.deadlines.settle(pending)) pending.resolve(value);
      },
      (error: unknown) => {
        if (this.deadlines.settle(pending)) pending.reject(wrapAdapterError(error, kind, action, key));
      },
    );
    return promise;
  }
}

/** An adapter's error as a typed one: ours pass through, others become StoreError / SynchronizerError. */
export function wrapAdapterError(
  error: unknown,
  kind: AdapterKind,
  action: string,
  key: string | undefined,
): SyncedCacheError {
  if (SyncedCacheError.isInstance(error)) return error;
  const message = `${action} failed: ${error instanceof Error ? error.message : String(error)}`;
  return kind === 'store'
    ? new StoreError(message, { cause: error, action, key })
    : new SynchronizerError(message, { cause: error, action, key });
}
