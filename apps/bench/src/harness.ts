/**
 * A small side-by-side timing harness. Candidates run in alternating rounds (A B C A B C …) so
 * that noise from a shared machine hits all of them alike; each result is the median over rounds.
 * Report ratios measured in one run, never absolute numbers from different runs.
 */
export interface Candidate {
  name: string;
  /** Runs `ops` operations; may be async. */
  run(ops: number): unknown;
}

export interface Result {
  name: string;
  /** Mean time per operation. */
  nsPerOp: number;
  opsPerSec: number;
  /** Median and 99th percentile of single calls ({@link interleaved} only). */
  p50Ns?: number;
  p99Ns?: number;
}

/** One call of a candidate for {@link interleaved}. */
export interface Step {
  name: string;
  once(index: number): Promise<unknown>;
}

/**
 * Latency of one call at a time, the candidates interleaved call by call: sample `i` runs every
 * candidate once, in an order that rotates with `i`, each call timed on its own. Noise on a shared
 * machine comes in bursts far longer than one call, so it lands on all candidates alike; batches of
 * thousands of calls per candidate (as in {@link compare}) can each meet a different machine.
 * `nsPerOp` is the mean over every call (garbage collection included where it fell).
 */
export async function interleaved(
  steps: Step[],
  options: {
    samples: number;
    warmupSamples?: number;
    /**
     * Untimed wait after every call, so work a call leaves behind (the echoes of its own events, a
     * write's replies) is done before the next candidate's call starts instead of billed to it.
     */
    pauseMs?: number;
  },
): Promise<Result[]> {
  const warmup = options.warmupSamples ?? 500;
  const pauseMs = options.pauseMs ?? 0;
  const times = steps.map(() => new Float64Array(options.samples));
  for (let sample = -warmup; sample < options.samples; sample++) {
    for (let offset = 0; offset < steps.length; offset++) {
      const which = (sample + warmup + offset) % steps.length;
      const index = sample + warmup;
      const start = process.hrtime.bigint();
      consume(await steps[which]!.once(index));
      const elapsed = Number(process.hrtime.bigint() - start);
      if (sample >= 0) times[which]![sample] = elapsed;
      if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  }
  return steps.map((step, which) => {
    const sorted = times[which]!.sort();
    let total = 0;
    for (const time of sorted) total += time;
    const nsPerOp = total / sorted.length;
    return {
      name: step.name,
      nsPerOp,
      opsPerSec: 1e9 / nsPerOp,
      p50Ns: sorted[Math.floor(sorted.length * 0.5)]!,
      p99Ns: sorted[Math.floor(sorted.length * 0.99)]!,
    };
  });
}

/**
 * Throughput of each candidate, the median over alternating rounds. With `cpuTime`, each batch is
 * timed by the process's CPU time (`process.cpuUsage`, user + system) instead of the wall clock:
 * on a machine shared beyond its cores, wall time mostly measures waiting for a core, CPU time
 * what the batch cost (time spent in other threads, such as GC helpers, is included).
 */
export async function compare(
  candidates: Candidate[],
  options: { ops?: number; rounds?: number; warmupRounds?: number; cpuTime?: boolean } = {},
): Promise<Result[]> {
  const ops = options.ops ?? 200_000;
  const rounds = options.rounds ?? 9;
  const warmup = options.warmupRounds ?? 3;
  const samples = new Map<string, number[]>(candidates.map((c) => [c.name, []]));
  for (let round = 0; round < warmup + rounds; round++) {
    // Alternate the order so no candidate always runs first (or right after another's garbage).
    const order = round % 2 === 0 ? candidates : [...candidates].reverse();
    for (const candidate of order) {
      // Start every batch with a clean heap, so no candidate pays for another's garbage.
      (globalThis as { gc?: () => void }).gc?.();
      const elapsed = options.cpuTime
        ? await cpuNanoseconds(candidate, ops)
        : await wallNanoseconds(candidate, ops);
      if (round >= warmup) samples.get(candidate.name)!.push(elapsed / ops);
    }
  }
  return candidates.map((c) => {
    const sorted = samples.get(c.name)!.sort((a, b) => a - b);
    const nsPerOp = sorted[Math.floor(sorted.length / 2)]!;
    return { name: c.name, nsPerOp, opsPerSec: 1e9 / nsPerOp };
  });
}

async function wallNanoseconds(candidate: Candidate, ops: number): Promise<number> {
  const start = process.hrtime.bigint();
  await candidate.run(ops);
  return Number(process.hrtime.bigint() - start);
}

async function cpuNanoseconds(candidate: Candidate, ops: number): Promise<number> {
  const start = process.cpuUsage();
  await candidate.run(ops);
  const used = process.cpuUsage(start);
  return (used.user + used.system) * 1000;
}

/** The middle value of `values` (the upper middle for an even count); does not reorder `values`. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** A Markdown table of results, with each candidate's throughput as a multiple of `baseline`'s. */
export function table(results: Result[], baseline: string): string {
  const base = results.find((r) => r.name === baseline);
  const lines = [`| candidate | ns/op | ops/s | throughput vs ${baseline} |`, '|---|---:|---:|---:|'];
  for (const r of results) {
    const ratio = base ? base.nsPerOp / r.nsPerOp : Number.NaN;
    lines.push(
      `| ${r.name} | ${r.nsPerOp.toFixed(1)} | ${Math.round(r.opsPerSec).toLocaleString('en-US')} | ${ratio.toFixed(2)}x |`,
    );
  }
  return lines.join('\n');
}

/** Keeps results alive so the JIT cannot drop the measured work. */
export let sink: unknown;
export function consume(value: unknown): void {
  sink = value;
}
