/**
 * What the demo counts as a stale read, and how a pod detects one.
 *
 * Every tracked key has exactly one writer, whose values carry a per-key sequence number that
 * only grows (also across a clear). When a write is **acknowledged** (its `set` resolved), the
 * writer reports `(key, seq, at)`; a `clear` is acknowledged with the last acknowledged seq of every
 * key (writers are paused around it, so nothing is in flight). Each pod hears every acknowledgement
 * and checks its own reads:
 *
 *   A read that **started** more than `boundMs` after an acknowledgement must return that write's
 *   value or a newer one. After an acknowledged clear it must return nothing, or a value written
 *   after the clear.
 *
 * "Newer" is judged by the order of acknowledgements for that key; a value whose seq was never
 * acknowledged (a write still in flight) counts as newer. Acknowledgements reach readers later than
 * they happened (they are relayed), so a read that fails the check is only a suspect: the verdict
 * is given once `settleMs` later, against every acknowledgement known by then (a clear whose
 * acknowledgement was still on its way explains an absent value). Reads are never retried or
 * excused otherwise.
 */

/** How long a read may take between its start and its record (far above any call's timeout). */
const PRUNE_MARGIN_MS = 30_000;

/** A write or clear, as acknowledged to its caller. */
type Acknowledged = { kind: 'set'; at: number; seq: number } | { kind: 'clear'; at: number; floor: number };

/** A read the check rejected for good. */
export interface StaleRead {
  key: string;
  /** When the read started (ms, the demo's wall clock). */
  readAt: number;
  /** The seq read, or `undefined` for nothing. */
  got: number | undefined;
  /** What it should have been at least: `seq N`, or `nothing / a write after the clear`. */
  expected: string;
  /** How long before the read the write it missed was acknowledged (ms). */
  lateByMs: number;
}

interface Suspect {
  key: string;
  readAt: number;
  got: number | undefined;
  /** Index of the acknowledgement the read failed, in the key's history. */
  required: number;
  judgeAt: number;
}

/** Checks a pod's reads against the acknowledged writes (see the module comment). */
export class StalenessCheck {
  private readonly history = new Map<string, Acknowledged[]>();
  private readonly suspects: Suspect[] = [];
  /** Reads checked (tracked keys only). */
  checked = 0;
  /** Stale reads confirmed. */
  readonly stale: StaleRead[] = [];

  /**
   * @param boundMs how long after its acknowledgement a write must be visible on every pod.
   * @param settleMs how long after a failed check the verdict is given.
   */
  constructor(
    readonly boundMs: number,
    readonly settleMs: number = 2 * boundMs,
  ) {}

  /** A `set` of `key` with `seq` was acknowledged to its writer at `at`. */
  acknowledgeSet(key: string, seq: number, at: number): void {
    this.entries(key).push({ kind: 'set', at, seq });
  }

  /** A clear was acknowledged at `at`; `floors` holds each key's last acknowledged seq before it. */
  acknowledgeClear(at: number, floors: Iterable<[string, number]>): void {
    for (const [key, floor] of floors) this.entries(key).push({ kind: 'clear', at, floor });
  }

  /** Records a read of `key` that started at `readAt` and returned `got` (a seq, or nothing). */
  read(key: string, readAt: number, got: number | undefined): void {
    const entries = this.history.get(key);
    if (entries === undefined) return;
    this.checked++;
    let required = -1;
    for (let i = entries.length - 1; i >= 0; i--) {
      if (entries[i]!.at + this.boundMs <= readAt) {
        required = i;
        break;
      }
    }
    if (required < 0 || this.satisfies(entries, required, got)) return;
    this.suspects.push({ key, readAt, got, required, judgeAt: readAt + this.settleMs });
  }

  /** Gives the verdict on suspects whose settle time has passed (all of them with `all`). */
  judge(now: number, all = false): StaleRead[] {
    const found: StaleRead[] = [];
    let kept = 0;
    for (const suspect of this.suspects) {
      if (!all && suspect.judgeAt > now) {
        this.suspects[kept++] = suspect;
        continue;
      }
      const entries = this.history.get(suspect.key)!;
      if (this.satisfies(entries, suspect.required, suspect.got)) continue;
      const missed = entries[suspect.required]!;
      found.push({
        key: suspect.key,
        readAt: suspect.readAt,
        got: suspect.got,
        expected: missed.kind === 'set' ? `seq ≥ ${missed.seq}` : `nothing or seq > ${missed.floor}`,
        lateByMs: suspect.readAt - missed.at,
      });
    }
    this.suspects.length = kept;
    this.stale.push(...found);
    if (kept === 0) this.prune(now);
    return found;
  }

  /**
   * Forgets acknowledgements no read can need any more: reads are recorded when they finish, so
   * one that started up to `PRUNE_MARGIN_MS` ago may still arrive. Keeps long runs bounded.
   */
  private prune(now: number): void {
    const horizon = now - PRUNE_MARGIN_MS - this.boundMs;
    for (const entries of this.history.values()) {
      let newestOld = -1;
      for (let i = entries.length - 1; i >= 0; i--) {
        if (entries[i]!.at <= horizon) {
          newestOld = i;
          break;
        }
      }
      if (newestOld > 0) entries.splice(0, newestOld);
    }
  }

  /** Suspects waiting for their verdict. */
  get pending(): number {
    return this.suspects.length;
  }

  /** Whether reading `got` is at least as new as acknowledgement `required` of the key. */
  private satisfies(entries: Acknowledged[], required: number, got: number | undefined): boolean {
    if (got === undefined) {
      // Nothing is right after a clear acknowledged no earlier than the required state.
      for (let i = required; i < entries.length; i++) if (entries[i]!.kind === 'clear') return true;
      return false;
    }
    const need = entries[required]!;
    return need.kind === 'set' ? got >= need.seq : got > need.floor;
  }

  private entries(key: string): Acknowledged[] {
    let entries = this.history.get(key);
    if (entries === undefined) {
      entries = [];
      this.history.set(key, entries);
    }
    return entries;
  }
}
