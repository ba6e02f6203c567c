import {
  CacheClosedError,
  CONTRACT_VERSION,
  type OptionNames,
  rejectUnknownOptions,
  type Store,
  type StoreBatchResult,
  type StoreBatchWrite,
  type StoreCapabilities,
  type StoreEntry,
  StoreError,
  type StoreLogRead,
  type StorePublication,
  type StoreSetOptions,
  type Synchronizer,
} from '@synced-cache/core';
import {
  batchResult,
  batchScriptResults,
  CLEAR_SCRIPT,
  chunk,
  clockKeyOption,
  DEFAULT_SCAN_COUNT,
  DEFAULT_TOMBSTONE_TTL_MS,
  DELETE_MANY_PUBLISH_SCRIPT,
  DELETE_MANY_SCRIPT,
  DELETE_PUBLISH_SCRIPT,
  DELETE_SCRIPT,
  deletePublishArguments,
  groupBySlot,
  LOG_APPEND_SCRIPT,
  LOG_READ_SCRIPT,
  packBatches,
  parseLogRead,
  parseReadReply,
  parseScanStep,
  parseTime,
  parseValueReply,
  parseVersion,
  positiveInteger,
  READ_BATCH_SIZE,
  READ_SCRIPT,
  ReadCoalescer,
  type RedisScript,
  SET_MANY_PUBLISH_SCRIPT,
  SET_MANY_SCRIPT,
  SET_PUBLISH_SCRIPT,
  SET_SCRIPT,
  ServerClock,
  SIZE_SCRIPT,
  scanPattern,
  setPublishArguments,
  toNumber,
  toStoreError,
  ttlArgument,
  WRITE_BATCH_SIZE,
} from '@synced-cache/redis-common';
import {
  Connection,
  connectionSettings,
  type RedisAdapterOptions,
  type RedisArgument,
  type RedisConnection,
} from './connection.js';
import { runScript } from './run-script.js';
import { RedisSynchronizer } from './synchronizer.js';

/** Options of {@link createRedisStore}. */
export interface RedisStoreOptions extends RedisAdapterOptions {
  /**
   * How long a deleted or cleared key keeps its version as a tombstone, in milliseconds, so a
   * late event older than the deletion can never win. Longer than any event can be in flight.
   * @default 60000
   */
  tombstoneTtlMs?: number;
  /**
   * `COUNT` hint of each `SCAN` step of `clear` and `size` (keys examined per server round trip).
   * Each step runs as one script, so larger values mean fewer round trips but longer server pauses.
   * @default 1000
   */
  scanCount?: number;
  /**
   * Maximum number of keys read by one `MGET` or script call in `getMany` (larger batches are split).
   * @default 512
   */
  readBatchSize?: number;
  /**
   * Standalone and Sentinel: the key every write script advances to the version it assigns, so
   * versions are one clock across all keys and `currentVersion()` is exact. It contains no `:` so
   * no namespace's `clear` touches it. `false` disables it (versions then follow the server clock).
   * Ignored on a Cluster (a script cannot touch a key of another slot). One key per database,
   * shared by every namespace, with no expiry; `clear()` and `close()` leave it (why, and what
   * deleting it does: `@synced-cache/redis-common`'s README).
   * @default 'synced-cache.clock'
   */
  clockKey?: string | false;
}

/**
 * Margin (µs) `currentVersion()` adds to the highest master clock on a Cluster, where there is no
 * clock key: versions run ahead of server time only when one key is written twice within a
 * microsecond or a clock steps back.
 */
const CLUSTER_VERSION_MARGIN_US = 1_000_000;

const EMPTY = Buffer.alloc(0);
const NO_ARGS: readonly RedisArgument[] = [];

function isWrongType(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('WRONGTYPE');
}

/** The event-emitter side of a node-redis client or Sentinel object. */
interface Emitter {
  on?(event: string, listener: () => void): unknown;
  off?(event: string, listener: () => void): unknown;
}

/**
 * Events after which the server behind a connection may be another machine (or the connection
 * is gone), so a sample of its clock no longer holds: a client's `reconnecting` / `end`; a
 * Sentinel's `topology-change` (a failover; node-redis 5 emits nothing else), `reconnecting` and
 * `end`. A Sentinel's node client reconnecting to the same master is not reported, and needs no
 * reset: the master, and so its clock, is the same.
 */
const CLIENT_CLOCK_RESETS = ['reconnecting', 'end'] as const;
const SENTINEL_CLOCK_RESETS = ['reconnecting', 'end', 'topology-change'] as const;

/** `bytes` as a Buffer without copying (node-redis sends Buffers as binary arguments). */
function asBuffer(bytes: Uint8Array): Buffer {
  if (bytes.byteLength === 0) return EMPTY;
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Redis {@link Store} over node-redis. Values live as strings with a 9-byte header (kind +
 * version; values with a TTL also carry their absolute expiry) written by the shared Lua scripts
 * of `@synced-cache/redis-common`, so node-redis and ioredis pods interoperate on one server.
 * On standalone and Sentinel, reads are plain `GET` / `MGET` once a background `TIME` sample
 * estimates the server clock; before it, after a reconnect or failover, and on a Cluster they use
 * the read script (value + `PTTL`).
 */
class RedisStore implements Store {
  readonly contractVersion = CONTRACT_VERSION;
  readonly capabilities: StoreCapabilities;
  readonly #connection: Connection;
  readonly #tombstoneTtl: string;
  readonly #scanCount: string;
  readonly #readBatchSize: number;
  /** The clock key as a one-element key list (empty on a Cluster or when disabled). */
  readonly #clockKeys: readonly string[];
  /**
   * Estimate of the server clock that lets plain `GET` / `MGET` serve reads (standalone and
   * Sentinel only; `undefined` on a Cluster, which always reads with the script).
   */
  readonly #clock: ServerClock | undefined;
  /** Bumped whenever the clock sample is forgotten (reconnect, failover). */
  #clockEpoch = 0;
  /** The number of the last `TIME` sample sent, and when; 0 when none is in flight. */
  #sampling = 0;
  #samples = 0;
  #sampleSentAt = 0;
  readonly #sampleTimeoutMs: number;
  readonly #clockResets: readonly string[];
  readonly #forgetClock = (): void => {
    this.#clockEpoch++;
    this.#clock?.reset();
  };
  #closed = false;
  /** The hot path's reads: one tick's `GET`s after its first go out as one `MGET`. */
  readonly #reads: ReadCoalescer<unknown>;

  constructor(
    connection: Connection,
    tombstoneTtlMs: number,
    scanCount: number,
    readBatchSize: number,
    clockKey: string | undefined,
  ) {
    this.#connection = connection;
    this.#clockKeys = clockKey === undefined || connection.kind === 'cluster' ? [] : [clockKey];
    this.#tombstoneTtl = String(tombstoneTtlMs);
    this.#scanCount = String(scanCount);
    this.#readBatchSize = readBatchSize;
    this.#reads = new ReadCoalescer(
      (key) => connection.send(key, ['GET', key]),
      (keys) => connection.send(keys[0], ['MGET', ...keys]),
      readBatchSize,
    );
    // One server clock orders every key; a Cluster has one clock per master.
    this.capabilities = { batchGet: true, namespaceVersions: this.#clockKeys.length > 0 };
    this.#sampleTimeoutMs = connection.boundMs;
    this.#clockResets =
      connection.kind === 'client'
        ? CLIENT_CLOCK_RESETS
        : connection.kind === 'sentinel'
          ? SENTINEL_CLOCK_RESETS
          : [];
    const emitter = connection.raw as Emitter;
    if (connection.kind !== 'cluster' && typeof emitter.on === 'function') {
      this.#clock = new ServerClock();
      for (const event of this.#clockResets) emitter.on(event, this.#forgetClock);
    } else {
      this.#clock = undefined;
    }
  }

  /**
   * True when a plain `GET` / `MGET` may serve reads: a value with a TTL carries its absolute
   * expiry (server ms) in its header, and a fresh estimate of the server clock turns it into the
   * remaining TTL (erring short). Otherwise reads use `READ_SCRIPT` (value + `PTTL`). Takes a
   * `TIME` sample in the background when there is none or it is due for renewal.
   */
  #plainReads(): boolean {
    const clock = this.#clock;
    if (clock === undefined) return false;
    const state = clock.check();
    // A sample unanswered for longer than the command timeout no longer blocks a new one
    // (commandTimeoutMs 0 leaves commands without a client-side bound).
    if (state !== 1 && (this.#sampling === 0 || Date.now() - this.#sampleSentAt > this.#sampleTimeoutMs)) {
      const sample = ++this.#samples;
      const epoch = this.#clockEpoch;
      this.#sampling = sample;
      this.#sampleSentAt = Date.now();
      const sentAt = clock.start();
      this.#connection.send(undefined, ['TIME']).then(
        (reply) => {
          if (this.#sampling === sample) this.#sampling = 0;
          // A reply that raced a reconnect may come from the previous server.
          if (this.#clockEpoch === epoch) clock.record(sentAt, reply);
        },
        () => {
          if (this.#sampling === sample) this.#sampling = 0;
        },
      );
    }
    return state !== 0;
  }

  /** Runs a script on the key's connection (see {@link runScript}). */
  #run(script: RedisScript, keys: readonly string[], args: readonly RedisArgument[]): Promise<unknown> {
    const firstKey = keys[0];
    return runScript((command) => this.#connection.send(firstKey, command), script, keys, args);
  }

  #assertOpen(action: string, key?: string): void {
    if (this.#closed) throw new CacheClosedError({ action, key });
  }

  #fail(error: unknown, action: string, key?: string): never {
    throw toStoreError(error, {
      action,
      key,
      timeoutMs: this.#connection.commandOptions.timeout || undefined,
    });
  }

  get(key: string): Promise<StoreEntry | undefined> {
    // The hot path (open, fresh clock sample): one GET and a synchronous parse with no async
    // frame around it; everything else goes through #getSlowly.
    if (!this.#closed && this.#clock !== undefined && this.#plainReads()) {
      const epoch = this.#clockEpoch;
      return this.#reads.get(key).then(
        (reply) =>
          // Unless the connection changed servers meanwhile (then the value's expiry may be on
          // another clock than the sample: read it again with the script).
          epoch === this.#clockEpoch
            ? parseValueReply(reply, (this.#clock as ServerClock).latestServerNowMs())
            : this.#readOne(key),
        (error: unknown) => {
          // A key of another type under the prefix is not ours: it reads as absent.
          if (isWrongType(error)) return undefined;
          this.#fail(error, 'get', key);
        },
      );
    }
    return this.#getSlowly(key);
  }

  async #getSlowly(key: string): Promise<StoreEntry | undefined> {
    this.#assertOpen('get', key);
    return this.#readOne(key);
  }

  /** Reads `key` with `READ_SCRIPT` (value + PTTL). */
  async #readOne(key: string): Promise<StoreEntry | undefined> {
    let reply: unknown;
    try {
      reply = await this.#run(READ_SCRIPT, [key], NO_ARGS);
    } catch (error) {
      this.#fail(error, 'get', key);
    }
    return parseReadReply(reply, 0);
  }

  async getMany(keys: readonly string[]): Promise<Array<StoreEntry | undefined>> {
    this.#assertOpen('getMany');
    const result = new Array<StoreEntry | undefined>(keys.length).fill(undefined);
    if (keys.length === 0) return result;
    // A Cluster runs a script only when all its keys share one slot: one call per slot group.
    const groups: number[][] =
      this.#connection.kind === 'cluster'
        ? [...groupBySlot(keys).values()]
        : [Array.from({ length: keys.length }, (_, index) => index)];
    const plain = this.#plainReads();
    const epoch = this.#clockEpoch;
    const calls: Promise<void>[] = [];
    for (const group of groups) {
      for (const indexes of chunk(group, this.#readBatchSize)) {
        const batch = indexes.map((index) => keys[index] as string);
        calls.push(
          plain ? this.#readPlain(batch, indexes, result, epoch) : this.#readScript(batch, indexes, result),
        );
      }
    }
    try {
      await Promise.all(calls);
    } catch (error) {
      this.#fail(error, 'getMany');
    }
    return result;
  }

  /** Reads `batch` with `READ_SCRIPT` into `result` at `indexes`. */
  async #readScript(
    batch: readonly string[],
    indexes: readonly number[],
    result: Array<StoreEntry | undefined>,
  ): Promise<void> {
    const reply = await this.#run(READ_SCRIPT, batch, NO_ARGS);
    for (let position = 0; position < indexes.length; position++) {
      result[indexes[position] as number] = parseReadReply(reply, position);
    }
  }

  /**
   * Reads `batch` with a plain `MGET` (a key of another type reads as nil, so as absent) into
   * `result` at `indexes`; with the script instead when the clock sample was forgotten since
   * `epoch` (the connection may have changed servers).
   */
  async #readPlain(
    batch: readonly string[],
    indexes: readonly number[],
    result: Array<StoreEntry | undefined>,
    epoch: number,
  ): Promise<void> {
    const reply = await this.#connection.send(batch[0], ['MGET', ...batch]);
    if (epoch !== this.#clockEpoch) return this.#readScript(batch, indexes, result);
    if (!Array.isArray(reply) || reply.length !== batch.length) {
      throw new StoreError(`getMany: unexpected MGET reply ${typeof reply}`, { action: 'getMany' });
    }
    const serverNowMs = (this.#clock as ServerClock).latestServerNowMs();
    for (let position = 0; position < indexes.length; position++) {
      result[indexes[position] as number] = parseValueReply(reply[position], serverNowMs);
    }
  }

  /** The keys of a write script: the key, then the clock key when there is one. */
  #writeKeys(key: string): readonly string[] {
    return this.#clockKeys.length > 0 ? [key, ...this.#clockKeys] : [key];
  }

  async set(key: string, payload: Uint8Array, options?: StoreSetOptions): Promise<number> {
    this.#assertOpen('set', key);
    const ttl = ttlArgument(options?.ttlMs);
    return this.#write(SET_SCRIPT, 'set', key, [asBuffer(payload), ttl]);
  }

  /**
   * `set` plus publishing core's event for it in the same script (`SET_PUBLISH_SCRIPT`: one
   * EVALSHA, the event leaves if and only if the write happened, in write order). Core calls it
   * instead of `set` + `synchronizer.publish` when {@link RedisStore.publishesTo} its synchronizer.
   */
  async setAndPublish(
    key: string,
    payload: Uint8Array,
    options: StoreSetOptions | undefined,
    publication: StorePublication,
  ): Promise<number> {
    this.#assertOpen('set', key);
    const ttl = ttlArgument(options?.ttlMs);
    return this.#write(
      SET_PUBLISH_SCRIPT,
      'set',
      key,
      setPublishArguments(asBuffer(payload), ttl, publication),
    );
  }

  async delete(key: string): Promise<number> {
    this.#assertOpen('delete', key);
    return this.#write(DELETE_SCRIPT, 'delete', key, [this.#tombstoneTtl]);
  }

  /** `delete` plus publishing core's event for it in the same script (see `setAndPublish`). */
  async deleteAndPublish(key: string, publication: StorePublication): Promise<number> {
    this.#assertOpen('delete', key);
    return this.#write(
      DELETE_PUBLISH_SCRIPT,
      'delete',
      key,
      deletePublishArguments(this.#tombstoneTtl, publication),
    );
  }

  /**
   * Every write as `set` would do it. Standalone and Sentinel: one `SET_MANY_SCRIPT` call per
   * {@link WRITE_BATCH_SIZE} keys (each key still its own version, in batch order), the calls sent
   * in one tick, so node-redis writes them as one pipeline. On a Cluster (keys of many slots) the
   * per-key script, each to its slot's master, one pipeline per node.
   */
  async setMany(writes: readonly StoreBatchWrite[]): Promise<StoreBatchResult[]> {
    this.#assertOpen('setMany');
    const perKey = (index: number): readonly RedisArgument[] => {
      const { payload, options } = writes[index] as StoreBatchWrite;
      return [asBuffer(payload), ttlArgument(options?.ttlMs)];
    };
    return this.#writeMany(SET_SCRIPT, SET_MANY_SCRIPT, 'set', writes, perKey, NO_ARGS);
  }

  /** {@link RedisStore.setMany} where write `i` also publishes `publications[i]` (see `setAndPublish`). */
  async setAndPublishMany(
    writes: readonly StoreBatchWrite[],
    publications: readonly StorePublication[],
  ): Promise<StoreBatchResult[]> {
    this.#assertOpen('setMany');
    const perKey = (index: number): readonly RedisArgument[] => {
      const { payload, options } = writes[index] as StoreBatchWrite;
      return setPublishArguments(
        asBuffer(payload),
        ttlArgument(options?.ttlMs),
        publications[index] as StorePublication,
      );
    };
    return this.#writeMany(SET_PUBLISH_SCRIPT, SET_MANY_PUBLISH_SCRIPT, 'set', writes, perKey, NO_ARGS);
  }

  /** Every delete as `delete` would do it, batched as {@link RedisStore.setMany}. */
  async deleteMany(keys: readonly string[]): Promise<StoreBatchResult[]> {
    this.#assertOpen('deleteMany');
    const tombstone = [this.#tombstoneTtl];
    if (this.#connection.kind === 'cluster') {
      return this.#writeMany(DELETE_SCRIPT, DELETE_MANY_SCRIPT, 'delete', keys, () => tombstone, NO_ARGS);
    }
    return this.#writeMany(DELETE_SCRIPT, DELETE_MANY_SCRIPT, 'delete', keys, () => NO_ARGS, tombstone);
  }

  /** {@link RedisStore.deleteMany} where delete `i` also publishes `publications[i]`. */
  async deleteAndPublishMany(
    keys: readonly string[],
    publications: readonly StorePublication[],
  ): Promise<StoreBatchResult[]> {
    this.#assertOpen('deleteMany');
    if (this.#connection.kind === 'cluster') {
      return this.#writeMany(
        DELETE_PUBLISH_SCRIPT,
        DELETE_MANY_PUBLISH_SCRIPT,
        'delete',
        keys,
        (index) => deletePublishArguments(this.#tombstoneTtl, publications[index] as StorePublication),
        NO_ARGS,
      );
    }
    return this.#writeMany(
      DELETE_PUBLISH_SCRIPT,
      DELETE_MANY_PUBLISH_SCRIPT,
      'delete',
      keys,
      (index) => {
        const [, channel, head] = deletePublishArguments(
          this.#tombstoneTtl,
          publications[index] as StorePublication,
        );
        return [channel, head];
      },
      [this.#tombstoneTtl],
    );
  }

  /**
   * Writes every key of `batch` and reports each outcome in order: on a Cluster `single` per key
   * (with `perKey(i)` as its ARGV), otherwise `many` per chunk of {@link WRITE_BATCH_SIZE} keys
   * (fewer when their packed arguments would pass `PACKED_BATCH_BYTES`; ARGV: the count, `shared`,
   * then every key's `perKey(i)` packed into one argument, see `packBatches`). Every call is sent in
   * this tick.
   */
  #writeMany(
    single: RedisScript,
    many: RedisScript,
    action: 'set' | 'delete',
    batch: ReadonlyArray<string | StoreBatchWrite>,
    perKey: (index: number) => readonly RedisArgument[],
    shared: readonly RedisArgument[],
  ): Promise<StoreBatchResult[]> {
    const timeoutMs = this.#connection.commandOptions.timeout || undefined;
    const keys = batch.map((item) => (typeof item === 'string' ? item : item.key));
    if (this.#connection.kind === 'cluster') {
      return Promise.all(
        keys.map((key, index) =>
          this.#run(single, this.#writeKeys(key), perKey(index)).then(
            (reply) => batchResult(undefined, reply, action, key, timeoutMs),
            (error: unknown) => batchResult(error, undefined, action, key, timeoutMs),
          ),
        ),
      );
    }
    const calls: Array<Promise<StoreBatchResult[]>> = [];
    for (const { start, end, args } of packBatches(keys.length, shared, perKey)) {
      const chunkKeys = keys.slice(start, end);
      calls.push(
        this.#run(many, [...chunkKeys, ...this.#clockKeys], args).then(
          (reply) => batchScriptResults(undefined, reply, action, chunkKeys, timeoutMs),
          (error: unknown) => batchScriptResults(error, undefined, action, chunkKeys, timeoutMs),
        ),
      );
    }
    return Promise.all(calls).then((chunks) =>
      chunks.length === 1 ? (chunks[0] as StoreBatchResult[]) : chunks.flat(),
    );
  }

  /** Runs a write script on `key` (and the clock key) and returns the version it assigned. */
  async #write(
    script: RedisScript,
    action: 'set' | 'delete',
    key: string,
    args: readonly RedisArgument[],
  ): Promise<number> {
    let reply: unknown;
    try {
      reply = await this.#run(script, this.#writeKeys(key), args);
    } catch (error) {
      this.#fail(error, action, key);
    }
    return parseVersion(reply, action, key);
  }

  /**
   * True when `synchronizer` is a synchronizer of this package that publishes with plain
   * `PUBLISH` through the very node-redis client or Sentinel object this store sends its commands
   * on (as `createRedisCache` builds them, or when you pass one client to both factories),
   * outside a Cluster. Then what this store's scripts publish reaches that synchronizer's
   * subscribers, in order with what it publishes itself. False on a Cluster (a script cannot
   * reach a sharded channel of another slot, and plain `PUBLISH` from several masters would not
   * keep one pod's order) and for a synchronizer on another client.
   */
  publishesTo(synchronizer: Synchronizer): boolean {
    return (
      this.#connection.kind !== 'cluster' &&
      synchronizer instanceof RedisSynchronizer &&
      synchronizer.plainPublisher === this.#connection.raw
    );
  }

  /** Runs a keyless SCAN-step script to completion on every master, combining the step values. */
  async #scanAll(
    action: string,
    script: RedisScript,
    keys: readonly string[],
    args: readonly string[],
    combine: (total: number, value: number) => number,
  ): Promise<number> {
    try {
      const nodes = await this.#connection.masters();
      const totals = await Promise.all(
        nodes.map(async (node) => {
          let cursor = '0';
          let total = 0;
          do {
            const step = parseScanStep(
              await runScript((command) => node.send(command), script, keys, [cursor, ...args]),
              action,
            );
            cursor = step.cursor;
            total = combine(total, step.value);
          } while (cursor !== '0');
          return total;
        }),
      );
      return totals.reduce((all, total) => combine(all, total), 0);
    } catch (error) {
      this.#fail(error, action);
    }
  }

  /** Core's close log (see `Store.appendLog`): one script on the log key's node. */
  async appendLog(key: string, entry: Uint8Array, keep: number, id: string): Promise<number> {
    this.#assertOpen('appendLog', key);
    let reply: unknown;
    try {
      reply = await this.#run(LOG_APPEND_SCRIPT, [key], [Buffer.from(entry), String(keep), id]);
    } catch (error) {
      this.#fail(error, 'appendLog', key);
    }
    return parseVersion(reply, 'appendLog', key);
  }

  /** Core's close log (see `Store.readLog`): one script. */
  async readLog(key: string, after: number, max: number): Promise<StoreLogRead> {
    this.#assertOpen('readLog', key);
    let reply: unknown;
    try {
      reply = await this.#run(LOG_READ_SCRIPT, [key], [String(after), String(max)]);
    } catch (error) {
      this.#fail(error, 'readLog', key);
    }
    return parseLogRead(reply);
  }

  async clear(prefix: string): Promise<number> {
    this.#assertOpen('clear');
    return this.#scanAll(
      'clear',
      CLEAR_SCRIPT,
      this.#clockKeys,
      [scanPattern(prefix), this.#scanCount, this.#tombstoneTtl],
      (high, value) => Math.max(high, value),
    );
  }

  async size(prefix: string): Promise<number> {
    this.#assertOpen('size');
    return this.#scanAll(
      'size',
      SIZE_SCRIPT,
      [],
      [scanPattern(prefix), this.#scanCount],
      (total, count) => total + count,
    );
  }

  /**
   * A version at least as high as any this store assigned: the clock key on standalone and
   * Sentinel (exact); on a Cluster the highest master clock plus a margin.
   */
  async currentVersion(): Promise<number> {
    this.#assertOpen('currentVersion');
    try {
      const clockKey = this.#clockKeys[0];
      if (clockKey !== undefined) {
        const reply = await this.#connection.send(clockKey, ['GET', clockKey]);
        const clock = reply === null || reply === undefined ? 0 : toNumber(reply);
        return Number.isSafeInteger(clock) ? clock : 0;
      }
      const nodes = await this.#connection.masters();
      const clocks = await Promise.all(nodes.map(async (node) => parseTime(await node.send(['TIME']))));
      return Math.max(...clocks) + CLUSTER_VERSION_MARGIN_US;
    } catch (error) {
      this.#fail(error, 'currentVersion');
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const emitter = this.#connection.raw as Emitter;
    if (typeof emitter.off === 'function') {
      for (const event of this.#clockResets) emitter.off(event, this.#forgetClock);
    }
    await this.#connection.close();
  }
}

/** @internal Every option of {@link createRedisStore}. */
export const STORE_OPTION_NAMES: OptionNames<RedisStoreOptions> = {
  commandTimeoutMs: true,
  maxQueuedCommands: true,
  healthCheckIntervalMs: true,
  tombstoneTtlMs: true,
  scanCount: true,
  readBatchSize: true,
  clockKey: true,
};

/**
 * Creates a Redis {@link Store} over node-redis (v5 or v6): standalone, Cluster or Sentinel.
 *
 * Pass your own client / Cluster / Sentinel (never closed by us), a URL, or
 * {@link RedisStoreOptions} (connections we create are connected at once and closed by `close()`).
 *
 * @example
 * ```ts
 * const store = createRedisStore('redis://localhost:6379');
 * const version = await store.set('app:user:1', payload, { ttlMs: 60_000 });
 * ```
 * @throws InvalidConfigError when the options are invalid.
 */
export function createRedisStore(connection: RedisConnection, options: RedisStoreOptions = {}): Store {
  rejectUnknownOptions(options, STORE_OPTION_NAMES);
  return storeOn(connection, options);
}

/**
 * @internal Validates `options`, then builds a store on `connection` (a new one, or a shared
 * {@link Connection}).
 */
export function storeOn(connection: RedisConnection | Connection, options: RedisStoreOptions): Store {
  const tombstoneTtlMs = positiveInteger('tombstoneTtlMs', options.tombstoneTtlMs, DEFAULT_TOMBSTONE_TTL_MS);
  const scanCount = positiveInteger('scanCount', options.scanCount, DEFAULT_SCAN_COUNT);
  const readBatchSize = positiveInteger('readBatchSize', options.readBatchSize, READ_BATCH_SIZE);
  const clockKey = clockKeyOption(options.clockKey);
  const shared =
    connection instanceof Connection ? connection : new Connection(connection, connectionSettings(options));
  return new RedisStore(shared, tombstoneTtlMs, scanCount, readBatchSize, clockKey);
}
