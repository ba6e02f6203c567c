import type { BusLink } from './bus-link.js';
import { backoffMs, type Calls } from './calls.js';
import type { CacheConfig } from './config.js';
import type { LocalTier } from './local-tier.js';
import { OldestKey } from './oldest-key.js';
import type { Stats } from './options.js';
import type { Reporter } from './reporting.js';

/**
 * Writes whose outcome is unknown — the store call failed or timed out, but the command may have
 * reached the server and still run (a stalled server wakes up and executes it) — announced once
 * the outcome is known, so no pod keeps a copy the late write replaced.
 *
 * A store that publishes its own events (`setAndPublish`) needs none of this for `set` and
 * `delete`: their event leaves if and only if the write happens, and every pod, the writer
 * included, applies it by version. Everything else (`clear`, and writes whose event core publishes
 * itself) is settled here:
 *
 * 1. After a timeout the adapter's own call is still running; when it answers after all, the
 *    version it returns is the truth, and an event at that version says so (`invalidate` for a
 *    set, `delete`, `clear`). This also covers adapters that retry internally (a script reloaded
 *    after NOSCRIPT runs later than the call that asked for it).
 * 2. When the call fails, or has not answered within 10 × `timeoutMs`, a store read settles
 *    it: `invalidate` at the key's current version when it holds a value, `delete` at the store's
 *    clock when it holds none, `clear` at the clock. The read is retried with backoff until the
 *    store answers.
 *
 * Receivers apply these like any event (only when newer than what they hold), so announcing a
 * write that never happened costs at most a refetch. Per key only the newest entry is kept; when
 * the queue is full, the oldest is announced as a `clear` (every pod flushes: safe).
 *
 * @internal
 */
export class UnsettledWrites<V> {
  private readonly pending = new Map<string | typeof CLEAR, Unsettled>();
  private readonly oldest = new OldestKey(this.pending);
  private timer: NodeJS.Timeout | undefined;
  private timerDue = 0;
  private attempt = 0;
  /** The drain in progress, if any. */
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly outcomeWaitMs: number;

  constructor(
    private readonly config: CacheConfig<V>,
    private readonly tier: LocalTier<V>,
    private readonly calls: Calls,
    private readonly link: BusLink<V>,
    private readonly counters: Stats,
    private readonly reporter: Reporter,
  ) {
    this.outcomeWaitMs = OUTCOME_WAIT_TIMEOUTS * config.timeoutMs;
  }

  /**
   * A write failed or timed out. `outcome` is the adapter's own call, which may still answer.
   * `action` is what it did: `'set'` (also `setWithInvalidate`), `'delete'` or `'clear'`.
   */
  add(action: 'set' | 'delete' | 'clear', key: string, outcome: Promise<number> | undefined): void {
    if (this.stopped) return;
    const slot = action === 'clear' ? CLEAR : key;
    const entry: Unsettled = { action, key, waitingSince: outcome === undefined ? -1 : performance.now() };
    this.pending.delete(slot);
    this.pending.set(slot, entry);
    if (this.pending.size > this.config.maxPendingPublishes) {
      const oldest = this.oldest.take();
      if (oldest !== undefined) this.pending.delete(oldest);
      this.pending.delete(CLEAR);
      this.pending.set(CLEAR, { action: 'clear', key: '', waitingSince: -1 });
    }
    outcome?.then(
      (version) => this.answered(slot, entry, version),
      () => this.answered(slot, entry, undefined),
    );
    this.schedule(entry.waitingSince < 0 ? 0 : this.outcomeWaitMs);
  }

  /**
   * The cache is closing: one last try (within `timeoutMs`) to announce what is pending; what is
   * left is counted as failed publishes and logged. Resolves to whether everything was announced.
   */
  async stop(): Promise<boolean> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.size > 0) {
      for (const entry of this.pending.values()) entry.waitingSince = -1;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.running ?? this.drain(),
        new Promise((resolve) => {
          timer = setTimeout(resolve, this.config.timeoutMs);
        }),
      ]);
      clearTimeout(timer);
    }
    if (this.pending.size > 0) {
      this.counters.publishFailures += this.pending.size;
      this.reporter.logger.warn(
        'closing with writes of unknown outcome unannounced; other pods resync when they see the store marker this pod replaces',
        { count: this.pending.size },
      );
      this.pending.clear();
      this.oldest.reset();
      return false;
    }
    return true;
  }

  private answered(slot: string | typeof CLEAR, entry: Unsettled, version: number | undefined): void {
    if (this.pending.get(slot) !== entry || entry.waitingSince < 0) return;
    entry.version = version;
    entry.waitingSince = -1;
    this.schedule(0);
  }

  /** Drains in `delayMs`, or sooner if already due sooner; a drain in progress reschedules when done. */
  private schedule(delayMs: number): void {
    if (this.running !== undefined || this.stopped) return;
    const due = performance.now() + delayMs;
    if (this.timer !== undefined) {
      if (this.timerDue <= due) return;
      clearTimeout(this.timer);
    }
    this.timerDue = due;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.drain();
    }, delayMs);
    this.timer.unref();
  }

  private drain(): Promise<void> {
    this.running = this.announceReady().finally(() => {
      this.running = undefined;
      if (this.pending.size === 0 || this.stopped) return;
      const ready = [...this.pending.values()].some((entry) => entry.waitingSince < 0);
      this.schedule(ready ? backoffMs(this.attempt) : this.outcomeWaitMs);
    });
    return this.running;
  }

  private async announceReady(): Promise<void> {
    const now = performance.now();
    try {
      for (const [slot, entry] of this.pending) {
        if (entry.waitingSince >= 0 && now - entry.waitingSince < this.outcomeWaitMs) continue;
        await this.announce(entry);
        if (this.pending.get(slot) === entry) this.pending.delete(slot);
      }
      this.attempt = 0;
    } catch (error) {
      this.reporter.error(error, { operation: 'settleWrite' });
      this.attempt++;
    }
  }

  private async announce(entry: Unsettled): Promise<void> {
    const { store, prefix } = this.config;
    if (entry.action === 'clear') {
      const version = entry.version ?? (await this.clock());
      this.tier.versions.vouch(version);
      this.tier.clear(version);
      this.link.publish('clear', '', version, 0, undefined);
      return;
    }
    const key = entry.key;
    let action: 'invalidate' | 'delete' = entry.action === 'delete' ? 'delete' : 'invalidate';
    let version = entry.version;
    if (version === undefined) {
      const stored = await this.calls.run(() => store.get(prefix + key), 'settleWrite', key, 'store');
      action = stored === undefined ? 'delete' : 'invalidate';
      version = stored?.version ?? (await this.clock());
    }
    const versions = this.tier.versions;
    versions.vouch(version);
    this.tier.overtake(key);
    if (version > versions.own(key)) {
      this.tier.forget(key);
      versions.note(key, version);
    }
    this.link.publish(action, key, version, 0, undefined);
  }

  /** The store's clock, or without one the highest version this pod knows (receivers flush on any clear). */
  private clock(): Promise<number> {
    const store = this.config.store;
    if (typeof store.currentVersion !== 'function') return Promise.resolve(this.tier.versions.floor);
    return this.calls.run(() => store.currentVersion!(), 'currentVersion', undefined, 'store');
  }
}

/** How many timeouts a timed-out write's own call may take to answer before a store read settles it instead. */
const OUTCOME_WAIT_TIMEOUTS = 10;

const CLEAR = Symbol('clear');

interface Unsettled {
  readonly action: 'set' | 'delete' | 'clear';
  readonly key: string;
  /** When it started waiting for the adapter's answer; -1 once ready to announce. */
  waitingSince: number;
  /** The version the write got, when the adapter answered after all. */
  version?: number | undefined;
}
