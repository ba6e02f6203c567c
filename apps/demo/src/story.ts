/**
 * The demo's coordinator: starts the pods (child processes on real servers, or in this process on
 * the embedded store and bus), relays every acknowledged write to every pod (for the staleness
 * check), and plays the story: writers and readers, a hot key, a `getOrSet` stampede, one pod's
 * subscriber cut and recovered, a clear, then a convergence check and the summary.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { MemoryBus, MemoryStore } from '@synced-cache/core';
import { openEmbedded } from './backends.js';
import { DemoPod } from './pod.js';
import {
  type BackendConfig,
  type Channel,
  channelPair,
  type FromPod,
  type PodConfig,
  type PodSnapshot,
  type ToPod,
  type Workload,
} from './protocol.js';
import { bold, dim, green, ms, red, table, View } from './view.js';

export interface StoryOptions {
  backend: BackendConfig;
  pods: number;
  /** Seconds for the whole story (the phases share it). */
  durationS: number;
  namespace: string;
  staleBoundMs: number;
  /** Live table (default: when stdout is a terminal). */
  live?: boolean;
}

/** What the story found; the process exit code is non-zero unless `ok`. */
export interface StoryResult {
  ok: boolean;
  snapshots: PodSnapshot[];
  staleReads: number;
  checkedReads: number;
  converged: boolean;
  failures: string[];
}

type Reply = FromPod['type'];

interface Waiter {
  type: Reply;
  resolve(message: FromPod): void;
  reject(error: Error): void;
}

/** The coordinator's end of one pod. */
class PodLink {
  snapshot: PodSnapshot;
  private readonly waiters: Waiter[] = [];
  /** Set once the pod failed or its process exited: every wait ends with it at once. */
  private failure: Error | undefined;

  constructor(
    readonly config: PodConfig,
    readonly channel: Channel<FromPod, ToPod>,
    private readonly onMessage: (link: PodLink, message: FromPod) => void,
    readonly child?: ChildProcess,
  ) {
    this.snapshot = emptySnapshot(config.name);
    channel.onMessage((message) => {
      if (message.type === 'snapshot' || message.type === 'stopped') this.snapshot = message.snapshot;
      const at = this.waiters.findIndex((waiter) => waiter.type === message.type);
      if (at >= 0) this.waiters.splice(at, 1)[0]!.resolve(message);
      this.onMessage(this, message);
    });
  }

  /** The pod is gone (`failed`, or its process exited): pending and later waits reject with `reason`. */
  fail(reason: string): void {
    this.failure ??= new Error(`${this.config.name} failed: ${reason}`);
    for (const waiter of this.waiters.splice(0)) waiter.reject(this.failure);
  }

  send(message: ToPod): void {
    this.channel.send(message);
  }

  /** The next message of `type`, within `timeoutMs`. */
  next<T extends Reply>(type: T, timeoutMs: number): Promise<Extract<FromPod, { type: T }>> {
    return new Promise((resolve, reject) => {
      if (this.failure !== undefined) {
        reject(this.failure);
        return;
      }
      const timer = setTimeout(() => {
        const at = this.waiters.indexOf(waiter);
        if (at >= 0) this.waiters.splice(at, 1);
        reject(new Error(`${this.config.name} did not answer ${type} within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter: Waiter = {
        type,
        resolve: (message: FromPod) => {
          clearTimeout(timer);
          resolve(message as Extract<FromPod, { type: T }>);
        },
        reject: (error: Error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** Sends `message` and waits for the reply of `type`. */
  ask<T extends Reply>(message: ToPod, type: T, timeoutMs = 15_000) {
    const reply = this.next(type, timeoutMs);
    this.send(message);
    return reply;
  }
}

function emptySnapshot(name: string): PodSnapshot {
  return {
    name,
    localHits: 0,
    localMisses: 0,
    remoteHits: 0,
    remoteMisses: 0,
    localSize: 0,
    eventsApplied: 0,
    resyncs: 0,
    status: 'starting',
    reads: 0,
    writes: 0,
    writeErrors: 0,
    readErrors: 0,
    staleReads: 0,
    propagationP50Ms: undefined,
    propagationP99Ms: undefined,
    propagationSamples: 0,
    loaderCalls: 0,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Plays the story and prints it; never throws for a pod failure (it is in the result). */
export async function runStory(options: StoryOptions): Promise<StoryResult> {
  const failures: string[] = [];
  const lastSeq = new Map<string, number>();
  const links: PodLink[] = [];
  const relay = (link: PodLink, message: FromPod) => {
    if (message.type === 'acknowledged-set') {
      lastSeq.set(message.key, message.seq);
      for (const other of links) other.send(message);
    } else if (message.type === 'stale') {
      failures.push(`stale read: ${message.detail}`);
      view.note(red(`  stale read: ${message.detail}`));
    } else if (message.type === 'failed') {
      link.fail(message.message);
      failures.push(`${link.config.name} failed: ${message.message}`);
      view.note(red(`  ${link.config.name} failed: ${message.message}`));
    }
  };
  const where =
    options.backend.kind === 'embedded'
      ? 'embedded MemoryStore + MemoryBus, pods in one process'
      : `${options.backend.natsUrl ? `Redis store + NATS bus ${options.backend.natsUrl}` : `Redis ${redactUrl(options.backend.url)}`} ` +
        `(${options.backend.client}), pods as separate processes`;
  const view = new View(
    `synced-cache demo — ${options.pods} pods, ${where}, namespace "${options.namespace}"`,
    () => links.map((link) => link.snapshot),
    options.live,
  );
  view.start();

  const embedded =
    options.backend.kind === 'embedded' ? { store: new MemoryStore(), bus: new MemoryBus() } : undefined;
  try {
    for (let index = 0; index < options.pods; index++) {
      const config: PodConfig = {
        name: `pod-${index + 1}`,
        index,
        backend: options.backend,
        namespace: options.namespace,
        staleBoundMs: options.staleBoundMs,
      };
      links.push(await startPod(config, embedded, relay));
    }
    await Promise.all(links.map((link) => link.next('ready', 20_000)));
    await play(options, links, lastSeq, view, failures);
  } catch (error) {
    // A failed pod was already reported when it failed.
    const message = (error as Error).message;
    if (!failures.includes(message)) {
      failures.push(message);
      view.note(red(`  ${message}`));
    }
  } finally {
    await Promise.allSettled(
      links.map(async (link) => {
        await link.ask({ type: 'stop' }, 'stopped', 20_000).catch(() => undefined);
        if (link.child?.connected) link.child.disconnect();
      }),
    );
    view.stop();
  }

  const snapshots = links.map((link) => link.snapshot);
  const staleReads = snapshots.reduce((n, s) => n + s.staleReads, 0);
  const checkedReads = snapshots.reduce((n, s) => n + s.reads, 0);
  const converged = !failures.some((failure) => failure.startsWith('not converged'));
  const ok = failures.length === 0 && staleReads === 0;
  summary(snapshots, staleReads, checkedReads, failures, ok);
  return { ok, snapshots, staleReads, checkedReads, converged, failures };
}

async function startPod(
  config: PodConfig,
  embedded: { store: MemoryStore; bus: MemoryBus } | undefined,
  relay: (link: PodLink, message: FromPod) => void,
): Promise<PodLink> {
  if (embedded !== undefined) {
    const [coordinatorEnd, podEnd] = channelPair<FromPod, ToPod>();
    const link = new PodLink(config, coordinatorEnd, relay);
    new DemoPod(config, await openEmbedded(config, embedded), podEnd);
    return link;
  }
  // The pod is this file's sibling; under tsx (the demo script) the child inherits its loader.
  const child = fork(new URL('./pod-process.ts', import.meta.url), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const channel: Channel<FromPod, ToPod> = {
    send: (message) => {
      if (child.connected) child.send(message);
    },
    onMessage: (handler) => child.on('message', (message) => handler(message as FromPod)),
  };
  const link = new PodLink(config, channel, relay, child);
  child.once('exit', (code) => {
    if (code !== 0 && code !== null)
      relay(link, { type: 'failed', message: `process exited with code ${code}` });
  });
  link.send({ type: 'init', config });
  return link;
}

/** The story itself. */
async function play(
  options: StoryOptions,
  links: PodLink[],
  lastSeq: Map<string, number>,
  view: View,
  failures: string[],
): Promise<void> {
  const total = options.durationS * 1000;
  const writers = links.slice(0, Math.max(1, Math.ceil(links.length / 2)));
  const items = Array.from({ length: 12 }, (_, i) => `item:${i}`);
  const writesOf = (link: PodLink) => {
    const at = writers.indexOf(link);
    return at < 0 ? [] : items.filter((_, i) => i % writers.length === at);
  };
  const steady = (link: PodLink): Workload => ({
    writes: writesOf(link),
    writeEveryMs: 20,
    reads: items,
    readEveryMs: 2,
  });
  const everyone = (workload: (link: PodLink) => Workload) => {
    for (const link of links) link.send({ type: 'workload', workload: workload(link) });
  };
  const quiesce = () => Promise.all(links.map((link) => link.ask({ type: 'quiesce' }, 'quiet')));
  const acknowledgeClear = async (by: PodLink) => {
    await quiesce();
    const { at } = await by.ask({ type: 'clear' }, 'cleared');
    const floors = [...lastSeq];
    for (const link of links) link.send({ type: 'acknowledged-clear', at, floors });
  };
  const phase = (title: string) => view.note(`\n${bold('▶')} ${bold(title)}`);

  // Leftovers of an earlier run in this namespace (and only this namespace) go first.
  await acknowledgeClear(links[0]!);

  phase(
    `writers and readers: ${writers.map((w) => w.config.name).join(', ')} write ${items.length} keys every 20 ms; every pod reads them`,
  );
  everyone(steady);
  await sleep(total * 0.25);
  view.phaseDone();

  phase(`hot key: ${links[0]!.config.name} rewrites "hot" every 5 ms; every pod reads it every 1 ms`);
  everyone((link) => ({
    writes: link === links[0] ? ['hot'] : [],
    writeEveryMs: 5,
    reads: ['hot'],
    readEveryMs: 1,
  }));
  await sleep(total * 0.15);
  view.phaseDone();

  phase('getOrSet stampede: 50 concurrent getOrSet calls on every pod for one cold key');
  everyone(steady);
  const stampedeKey = `stampede:${randomBytes(3).toString('hex')}`;
  const stampede = await Promise.all(
    links.map((link) =>
      link.ask({ type: 'stampede', key: stampedeKey, callers: 50, loaderMs: 100 }, 'stampede-done'),
    ),
  );
  const loads = stampede.map((result) => result.loaderCalls);
  const calls = 50 * links.length;
  view.note(
    green(
      `  ${calls} calls, loader ran ${loads.reduce((a, b) => a + b, 0)} time(s) (per pod: ${loads.join(', ')}); ` +
        `${stampede.reduce((n, r) => n + r.values, 0)} calls got a value`,
    ),
  );
  if (loads.some((n) => n > 1))
    failures.push(`stampede: a pod ran its loader more than once (${loads.join(', ')})`);
  view.phaseDone();

  const victim = links[links.length - 1]!;
  phase(`${victim.config.name}'s subscriber is cut while the others keep writing`);
  const resyncsBeforeCut = victim.snapshot.resyncs;
  const cut = await victim.ask({ type: 'cut' }, 'cut-done');
  view.note(dim(`  ${cut.detail}`));
  await sleep(total * 0.15);
  view.note(
    `  ${victim.config.name} lost its subscription and resynced ${victim.snapshot.resyncs - resyncsBeforeCut} time(s) so far ` +
      `(status now: ${victim.snapshot.status}); while down it serves nothing from its local tier and reads the store`,
  );
  view.phaseDone();

  phase(`${victim.config.name} recovers: the subscription comes back, the pod resyncs`);
  const resyncsBefore = victim.snapshot.resyncs;
  await victim.ask({ type: 'heal' }, 'healed');
  const healedAt = Date.now();
  while (victim.snapshot.status !== 'up' && Date.now() - healedAt < 15_000) await sleep(50);
  if (victim.snapshot.status !== 'up') failures.push(`${victim.config.name} did not resubscribe within 15 s`);
  else
    view.note(
      green(
        `  ${victim.config.name} is up again after ${Date.now() - healedAt} ms (resyncs: ${resyncsBefore} → ${victim.snapshot.resyncs})`,
      ),
    );
  await sleep(total * 0.15);
  view.phaseDone();

  const clearer = links[1 % links.length]!;
  phase(`${clearer.config.name} clears the namespace — every pod drops it, nothing else is touched`);
  await acknowledgeClear(clearer);
  everyone(steady);
  await sleep(total * 0.15);
  view.phaseDone();

  phase('writes stop: every pod must hold the last acknowledged value of each key, or nothing');
  await quiesce();
  everyone(() => ({ writes: [], writeEveryMs: 0, reads: [], readEveryMs: 0 }));
  const keys = [...lastSeq.keys()];
  const deadline = Date.now() + Math.max(2000, total * 0.15);
  let behind: string[] = [];
  do {
    await sleep(100);
    const holdings = await Promise.all(
      links.map((link) => link.ask({ type: 'report-holdings', keys }, 'holdings')),
    );
    behind = holdings.flatMap((reply, i) =>
      reply.holdings
        .filter(([key, seq]) => seq !== null && seq !== lastSeq.get(key))
        .map(
          ([key, seq]) =>
            `${links[i]!.config.name} holds ${key} seq ${seq}, the last acknowledged is ${lastSeq.get(key)}`,
        ),
    );
  } while (behind.length > 0 && Date.now() < deadline);
  if (behind.length > 0) failures.push(`not converged: ${behind.slice(0, 5).join('; ')}`);
  else
    view.note(
      green(
        `  converged: ${links.length} pods × ${keys.length} keys hold the last acknowledged value or nothing`,
      ),
    );

  // Leave nothing of the demo's values behind (only this namespace; never FLUSHDB).
  await links[0]!.ask({ type: 'clear' }, 'cleared');
  view.phaseDone();
}

function summary(
  snapshots: PodSnapshot[],
  staleReads: number,
  checkedReads: number,
  failures: string[],
  ok: boolean,
): void {
  console.log(`\n${bold('Summary')}`);
  for (const line of table(snapshots)) console.log(`  ${line.trimEnd()}`);
  const samples = snapshots.reduce((n, s) => n + s.propagationSamples, 0);
  const p50 = snapshots.map((s) => s.propagationP50Ms).filter((v): v is number => v !== undefined);
  const p99 = snapshots.map((s) => s.propagationP99Ms).filter((v): v is number => v !== undefined);
  console.log(
    `  propagation (writer's call → applied on another pod): ${samples} samples, ` +
      `p50 ${ms(p50.length ? Math.max(...p50) : undefined)}, p99 ${ms(p99.length ? Math.max(...p99) : undefined)} (worst pod)`,
  );
  const staleText = `  stale reads: ${staleReads} of ${checkedReads} reads checked`;
  console.log(staleReads === 0 ? green(staleText) : red(staleText));
  for (const failure of failures) console.log(red(`  ✗ ${failure}`));
  console.log(ok ? green('  ✓ ok') : red('  ✗ failed (exit code 1)'));
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}
