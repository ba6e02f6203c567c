import { Deadline, type Deadlines } from './deadlines.js';
import { CircuitOpenError, StoreError, SyncedCacheError, SynchronizerError, TimeoutError } from './errors.js';

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

  /** Told when the call times out (the store circuit counts them). */
  onExpire: (() => void) | undefined = undefined;

  expire(): void {
    this.onExpire?.();
    this.reject(new TimeoutError(this.timeoutMs, { action: this.action, key: this.key }));
  }
}

/** The store circuit: `closed` (calls go through), `open` (they fail at once), `half-open` (one probe is out). */
export type CircuitState = 'closed' | 'open' | 'half-open';

/** Consecutive store timeouts that open the circuit. */
const TIMEOUTS_TO_OPEN = 5;

/**
 * Runs adapter calls (store and synchronizer) with the cache's one deadline and maps whatever they
 * throw to typed errors. Every call a cache makes to an adapter goes through here.
 *
 * Store calls also pass a circuit breaker: after {@link TIMEOUTS_TO_OPEN} consecutive timeouts
 * the store is presumed down and calls fail at once with {@link CircuitOpenError} for a cool-down
 * of 5 × `timeoutMs`; then one call is let through as a probe — an answer closes the circuit, a
 * timeout opens it again. So an outage costs each caller nothing instead of `timeoutMs`, and the
 * store is not hammered while it recovers.
 *
 * @internal
 */
export class Calls {
  /** The store circuit's state. */
  circuit: CircuitState = 'closed';
  private consecutiveTimeouts = 0;
  private openUntil = 0;

  private probeTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    readonly deadlines: Deadlines,
    /** Told of every circuit change. */
    private readonly onCircuit: (state: CircuitState) => void = () => {},
    /**
     * A cheap store read sent every `timeoutMs` while the circuit is open: the first answer closes
     * it, so reads come back as soon as the store does instead of after the cool-down.
     */
    private readonly probe?: () => Promise<unknown>,
  ) {}

  /** No more background probes (the cache is closing). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
  }

  /**
   * Runs `op`, rejecting with a {@link TimeoutError} after `timeoutMs` (or at `deadlineAt`, a
   * `performance.now()` time, when the caller's budget is partly spent) and with typed errors on
   * failure.
   */
  run<T>(
    op: () => Promise<T>,
    action: string,
    key: string | undefined,
    kind: AdapterKind,
    deadlineAt?: number,
  ): Promise<T> {
    return this.execute(op, action, key, kind, deadlineAt, kind === 'store');
  }

  /**
   * Like {@link Calls.run}, outside the store circuit: never refused while it is open, and its
   * outcome does not count towards it. For closing, which must always be tried.
   */
  runOutsideCircuit<T>(op: () => Promise<T>, action: string, kind: AdapterKind): Promise<T> {
    return this.execute(op, action, undefined, kind, undefined, false);
  }

  private execute<T>(
    op: () => Promise<T>,
    action: string,
    key: string | undefined,
    kind: AdapterKind,
    deadlineAt: number | undefined,
    /** Store calls: refused while the circuit is open, and counted towards it. */
    store: boolean,
  ): Promise<T> {
    if (store) {
      const refused = this.refuse(action, key);
      if (refused !== undefined) return Promise.reject(refused);
    }
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
    this.deadlines.track(pending, deadlineAt);
    Promise.resolve(result).then(
      (value) => {
        if (!this.deadlines.settle(pending)) return;
        if (store) this.answered();
        pending.resolve(value);
      },
      (error: unknown) => {
        if (!this.deadlines.settle(pending)) return;
        if (store) this.answered();
        pending.reject(wrapAdapterError(error, kind, action, key));
      },
    );
    if (store) pending.onExpire = this.timedOut;
    return promise;
  }

  /**
   * The error a store call fails with at once while the circuit is open, else undefined (the call
   * may go; after the cool-down the first one goes as the probe). For store calls made outside
   * {@link Calls.run} (the reader's fills), with {@link Calls.answered} and {@link Calls.timedOut}.
   */
  refuse(action: string, key: string | undefined): CircuitOpenError | undefined {
    if (this.circuit === 'closed') return undefined;
    if (this.circuit === 'open' && performance.now() >= this.openUntil) {
      this.setCircuit('half-open');
      return undefined;
    }
    return new CircuitOpenError(Date.now() + Math.max(0, this.openUntil - performance.now()), {
      action,
      key,
    });
  }

  /** The store answered (even with an error: it is reachable). */
  answered(): void {
    this.consecutiveTimeouts = 0;
    if (this.circuit !== 'closed') this.setCircuit('closed');
  }

  /** A store call timed out. */
  readonly timedOut = (): void => {
    this.consecutiveTimeouts++;
    if (
      this.circuit === 'half-open' ||
      (this.circuit === 'closed' && this.consecutiveTimeouts >= TIMEOUTS_TO_OPEN)
    ) {
      this.openUntil = performance.now() + 5 * this.deadlines.timeoutMs;
      this.setCircuit('open');
    }
  };

  private setCircuit(state: CircuitState): void {
    this.circuit = state;
    this.onCircuit(state);
    if (state === 'open') this.scheduleProbe();
  }

  /**
   * While the circuit is open, probes the store every `timeoutMs` in the background (outside the
   * circuit): an answer closes it; a timeout schedules the next probe. Callers keep failing fast
   * meanwhile. Without it, recovery waited for the cool-down and a caller's probe, which could
   * land on a connection the adapter was still replacing and open the circuit for another
   * cool-down (reads unavailable for over 5 s after a 1 s outage in the soak).
   */
  private scheduleProbe(): void {
    if (this.probe === undefined || this.probeTimer !== undefined || this.stopped) return;
    const probe = this.probe;
    this.probeTimer = setTimeout(() => {
      this.probeTimer = undefined;
      if (this.circuit === 'closed' || this.stopped) return;
      this.execute(probe, 'probe', undefined, 'store', undefined, false).then(
        () => this.answered(),
        (error: unknown) => {
          if (this.stopped) return;
          if (TimeoutError.isInstance(error)) this.scheduleProbe();
          else this.answered();
        },
      );
    }, this.deadlines.timeoutMs);
    this.probeTimer.unref();
  }
}

/** Delay before retry number `attempt` (from 0) of a background store read: 50 ms doubling, at most 5 s. */
export function backoffMs(attempt: number): number {
  return Math.min(50 * 2 ** attempt, 5000);
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
