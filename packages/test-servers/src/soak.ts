import { readFileSync, writeFileSync } from 'node:fs';
import {
  type ConvergenceOptions,
  episodeStartedClean,
  type RunReport,
  runConvergence,
  runFailures,
  staleBoundOf,
} from './convergence.js';
import { CLOSE_STATES, EXTRA_FAULT_KINDS, FAULT_KINDS, type FaultKind } from './faults.js';

/** What an adapter's soak entry passes to {@link soakMain}. */
export interface SoakEntry {
  /** A label for reports (`'ioredis'`, `'redis'`). */
  adapter: string;
  /** The adapter's child pod script. */
  podScript: string;
  /** Command-line arguments (`process.argv.slice(2)`). */
  argv: readonly string[];
  /** Adapter options every pod gets (plain data). */
  adapterOptions?: Record<string, string | number | boolean>;
}

/** The parsed command line of a soak. */
export interface SoakSettings {
  runs: number;
  seed: number;
  pods: number;
  keys: number;
  episodes: number;
  kinds: FaultKind[];
  timeoutMs: number;
  heartbeatMs: number;
  localTtlMs: number | undefined;
  maxFaultMs: number;
  /** Stop starting new runs after this many minutes. */
  budgetMinutes: number;
  json: string | undefined;
  /** Print the findings and summary of reports saved with `--json` instead of running. */
  summarize: string | undefined;
  verbose: boolean;
  /** Runs after the seeded ones, with their own seed, episodes and kinds (`--ci` adds one). */
  extraRuns: SoakRun[];
}

/** One run of a soak beyond the consecutive seeds. */
export interface SoakRun {
  seed: number;
  episodes: number;
  kinds: FaultKind[];
}

/**
 * The CI-sized run's extra case: the store loses every key under the pods, by an empty restart and
 * then twice with every connection up (`server-flush`). Seed 43 plans exactly that order, after
 * the pods have cached values (a test keeps it so).
 */
export const CI_STORE_LOSS: SoakRun = {
  seed: 43,
  episodes: 3,
  kinds: ['server-flush', 'server-restart-empty'],
};

/**
 * The CI-sized run: 6 runs of 3 episodes from seed 112, then {@link CI_STORE_LOSS} (about two
 * minutes when the runs pass). Seeds 112-117 are the first 6 consecutive seeds whose plans cover
 * every fault kind, every close state and `server-stop` twice (a test keeps it so).
 */
export const CI_SOAK: Pick<SoakSettings, 'runs' | 'seed' | 'episodes'> = { runs: 6, seed: 112, episodes: 3 };

/**
 * The CI-sized runs as test cases (the runs of `soak --ci`), for an adapter's convergence test:
 * a name saying what each run covers, and the seed, episodes and kinds to pass to `runConvergence`.
 */
export function ciRuns(): Array<{ name: string; run: SoakRun }> {
  const seeded = Array.from({ length: CI_SOAK.runs }, (_, index) => ({
    name: `seed ${CI_SOAK.seed + index}: converges after the faults heal, every pod live, one subscriber each, close exits`,
    run: { seed: CI_SOAK.seed + index, episodes: CI_SOAK.episodes, kinds: [...FAULT_KINDS] },
  }));
  return [
    ...seeded,
    {
      name: `seed ${CI_STORE_LOSS.seed}: the store loses every key under the pods (${CI_STORE_LOSS.kinds.join(', ')}): no pod keeps serving lost keys`,
      run: CI_STORE_LOSS,
    },
  ];
}

const USAGE = `usage: soak [--runs N] [--seed S] [--ci] [--pods N] [--keys N] [--episodes N]
            [--kinds kind,kind] [--timeout-ms N] [--heartbeat-ms N] [--local-ttl-ms N]
            [--max-fault-ms N] [--budget-minutes N] [--json FILE] [--verbose]
       soak --summarize FILE   (findings and summary of reports saved with --json)
  Runs randomized convergence runs (run i uses seed S+i) and prints a summary.
  --ci is ${CI_SOAK.runs} runs from seed ${CI_SOAK.seed} with ${CI_SOAK.episodes} episodes each, then seed
  ${CI_STORE_LOSS.seed} with ${CI_STORE_LOSS.kinds.join(', ')} only.
  Fault kinds: ${FAULT_KINDS.join(', ')}; only when named: ${EXTRA_FAULT_KINDS.join(', ')}.
  Exit code 1 when any run found a failure.`;

/**
 * Parses soak arguments (a bare `--`, as pnpm may pass it, is ignored).
 * @throws Error with the usage for an unknown or malformed argument.
 */
export function parseSoakArgs(argv: readonly string[]): SoakSettings {
  const settings: SoakSettings = {
    runs: 10,
    seed: Date.now() % 1_000_000,
    pods: 3,
    keys: 20,
    episodes: 4,
    kinds: [...FAULT_KINDS],
    timeoutMs: 500,
    heartbeatMs: 500,
    localTtlMs: undefined,
    maxFaultMs: 2000,
    budgetMinutes: 180,
    json: undefined,
    summarize: undefined,
    verbose: false,
    extraRuns: [],
  };
  const args = argv.filter((arg) => arg !== '--');
  const number = (name: string, value: string | undefined): number => {
    const parsed = Number(value);
    if (value === undefined || !Number.isFinite(parsed) || parsed < 0)
      throw new Error(`${name} needs a number\n${USAGE}`);
    return parsed;
  };
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    const value = args[index + 1];
    switch (arg) {
      case '--ci':
        Object.assign(settings, CI_SOAK);
        settings.extraRuns = [CI_STORE_LOSS];
        break;
      case '--verbose':
        settings.verbose = true;
        break;
      case '--runs':
        settings.runs = number(arg, value);
        index++;
        break;
      case '--seed':
        settings.seed = number(arg, value);
        index++;
        break;
      case '--pods':
        settings.pods = number(arg, value);
        index++;
        break;
      case '--keys':
        settings.keys = number(arg, value);
        index++;
        break;
      case '--episodes':
        settings.episodes = number(arg, value);
        index++;
        break;
      case '--timeout-ms':
        settings.timeoutMs = number(arg, value);
        index++;
        break;
      case '--heartbeat-ms':
        settings.heartbeatMs = number(arg, value);
        index++;
        break;
      case '--local-ttl-ms':
        settings.localTtlMs = number(arg, value);
        index++;
        break;
      case '--max-fault-ms':
        settings.maxFaultMs = number(arg, value);
        index++;
        break;
      case '--budget-minutes':
        settings.budgetMinutes = number(arg, value);
        index++;
        break;
      case '--summarize':
        if (value === undefined) throw new Error(`--summarize needs a file\n${USAGE}`);
        settings.summarize = value;
        index++;
        break;
      case '--json':
        if (value === undefined) throw new Error(`--json needs a file\n${USAGE}`);
        settings.json = value;
        index++;
        break;
      case '--kinds': {
        const kinds = (value ?? '').split(',').filter(Boolean);
        const known: readonly string[] = [...FAULT_KINDS, ...EXTRA_FAULT_KINDS];
        const unknown = kinds.filter((kind) => !known.includes(kind));
        if (kinds.length === 0 || unknown.length > 0)
          throw new Error(`unknown fault kinds ${unknown.join(', ')}\n${USAGE}`);
        settings.kinds = kinds as FaultKind[];
        index++;
        break;
      }
      case '--help':
      case '-h':
        throw new Error(USAGE);
      default:
        throw new Error(`unknown argument ${arg}\n${USAGE}`);
    }
  }
  return settings;
}

/**
 * One line about a run: the faults (kind, targets, duration, stale window after the heal), the final
 * comparison, subscriber connections and close-to-exit times.
 */
export function describeRun(report: RunReport): string {
  const faults = report.episodes
    .map((episode) => {
      const targets =
        episode.fault.targets.length > 0
          ? `@${episode.fault.targets.map((target) => `p${target}`).join('+')}`
          : '';
      const window = episode.converged ? `${episode.staleWindowMs}` : `>=${episode.staleWindowMs}`;
      return `${episode.fault.kind}${targets} ${episode.fault.durationMs}ms (window ${window}, max age ${episode.during.maxAgeMs})`;
    })
    .join(', ');
  const exits = report.close.pods
    .map((outcome) => (outcome.exited ? String(Math.round(outcome.exitMs ?? 0)) : 'none'))
    .join('/');
  const liveness = report.liveness.length;
  return (
    `faults: ${faults}; divergent ${report.divergent.length}, liveness ${liveness}; ` +
    `subscribers ${report.subscribers.perPod.join('/')}; close ${report.close.state} exit ${exits} ms`
  );
}

/** Nearest-rank percentile of a non-empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((left, right) => left - right);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

function table(header: string[], rows: Array<Array<string | number>>): string {
  const cells = [header, ...rows.map((row) => row.map(String))];
  const widths = header.map((_, column) => Math.max(...cells.map((row) => row[column]!.length)));
  const line = (row: string[]) =>
    row
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ');
  return [
    line(header),
    widths.map((width) => '-'.repeat(width)).join('  '),
    ...cells.slice(1).map(line),
  ].join('\n');
}

const ms = (value: number) => (Number.isNaN(value) ? '-' : String(Math.round(value)));

/** The summary tables of a set of runs. */
export function summarize(reports: readonly RunReport[], settings?: Partial<SoakSettings>): string {
  const out: string[] = [];
  const failed = reports.filter((report) => runFailures(report).length > 0);
  const seeds = reports.map((report) => report.seed);
  const totalMs = reports.reduce((sum, report) => sum + report.durationMs, 0);
  const adapter = reports[0]?.adapter ?? '?';
  out.push(
    `convergence soak: adapter ${adapter}, ${reports.length} runs, seeds ${seeds.length > 0 ? `${Math.min(...seeds)}..${Math.max(...seeds)}` : '-'}, ` +
      `${settings?.pods ?? '?'} pods, ${settings?.keys ?? '?'} keys, ${settings?.episodes ?? '?'} episodes/run, ` +
      `timeoutMs ${settings?.timeoutMs ?? '?'}, heartbeatMs ${settings?.heartbeatMs ?? '?'}, total ${(totalMs / 1000).toFixed(0)} s`,
  );
  const runsWith = (predicate: (report: RunReport) => boolean) => reports.filter(predicate).length;
  const sum = (pick: (report: RunReport) => number) =>
    reports.reduce((total, report) => total + pick(report), 0);
  out.push(
    table(
      ['', 'total', 'runs with any'],
      [
        ['runs failed', failed.length, '-'],
        [
          'divergent pairs (peek != store after quiesce)',
          sum((r) => r.divergent.length),
          runsWith((r) => r.divergent.length > 0),
        ],
        [
          'liveness: get != store after quiesce',
          sum((r) => r.liveness.filter((pair) => pair.phase === 'get').length),
          runsWith((r) => r.liveness.some((pair) => pair.phase === 'get')),
        ],
        [
          'liveness: final writes never served',
          sum((r) => r.liveness.filter((pair) => pair.phase === 'after-write').length),
          runsWith((r) => r.liveness.some((pair) => pair.phase === 'after-write')),
        ],
        [
          'episodes still stale beyond the bound after the heal',
          sum((r) => r.episodes.filter((e) => e.staleWindowMs > staleBoundOf(r)).length),
          runsWith((r) => r.episodes.some((e) => e.staleWindowMs > staleBoundOf(r))),
        ],
        [
          '  of which still stale at the deadline',
          sum((r) => r.episodes.filter((e) => !e.converged).length),
          runsWith((r) => r.episodes.some((e) => !e.converged)),
        ],
        [
          'stale reads beyond the bound while faulted',
          sum((r) => r.episodes.reduce((total, e) => total + e.during.beyondBound, 0)),
          runsWith((r) => r.episodes.some((e) => e.during.beyondBound > 0)),
        ],
        [
          'hung calls (no answer within the call deadline)',
          sum((r) => r.hungCalls.length),
          runsWith((r) => r.hungCalls.length > 0),
        ],
        ['pod crashes', sum((r) => r.crashed.length), runsWith((r) => r.crashed.length > 0)],
        ['harness errors', sum((r) => r.harnessErrors.length), runsWith((r) => r.harnessErrors.length > 0)],
      ],
    ),
  );

  const converge = reports.flatMap((report) =>
    report.livenessConvergeMs === undefined ? [] : [report.livenessConvergeMs],
  );
  out.push(
    `final writes served by every pod after: p50 ${ms(percentile(converge, 50))} ms, max ${ms(Math.max(...(converge.length > 0 ? converge : [Number.NaN])))} ms ` +
      `(runs where some pod never did: ${runsWith((r) => r.livenessConvergeMs === undefined)})`,
  );

  const kinds = [
    ...new Set(reports.flatMap((report) => report.episodes.map((episode) => episode.fault.kind))),
  ].sort();
  const kindRows = kinds.map((kind) => {
    const all = reports.flatMap((report) =>
      report.episodes
        .filter((episode) => episode.fault.kind === kind)
        .map((episode) => ({
          episode,
          clean: episodeStartedClean(report, episode.index),
          bound: staleBoundOf(report),
        })),
    );
    const clean = all.filter((entry) => entry.clean);
    const episodes = clean.map((entry) => entry.episode);
    const windows = episodes.map((episode) => episode.staleWindowMs);
    const censored = episodes.filter((episode) => !episode.converged).length;
    const overBound = clean.filter((entry) => entry.episode.staleWindowMs > entry.bound).length;
    const ages = episodes.map((episode) => episode.during.maxAgeMs);
    const durations = all.map((entry) => entry.episode.fault.durationMs);
    const noticed = episodes.filter((episode) =>
      episode.fault.targets.length === 0
        ? episode.noticed.some((pod) => pod.down)
        : episode.fault.targets.every((target) => episode.noticed[target]?.down),
    ).length;
    const max = (values: number[]) => (values.length > 0 ? Math.max(...values) : Number.NaN);
    return [
      kind,
      episodes.length,
      all.length - clean.length,
      `${ms(Math.min(...durations))}-${ms(Math.max(...durations))}`,
      ms(percentile(windows, 50)),
      ms(percentile(windows, 99)),
      `${censored > 0 ? '>=' : ''}${ms(max(windows))}`,
      overBound,
      censored,
      ms(percentile(ages, 50)),
      ms(percentile(ages, 99)),
      ms(max(ages)),
      episodes.reduce((total, episode) => total + episode.during.beyondBound, 0),
      `${noticed}/${episodes.length}`,
    ];
  });
  const bounds = [...new Set(reports.map(staleBoundOf))].join('/');
  out.push('');
  out.push(
    'per fault kind, over the episodes that started healthy (tainted: started right after an episode that did not\n' +
      'converge or left !=1 subscriber per pod; kept out of the figures). window = how long after the heal a pod was\n' +
      `still seen serving a value other than the store's (writers stopped); >bound = window over the ${bounds} ms bound;\n` +
      'not conv. = still stale at the deadline (counted as the deadline); age = per episode, the oldest store value a\n' +
      'pod was seen not serving while faulted; stale reads = reads while faulted older than the bound; noticed = the\n' +
      'targets (any pod, for server faults) reported `down`',
  );
  out.push(
    table(
      [
        'fault kind',
        'n',
        'tainted',
        'fault ms',
        'window p50',
        'p99',
        'max',
        '>bound',
        'not conv.',
        'age p50',
        'p99',
        'max',
        'stale reads',
        'noticed',
      ],
      kindRows,
    ),
  );

  const perPod = reports.flatMap((report) => report.subscribers.perPod);
  const histogram = new Map<number, number>();
  for (const count of perPod) histogram.set(count, (histogram.get(count) ?? 0) + 1);
  const episodeMax = Math.max(
    0,
    ...reports.flatMap((report) => report.episodes.flatMap((episode) => episode.subscribers)),
  );
  out.push('');
  out.push(
    `subscriber connections per pod after the run (CLIENT LIST, want 1): ${[...histogram.entries()]
      .sort((left, right) => left[0] - right[0])
      .map(([count, pods]) => `${count} conn: ${pods} pods`)
      .join(
        ', ',
      )}; max ${Math.max(0, ...perPod)}; max right after an episode ${episodeMax}; runs with !=1: ${runsWith((r) => r.subscribers.perPod.some((count) => count !== 1))}`,
  );

  const closeRows = CLOSE_STATES.map((state) => {
    const outcomes = reports
      .filter((report) => report.close.state === state)
      .flatMap((report) => report.close.pods);
    const exits = outcomes.filter((outcome) => outcome.exited).map((outcome) => outcome.exitMs ?? 0);
    const closes = outcomes
      .filter((outcome) => outcome.closeMs !== undefined)
      .map((outcome) => outcome.closeMs!);
    const leftOpen = [
      ...new Set(outcomes.filter((outcome) => !outcome.exited).flatMap((outcome) => outcome.activeResources)),
    ];
    return [
      state,
      outcomes.length,
      ms(percentile(closes, 50)),
      ms(Math.max(...(closes.length > 0 ? closes : [Number.NaN]))),
      ms(percentile(exits, 50)),
      ms(percentile(exits, 99)),
      ms(Math.max(...(exits.length > 0 ? exits : [Number.NaN]))),
      outcomes.length - exits.length,
      leftOpen.join(' ') || '-',
    ];
  }).filter((row) => row[1] !== 0);
  out.push('');
  out.push('close() -> process exit, per connection state at close (pods)');
  out.push(
    table(['state', 'pods', 'close p50', 'max', 'exit p50', 'p99', 'max', 'no exit', 'left open'], closeRows),
  );
  return out.join('\n');
}

/**
 * The body of an adapter's `soak` script: parses `argv`, runs the runs one after another (run i
 * uses seed `seed + i`), prints a line per run and the summary, optionally writes every report as
 * JSON, and sets `process.exitCode` to 1 when any run failed.
 */
export async function soakMain(entry: SoakEntry): Promise<RunReport[]> {
  let settings: SoakSettings;
  try {
    settings = parseSoakArgs(entry.argv);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 2;
    return [];
  }
  if (settings.summarize !== undefined) {
    const saved = JSON.parse(readFileSync(settings.summarize, 'utf8')) as {
      settings: SoakSettings;
      reports: RunReport[];
    };
    for (const report of saved.reports) {
      const failures = runFailures(report);
      console.log(
        `seed ${report.seed}: ${failures.length === 0 ? 'pass' : 'FAIL'} in ${(report.durationMs / 1000).toFixed(1)} s; ${describeRun(report)}`,
      );
      for (const line of failures) console.log(`    ${line}`);
    }
    console.log('');
    console.log(summarize(saved.reports, saved.settings));
    if (saved.reports.some((report) => runFailures(report).length > 0)) process.exitCode = 1;
    return saved.reports;
  }
  const reports: RunReport[] = [];
  const started = Date.now();
  console.log(
    `soak ${entry.adapter}: ${settings.runs} runs from seed ${settings.seed} (rerun one: --runs 1 --seed <seed>)`,
  );
  const runs: SoakRun[] = [
    ...Array.from({ length: settings.runs }, (_, run) => ({
      seed: settings.seed + run,
      episodes: settings.episodes,
      kinds: settings.kinds,
    })),
    ...settings.extraRuns,
  ];
  for (const [run, { seed, episodes, kinds }] of runs.entries()) {
    if (Date.now() - started > settings.budgetMinutes * 60_000) {
      console.log(`budget of ${settings.budgetMinutes} min used up after ${run} runs`);
      break;
    }
    const options: ConvergenceOptions = {
      adapter: entry.adapter,
      podScript: entry.podScript,
      seed,
      pods: settings.pods,
      keys: settings.keys,
      episodes,
      kinds,
      timeoutMs: settings.timeoutMs,
      heartbeatMs: settings.heartbeatMs,
      maxFaultMs: settings.maxFaultMs,
      ...(settings.localTtlMs === undefined ? {} : { localTtlMs: settings.localTtlMs }),
      ...(entry.adapterOptions === undefined ? {} : { adapterOptions: entry.adapterOptions }),
      ...(settings.verbose ? { log: (line: string) => console.log(line) } : {}),
    };
    let report: RunReport;
    try {
      report = await runConvergence(options);
    } catch (error) {
      console.log(
        `seed ${seed}: harness error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
      process.exitCode = 1;
      continue;
    }
    reports.push(report);
    const failures = runFailures(report);
    console.log(
      `seed ${seed}: ${failures.length === 0 ? 'pass' : 'FAIL'} in ${(report.durationMs / 1000).toFixed(1)} s; ${describeRun(report)}`,
    );
    for (const line of failures) console.log(`    ${line}`);
  }
  console.log('');
  console.log(summarize(reports, settings));
  if (settings.json !== undefined) {
    writeFileSync(settings.json, `${JSON.stringify({ settings, reports }, null, 2)}\n`);
    console.log(`\nreports written to ${settings.json}`);
  }
  if (reports.some((report) => runFailures(report).length > 0)) process.exitCode = 1;
  return reports;
}
