/**
 * What the demo prints: on a terminal a live table redrawn four times a second (per-pod hits,
 * misses, events, local size, propagation p50/p99, stale reads) under the story's notes; when
 * piped, plain lines (each note, and one line per pod at the end of every phase); a summary.
 */
import type { PodSnapshot } from './protocol.js';

const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
export const bold = (s: string) => (color ? `\x1b[1m${s}\x1b[0m` : s);
export const dim = (s: string) => (color ? `\x1b[2m${s}\x1b[0m` : s);
export const green = (s: string) => (color ? `\x1b[32m${s}\x1b[0m` : s);
export const red = (s: string) => (color ? `\x1b[31m${s}\x1b[0m` : s);

const COLUMNS: [string, number, (s: PodSnapshot) => string][] = [
  ['pod', 8, (s) => s.name],
  ['status', 13, (s) => s.status],
  ['reads', 8, (s) => String(s.reads)],
  ['writes', 7, (s) => String(s.writes)],
  ['local hit', 10, (s) => String(s.localHits)],
  ['miss', 7, (s) => String(s.localMisses)],
  ['events', 8, (s) => String(s.eventsApplied)],
  ['size', 6, (s) => String(s.localSize)],
  ['prop p50', 10, (s) => ms(s.propagationP50Ms)],
  ['prop p99', 10, (s) => ms(s.propagationP99Ms)],
  ['resyncs', 8, (s) => String(s.resyncs)],
  ['stale', 6, (s) => String(s.staleReads)],
];

export function ms(value: number | undefined): string {
  if (value === undefined) return '—';
  return value < 1 ? `${(value * 1000).toFixed(0)} µs` : `${value.toFixed(2)} ms`;
}

/** The per-pod table as lines. */
export function table(snapshots: PodSnapshot[]): string[] {
  const header = COLUMNS.map(([title, width]) => title.padEnd(width)).join(' ');
  const rows = snapshots.map((snapshot) =>
    COLUMNS.map(([, width, cell]) => {
      const text = cell(snapshot).padEnd(width);
      return cell === COLUMNS[11]![2] && snapshot.staleReads > 0 ? red(text) : text;
    }).join(' '),
  );
  return [dim(header), ...rows];
}

export class View {
  private drawn = 0;
  private timer: NodeJS.Timeout | undefined;
  readonly live: boolean;

  constructor(
    private readonly title: string,
    private readonly snapshots: () => PodSnapshot[],
    live = process.stdout.isTTY === true,
  ) {
    this.live = live;
  }

  start(): void {
    console.log(bold(this.title));
    if (this.live) this.timer = setInterval(() => this.draw(), 250);
  }

  /** A line of the story (what happens now, or what was measured). */
  note(text: string): void {
    if (!this.live) {
      console.log(text);
      return;
    }
    // Notes stay in the scrollback above the table, which is redrawn below them.
    this.erase();
    process.stdout.write(`${text}\n`);
    this.draw();
  }

  /** End of a phase: when piped, one line per pod. */
  phaseDone(): void {
    if (this.live) return;
    for (const line of table(this.snapshots())) console.log(`  ${line.trimEnd()}`);
  }

  stop(): void {
    clearInterval(this.timer);
    if (this.live) this.draw();
    this.drawn = 0;
  }

  private erase(): void {
    if (this.drawn > 0) process.stdout.write(`\x1b[${this.drawn}A\x1b[J`);
    this.drawn = 0;
  }

  private draw(): void {
    this.erase();
    const lines = ['', ...table(this.snapshots())];
    process.stdout.write(`${lines.join('\n')}\n`);
    this.drawn = lines.length;
  }
}
