/**
 * One timer for every bounded adapter call instead of a `setTimeout` per call. Every call gets the
 * same timeout, so deadlines arrive in the order calls start: pending calls form an intrusive
 * doubly linked list in deadline order (the call object is the node, so tracking allocates
 * nothing), a settled call unlinks itself in O(1), and a sweep that runs while any call is pending
 * expires calls from the head until it meets one that is not yet due.
 *
 * A timeout fires between `timeoutMs` and `timeoutMs + tick` after the call started (tick =
 * timeoutMs / 20, at least 1 ms), never early, and only after the I/O already waiting has been
 * read (so an event-loop stall does not expire calls whose answers arrived during it). The sweep
 * is a referenced interval, so a pending call keeps the process alive until it settles or times
 * out, exactly like a per-call timer would; it stops when nothing is pending.
 *
 * @internal
 */
export abstract class Deadline {
  /** Absolute time (performance.now) after which the call is overdue; -1 when not tracked. */
  at = -1;
  prev: Deadline | undefined = undefined;
  next: Deadline | undefined = undefined;
  /** Called at most once, by the sweep, when the call is overdue (it is untracked by then). */
  abstract expire(): void;
}

/** Tracks deadlines of pending calls with one shared sweep; see the file comment. @internal */
export class Deadlines {
  private head: Deadline | undefined;
  private tail: Deadline | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly tickMs: number;

  constructor(readonly timeoutMs: number) {
    this.tickMs = Math.max(1, Math.floor(timeoutMs / 20));
  }

  /**
   * Starts tracking `deadline` (which must not be tracked already), due `timeoutMs` from now or at
   * `at` (a `performance.now()` time) when that is sooner: a call that shares its caller's budget
   * with an earlier one. Such a deadline is inserted in order, walking back from the tail.
   */
  track(deadline: Deadline, at?: number): void {
    const due = performance.now() + this.timeoutMs;
    this.insert(deadline, at === undefined || at > due ? due : at);
  }

  /**
   * Starts tracking every deadline of `deadlines` (none tracked already), all due `timeoutMs` from
   * now: one clock reading for a batch of calls started together.
   */
  trackAll(deadlines: readonly Deadline[]): void {
    const due = performance.now() + this.timeoutMs;
    for (const deadline of deadlines) this.insert(deadline, due);
  }

  private insert(deadline: Deadline, at: number): void {
    deadline.at = at;
    let before = this.tail;
    while (before !== undefined && before.at > deadline.at) before = before.prev;
    deadline.prev = before;
    deadline.next = before === undefined ? this.head : before.next;
    if (deadline.next === undefined) this.tail = deadline;
    else deadline.next.prev = deadline;
    if (before === undefined) this.head = deadline;
    else before.next = deadline;
    if (this.timer === undefined) this.timer = setInterval(this.tick, this.tickMs);
  }

  /**
   * The call settled: stop tracking it. Returns false when it was not tracked (it already
   * expired or settled), so the caller can tell a late result from a timely one.
   */
  settle(deadline: Deadline): boolean {
    if (deadline.at < 0) return false;
    this.unlink(deadline);
    return true;
  }

  /**
   * The interval's callback. The sweep runs after the I/O that is already waiting: after the event
   * loop was blocked (a long GC pause, synchronous work), timers run before sockets are read, and
   * a call whose answer arrived during the block would otherwise expire with it in hand.
   */
  private readonly tick = (): void => {
    setImmediate(this.sweepNow);
  };

  private readonly sweepNow = (): void => {
    this.sweep();
  };

  /** Number of calls being tracked (for tests). */
  get size(): number {
    let count = 0;
    for (let node = this.head; node !== undefined; node = node.next) count++;
    return count;
  }

  /** Stops the sweep; pending calls are left to settle by themselves. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private unlink(deadline: Deadline): void {
    const { prev, next } = deadline;
    if (prev === undefined) this.head = next;
    else prev.next = next;
    if (next === undefined) this.tail = prev;
    else next.prev = prev;
    deadline.prev = undefined;
    deadline.next = undefined;
    deadline.at = -1;
  }

  /** Expires overdue calls; exposed to tests, which drive it with a fake `now`. */
  sweep(now = performance.now()): void {
    let node = this.head;
    while (node !== undefined && node.at <= now) {
      this.unlink(node);
      node.expire();
      node = this.head;
    }
    if (this.head === undefined) this.stop();
  }
}
