/**
 * One timer for every bounded adapter call instead of a `setTimeout` per call: calls register a
 * deadline, and a sweep that runs while any call is pending rejects the overdue ones. A timeout
 * fires between `timeoutMs` and `timeoutMs + tick` after the call started (tick = timeoutMs / 20,
 * at least 1 ms). The sweep is a referenced interval, so a pending call keeps the process alive
 * until it settles or times out, exactly like a per-call timer would.
 *
 * @internal
 */
export interface Deadline {
  /** Absolute time (performance.now) after which the call is overdue. */
  readonly at: number;
  /** Rejects the caller's promise; called at most once, by the sweep. */
  readonly expire: () => void;
}

/** Tracks deadlines of pending calls with one shared sweep; see the file comment. @internal */
export class Deadlines {
  private readonly pending = new Set<Deadline>();
  private timer: NodeJS.Timeout | undefined;
  private readonly tickMs: number;

  constructor(readonly timeoutMs: number) {
    this.tickMs = Math.max(1, Math.floor(timeoutMs / 20));
  }

  /** Starts tracking a call; returns the handle to pass to {@link Deadlines.settle}. */
  track(expire: () => void): Deadline {
    const deadline: Deadline = { at: performance.now() + this.timeoutMs, expire };
    this.pending.add(deadline);
    if (this.timer === undefined) this.timer = setInterval(() => this.sweep(), this.tickMs);
    return deadline;
  }

  /** The call settled in time. */
  settle(deadline: Deadline): void {
    this.pending.delete(deadline);
  }

  /** Stops the sweep; pending calls are left to settle by themselves. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private sweep(): void {
    const now = performance.now();
    for (const deadline of this.pending) {
      if (deadline.at > now) continue;
      this.pending.delete(deadline);
      deadline.expire();
    }
    if (this.pending.size === 0) this.stop();
  }
}
