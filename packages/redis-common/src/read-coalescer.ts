import { Burst } from './burst.js';

/**
 * Merges the plain `GET`s one tick issues into one `MGET`, from the tick's second `GET` on.
 *
 * A pod serving many requests reads many cold keys at once. Each `GET` costs the client a command
 * to encode, a reply to parse and a promise, and the server a command to dispatch; with 64 gets in
 * flight on node-redis that overhead made the cache's reads 0.57–0.67x the raw client's
 * throughput. One `MGET` of the tick's keys pays it once (`docs/architecture.md`, "Coalesced
 * reads").
 *
 * The first `GET` of a burst ({@link Burst}) is sent at once, alone: a lone read (one get at a
 * time) waits for nothing. The others wait for the end of the tick (`process.nextTick`, no
 * macrotask hop), then go out as one `MGET` (a plain `GET` when only one waits), split at
 * `maxKeys`. While reads are waiting, every new read joins them.
 *
 * Order on the connection: a queued read goes out after the commands sent later in the same tick
 * (a write, for instance). The read then sees that write, which it could have seen anyway: the two
 * calls were concurrent, neither had returned.
 *
 * A key of another type reads as nil in `MGET`, where `GET` fails with `WRONGTYPE`; callers treat
 * both as absent. A failed `MGET` fails every read it carried.
 *
 * @internal
 */
export class ReadCoalescer<R> {
  readonly #burst = new Burst();
  /** Reads wait for `#endOfTick` (scheduled once per tick, when the first one is queued). */
  #keys: string[] = [];
  #resolves: Array<(reply: R | null) => void> = [];
  #rejects: Array<(error: unknown) => void> = [];

  /**
   * @param sendGet sends `GET key`; resolves to the reply (`null` when the key is absent).
   * @param sendMget sends `MGET keys…`; resolves to one reply per key, in order.
   * @param maxKeys the most keys one `MGET` carries.
   */
  constructor(
    private readonly sendGet: (key: string) => Promise<R | null>,
    private readonly sendMget: (keys: string[]) => Promise<unknown>,
    private readonly maxKeys: number,
  ) {}

  /** The reply to `GET key`, read alone or in this tick's `MGET`. */
  get(key: string): Promise<R | null> {
    if (this.#keys.length === 0 && this.#burst.first()) return this.sendGet(key);
    if (this.#keys.length === 0) process.nextTick(this.#endOfTick);
    return new Promise<R | null>((resolve, reject) => {
      this.#keys.push(key);
      this.#resolves.push(resolve);
      this.#rejects.push(reject);
      if (this.#keys.length >= this.maxKeys) this.#flush();
    });
  }

  readonly #endOfTick = (): void => {
    if (this.#keys.length > 0) this.#flush();
  };

  #flush(): void {
    const keys = this.#keys;
    const resolves = this.#resolves;
    const rejects = this.#rejects;
    this.#keys = [];
    this.#resolves = [];
    this.#rejects = [];
    let sent: Promise<unknown>;
    try {
      sent = keys.length === 1 ? this.sendGet(keys[0] as string) : this.sendMget(keys);
    } catch (error) {
      for (const reject of rejects) reject(error);
      return;
    }
    if (keys.length === 1) {
      sent.then(resolves[0] as (reply: unknown) => void, rejects[0]);
      return;
    }
    sent.then(
      (reply) => {
        if (!Array.isArray(reply) || reply.length !== keys.length) {
          const error = new Error(`unexpected MGET reply for ${keys.length} keys`);
          for (const reject of rejects) reject(error);
          return;
        }
        for (let index = 0; index < resolves.length; index++) {
          (resolves[index] as (reply: R | null) => void)(reply[index] as R | null);
        }
      },
      (error: unknown) => {
        for (const reject of rejects) reject(error);
      },
    );
  }
}
