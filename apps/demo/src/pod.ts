/**
 * One demo pod: runs the workload the story gives it against its cache, measures propagation,
 * checks every read for staleness (see `staleness.ts`) and reports to the coordinator.
 */
import type { InvalidationEvent } from '@synced-cache/core';
import type { Backend } from './backends.js';
import {
  type Channel,
  type DemoValue,
  type FromPod,
  type PodConfig,
  type PodSnapshot,
  type ToPod,
  type Workload,
  wallClock,
} from './protocol.js';
import { StalenessCheck } from './staleness.js';

/** Propagation samples kept for the percentiles (the newest win once full). */
const MAX_SAMPLES = 20_000;
const SNAPSHOT_EVERY_MS = 250;

export class DemoPod {
  private readonly check: StalenessCheck;
  private readonly seqs = new Map<string, number>();
  private readonly samples: number[] = [];
  private sampleCursor = 0;
  private workload: Workload = { writes: [], writeEveryMs: 0, reads: [], readEveryMs: 0 };
  private writeTimer: NodeJS.Timeout | undefined;
  private readTimer: NodeJS.Timeout | undefined;
  private snapshotTimer: NodeJS.Timeout | undefined;
  private writesInFlight = 0;
  private readsInFlight = 0;
  private quiesceWaiter: (() => void) | undefined;
  private nextWrite = 0;
  private nextRead = 0;
  private reads = 0;
  private writes = 0;
  private writeErrors = 0;
  private readErrors = 0;
  private loaderCalls = 0;
  private stopped = false;

  constructor(
    private readonly config: PodConfig,
    private readonly backend: Backend,
    private readonly channel: Channel<ToPod, FromPod>,
  ) {
    this.check = new StalenessCheck(config.staleBoundMs);
    backend.cache.on('event', (event, applied) => this.onEvent(event, applied));
    channel.onMessage((message) => {
      this.handle(message).catch((error: unknown) => {
        channel.send({ type: 'failed', message: `${config.name}: ${(error as Error).stack ?? error}` });
      });
    });
    this.snapshotTimer = setInterval(() => this.report(), SNAPSHOT_EVERY_MS);
    channel.send({ type: 'ready' });
  }

  private async handle(message: ToPod): Promise<void> {
    switch (message.type) {
      case 'workload':
        this.setWorkload(message.workload);
        return;
      case 'quiesce':
        this.setWorkload({ ...this.workload, writes: [], writeEveryMs: 0 });
        if (this.writesInFlight > 0) await new Promise<void>((resolve) => (this.quiesceWaiter = resolve));
        this.channel.send({ type: 'quiet' });
        return;
      case 'acknowledged-set':
        this.check.acknowledgeSet(message.key, message.seq, message.at);
        return;
      case 'acknowledged-clear':
        this.check.acknowledgeClear(message.at, message.floors);
        return;
      case 'clear':
        await this.backend.cache.clear();
        this.channel.send({ type: 'cleared', at: wallClock() });
        return;
      case 'stampede':
        await this.stampede(message.key, message.callers, message.loaderMs);
        return;
      case 'cut':
        this.channel.send({ type: 'cut-done', detail: await this.backend.cut() });
        return;
      case 'heal':
        await this.backend.heal();
        this.channel.send({ type: 'healed' });
        return;
      case 'report-holdings':
        this.channel.send({
          type: 'holdings',
          holdings: message.keys.map((key) => [key, this.backend.cache.peek(key)?.seq ?? null]),
        });
        return;
      case 'stop':
        await this.stop();
        return;
      case 'init':
        return;
    }
  }

  private setWorkload(workload: Workload): void {
    this.workload = workload;
    clearInterval(this.writeTimer);
    clearInterval(this.readTimer);
    this.writeTimer = undefined;
    this.readTimer = undefined;
    if (workload.writes.length > 0 && workload.writeEveryMs > 0) {
      this.writeTimer = setInterval(() => this.writeOne(), workload.writeEveryMs);
    }
    if (workload.reads.length > 0 && workload.readEveryMs > 0) {
      this.readTimer = setInterval(() => this.readOne(), workload.readEveryMs);
    }
  }

  private writeOne(): void {
    // One write per key at a time: the acknowledgement order of a key is then its seq order.
    if (this.writesInFlight > 0) return;
    const keys = this.workload.writes;
    const key = keys[this.nextWrite++ % keys.length]!;
    const seq = (this.seqs.get(key) ?? 0) + 1;
    this.seqs.set(key, seq);
    this.writesInFlight++;
    this.backend.cache
      .set(key, { writer: this.config.name, seq, sentAt: wallClock() })
      .then(
        () => {
          this.writes++;
          this.channel.send({ type: 'acknowledged-set', key, seq, at: wallClock() });
        },
        () => {
          // Not acknowledged: it may or may not have landed, so it sets no expectation.
          this.writeErrors++;
        },
      )
      .finally(() => {
        this.writesInFlight--;
        if (this.writesInFlight === 0 && this.quiesceWaiter !== undefined) {
          this.quiesceWaiter();
          this.quiesceWaiter = undefined;
        }
      });
  }

  private readOne(): void {
    const keys = this.workload.reads;
    const key = keys[this.nextRead++ % keys.length]!;
    const startedAt = wallClock();
    this.readsInFlight++;
    this.backend.cache
      .get(key)
      .then(
        (value) => {
          this.reads++;
          this.check.read(key, startedAt, value?.seq);
        },
        () => {
          this.readErrors++;
        },
      )
      .finally(() => this.readsInFlight--);
  }

  private async stampede(key: string, callers: number, loaderMs: number): Promise<void> {
    let calls = 0;
    const loader = async (): Promise<DemoValue> => {
      calls++;
      this.loaderCalls++;
      await new Promise((resolve) => setTimeout(resolve, loaderMs));
      return { writer: this.config.name, seq: 0, sentAt: wallClock() };
    };
    const results = await Promise.allSettled(
      Array.from({ length: callers }, () => this.backend.cache.getOrSet(key, loader)),
    );
    const values = results.filter((result) => result.status === 'fulfilled').length;
    this.channel.send({ type: 'stampede-done', loaderCalls: calls, values });
  }

  private onEvent(event: InvalidationEvent, applied: boolean): void {
    if (!applied || event.action !== 'set' || event.podId === this.config.name) return;
    const value = this.backend.cache.peek(event.key);
    if (value === undefined || typeof value.sentAt !== 'number') return;
    const ms = wallClock() - value.sentAt;
    if (this.samples.length < MAX_SAMPLES) this.samples.push(ms);
    else this.samples[this.sampleCursor++ % MAX_SAMPLES] = ms;
  }

  snapshot(): PodSnapshot {
    const stats = this.backend.cache.stats();
    const sorted = [...this.samples].sort((a, b) => a - b);
    return {
      name: this.config.name,
      localHits: stats.localHits,
      localMisses: stats.localMisses,
      remoteHits: stats.remoteHits,
      remoteMisses: stats.remoteMisses,
      localSize: stats.localSize,
      eventsApplied: stats.eventsApplied,
      resyncs: stats.resyncs,
      status: this.backend.cache.connectionStatus,
      reads: this.reads,
      writes: this.writes,
      writeErrors: this.writeErrors,
      readErrors: this.readErrors,
      staleReads: this.check.stale.length,
      propagationP50Ms: percentile(sorted, 0.5),
      propagationP99Ms: percentile(sorted, 0.99),
      propagationSamples: sorted.length,
      loaderCalls: this.loaderCalls,
    };
  }

  private report(): void {
    for (const stale of this.check.judge(wallClock())) {
      this.channel.send({
        type: 'stale',
        detail:
          `${this.config.name} read ${stale.key} → ${stale.got === undefined ? 'nothing' : `seq ${stale.got}`}, ` +
          `expected ${stale.expected} (acknowledged ${stale.lateByMs.toFixed(0)} ms before the read)`,
      });
    }
    this.channel.send({ type: 'snapshot', snapshot: this.snapshot() });
  }

  private async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.setWorkload({ writes: [], writeEveryMs: 0, reads: [], readEveryMs: 0 });
    clearInterval(this.snapshotTimer);
    // Reads still in flight finish within the cache's timeout; then every suspect is judged.
    for (let waited = 0; this.readsInFlight > 0 && waited < 2000; waited += 10) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    this.check.judge(wallClock(), true);
    const snapshot = this.snapshot();
    await this.backend.close();
    this.channel.send({ type: 'stopped', snapshot });
  }
}

/** The `q` quantile of ascending `sorted` (nearest rank), or undefined when empty. */
export function percentile(sorted: readonly number[], q: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}
