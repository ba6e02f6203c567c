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
  type StoreLogRead,
  type StorePublication,
  type StoreSetOptions,
  type Synchronizer,
} from '@synced-cache/core';
import {
  batchScriptResults,
  CLEAR_SCRIPT,
  chunk,
  clockKeyOption,
  DEFAULT_COMMAND_TIMEOUT_MS,
  DEFAULT_SCAN_COUNT,
  DEFAULT_TOMBSTONE_TTL_MS,
  DELETE_MANY_PUBLISH_SCRIPT,
  DELETE_MANY_SCRIPT,
  DELETE_PUBLISH_SCRIPT,
  DELETE_SCRIPT,
  deletePublishArguments,
  groupBySlot,
  healthCheckInterval,
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
  type ScriptField,
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
  watchConnection,
} from '@synced-cache/redis-common';
import { pipelineWrites } from './batch-writes.js';
import { WriteCoalescer } from './coalesce.js';
import {
  asBuffer,
  type ClientLike,
  closeOwned,
  defineScripts,
  evalOnNode,
  type IoredisConnection,
  isClusterClient,
  openConnection,
  scriptCommand,
  whenReady,
} from './connection.js';
import { IoredisSynchronizer } from './synchronizer.js';

/** Options of {@link createIoredisStore}. */
export interface IoredisStoreOptions {
  /**
   * Client-side bound on every command of connections the store creates (ioredis
   * `commandTimeout`), and how long a call waits for a reconnecting client before failing.
   * Match it to the cache's `timeoutMs`.
   * @default 1000
   */
  commandTimeoutMs?: number;
  /**
   * How long a deleted or cleared key keeps its version as a tombstone, so the next write of the
   * key still gets a higher version even if the server clock steps back.
   * @default 60000
   */
  tombstoneTtlMs?: number;
  /** SCAN COUNT per `clear` / `size` step (per node). @default 1000 */
  scanCount?: number;
  /**
   * The clock key (standalone and Sentinel): every write advances it, making versions one exact
   * clock across keys (`capabilities.namespaceVersions`) and `currentVersion()` exact. Must not
   * contain `:` (so no namespace's `clear` covers it). `false` disables it (versions are then the
   * server time plus the per-key rule). Ignored on Cluster. One key per database, shared by every
   * namespace, with no expiry; `clear()` and `close()` leave it (why, and what deleting it does:
   * `@synced-cache/redis-common`'s README).
   * @default 'synced-cache.clock'
   */
  clockKey?: string | false;
  /**
   * Connections the store creates (standalone and Sentinel): PING this often; no answer within
   * `commandTimeoutMs` drops the connection and reconnects, so a connection whose server vanished
   * without a TCP reset (a crashed host, a failover to another machine) does not keep every call
   * timing out until the kernel gives up on it: calls work again within this interval plus
   * `commandTimeoutMs`. One PING per second per connection costs the server next to nothing.
   * `0` disables the check.
   * @default 1000
   */
  healthCheckIntervalMs?: number;
}

/**
 * A `Store` on Redis through ioredis. Values are Redis strings with a 9-byte version header (see
 * `@synced-cache/redis-common`); versions are assigned by Lua scripts atomically with each write.
 */
export class IoredisStore implements Store {
  readonly contractVersion = CONTRACT_VERSION;
  readonly capabilities: StoreCapabilities;
  /** The client in use (yours when you passed one). */
  readonly client: ClientLike;
  private readonly owned: boolean;
  private readonly cluster: boolean;
  private readonly commandTimeoutMs: number;
  private readonly tombstoneTtl: string;
  private readonly scanCount: string;
  private readonly clockKey: string | undefined;
  private readonly readCommand: (...args: unknown[]) => Promise<unknown>;
  private readonly setCommand: (...args: unknown[]) => Promise<unknown>;
  private readonly deleteCommand: (...args: unknown[]) => Promise<unknown>;
  private readonly setPublishCommand: (...args: unknown[]) => Promise<unknown>;
  private readonly deletePublishCommand: (...args: unknown[]) => Promise<unknown>;
  private readonly logAppendCommand: (...args: unknown[]) => Promise<unknown>;
  private readonly logReadCommand: (...args: unknown[]) => Promise<unknown>;
  private readonly getBuffer: (key: string) => Promise<unknown>;
  private readonly mgetBuffer: (...keys: string[]) => Promise<unknown>;
  /** Estimate of the server clock for the plain-GET read path (standalone / Sentinel only). */
  private readonly serverClock: ServerClock | undefined;
  private clockSampling = false;
  private clockSampledAt = 0;
  private readonly forgetClock = () => this.serverClock?.reset();
  private closed = false;
  private readonly writes = new WriteCoalescer();
  /** The hot path's reads: one tick's `GET`s after its first go out as one `MGET`. */
  private readonly reads: ReadCoalescer<unknown>;
  private readonly stopHealthCheck: (() => void) | undefined;

  /** @internal use {@link createIoredisStore} */
  constructor(client: ClientLike, owned: boolean, options: IoredisStoreOptions) {
    this.client = client;
    this.owned = owned;
    this.cluster = isClusterClient(client);
    this.commandTimeoutMs = positiveInteger(
      'commandTimeoutMs',
      options.commandTimeoutMs,
      DEFAULT_COMMAND_TIMEOUT_MS,
    );
    this.tombstoneTtl = String(
      positiveInteger('tombstoneTtlMs', options.tombstoneTtlMs, DEFAULT_TOMBSTONE_TTL_MS),
    );
    this.scanCount = String(positiveInteger('scanCount', options.scanCount, DEFAULT_SCAN_COUNT));
    const clockKey = clockKeyOption(options.clockKey);
    this.clockKey = this.cluster ? undefined : clockKey;
    this.capabilities = { batchGet: true, namespaceVersions: this.clockKey !== undefined };
    defineScripts(client, [
      READ_SCRIPT,
      SET_SCRIPT,
      DELETE_SCRIPT,
      SET_PUBLISH_SCRIPT,
      DELETE_PUBLISH_SCRIPT,
      SET_MANY_SCRIPT,
      SET_MANY_PUBLISH_SCRIPT,
      DELETE_MANY_SCRIPT,
      DELETE_MANY_PUBLISH_SCRIPT,
      LOG_APPEND_SCRIPT,
      LOG_READ_SCRIPT,
    ]);
    this.readCommand = scriptCommand(client, READ_SCRIPT, true);
    this.setCommand = scriptCommand(client, SET_SCRIPT);
    this.deleteCommand = scriptCommand(client, DELETE_SCRIPT);
    this.setPublishCommand = scriptCommand(client, SET_PUBLISH_SCRIPT);
    this.deletePublishCommand = scriptCommand(client, DELETE_PUBLISH_SCRIPT);
    this.logAppendCommand = scriptCommand(client, LOG_APPEND_SCRIPT);
    this.logReadCommand = scriptCommand(client, LOG_READ_SCRIPT, true);
    this.getBuffer = (client.getBuffer as (key: string) => Promise<unknown>).bind(client);
    this.mgetBuffer = (client.mgetBuffer as (...keys: string[]) => Promise<unknown>).bind(client);
    this.reads = new ReadCoalescer(
      (key) => {
        this.writes.hold(this.client.stream);
        return this.getBuffer(key);
      },
      (keys) => {
        this.writes.hold(this.client.stream);
        return this.mgetBuffer(...keys);
      },
      READ_BATCH_SIZE,
    );
    if (!this.cluster) {
      // After a reconnect (or a Sentinel failover) the server may be another machine.
      this.serverClock = new ServerClock();
      client.on('close', this.forgetClock);
    }
    const healthCheckIntervalMs = healthCheckInterval(options.healthCheckIntervalMs);
    if (owned && !this.cluster && healthCheckIntervalMs > 0) {
      // A connection we made: a silently dead one is dropped and reconnected (calls waiting on it
      // fail; core has answered their callers already).
      this.stopHealthCheck = watchConnection(
        () => (this.closed || client.status !== 'ready' ? undefined : client),
        (connection) => connection.ping(),
        healthCheckIntervalMs,
        this.commandTimeoutMs,
        (connection) => connection.disconnect(true),
      );
    }
  }

  /**
   * True when a plain GET / MGET may serve reads: values with a TTL carry their absolute expiry,
   * and a fresh estimate of the server clock turns it into a remaining TTL. Otherwise reads use
   * the read script (value + PTTL) and a clock sample is taken in the background.
   */
  private plainReads(): boolean {
    const clock = this.serverClock;
    if (clock === undefined) return false;
    const state = clock.check();
    // A sample unanswered for longer than the command timeout no longer blocks a new one (the
    // connection may have no per-command timeout, see createIoredisCache).
    if (state !== 1 && (!this.clockSampling || Date.now() - this.clockSampledAt > this.commandTimeoutMs)) {
      this.clockSampling = true;
      this.clockSampledAt = Date.now();
      const sentAt = clock.start();
      (this.client.time as () => Promise<unknown>)
        .call(this.client)
        .then(
          (reply) => clock.record(sentAt, reply),
          () => undefined,
        )
        .finally(() => {
          this.clockSampling = false;
        });
    }
    return state !== 0;
  }

  get(key: string): Promise<StoreEntry | undefined> {
    // The hot path (connected, fresh clock sample): one GET and a synchronous parse, with no
    // async frame around it; everything else goes through getSlowly.
    if (!this.closed && this.client.status === 'ready' && this.plainReads()) {
      return this.reads.get(key).then(this.parsePlain, (error: unknown) => this.plainGetFailed(error, key));
    }
    return this.getSlowly(key);
  }

  private readonly parsePlain = (reply: unknown): StoreEntry | undefined =>
    parseValueReply(reply, this.serverClock!.latestServerNowMs());

  private plainGetFailed(error: unknown, key: string): undefined {
    // a key of another type under the prefix is not ours: it reads as absent
    if (error instanceof Error && error.message.startsWith('WRONGTYPE')) return undefined;
    throw toStoreError(error, { action: 'get', key, timeoutMs: this.commandTimeoutMs });
  }

  private async getSlowly(key: string): Promise<StoreEntry | undefined> {
    this.checkOpen('get');
    try {
      const wait = whenReady(this.client, this.commandTimeoutMs, 'get');
      if (wait !== undefined) await wait;
      if (this.plainReads()) {
        try {
          return this.parsePlain(await this.getBuffer(key));
        } catch (error) {
          return this.plainGetFailed(error, key);
        }
      }
      return parseReadReply(await this.readCommand(1, key), 0);
    } catch (error) {
      throw toStoreError(error, { action: 'get', key, timeoutMs: this.commandTimeoutMs });
    }
  }

  async getMany(keys: readonly string[]): Promise<Array<StoreEntry | undefined>> {
    this.checkOpen('getMany');
    const results = new Array<StoreEntry | undefined>(keys.length);
    if (keys.length === 0) return results;
    try {
      await whenReady(this.client, this.commandTimeoutMs, 'getMany');
      // On Cluster every script call must stay within one slot (no CROSSSLOT); elsewhere one
      // call per batch of keys.
      const groups: number[][] = this.cluster
        ? [...groupBySlot(keys).values()].flatMap((indexes) => chunk(indexes, READ_BATCH_SIZE))
        : chunk(
            keys.map((_, index) => index),
            READ_BATCH_SIZE,
          );
      const plain = this.plainReads();
      await Promise.all(
        groups.map(async (indexes) => {
          const batch = indexes.map((index) => keys[index]!);
          if (plain) {
            const values = (await this.mgetBuffer(...batch)) as unknown[];
            const serverNowMs = this.serverClock!.latestServerNowMs();
            for (let position = 0; position < indexes.length; position++) {
              results[indexes[position]!] = parseValueReply(values[position], serverNowMs);
            }
            return;
          }
          const reply = await this.readCommand(indexes.length, ...batch);
          for (let position = 0; position < indexes.length; position++) {
            results[indexes[position]!] = parseReadReply(reply, position);
          }
        }),
      );
      return results;
    } catch (error) {
      throw toStoreError(error, { action: 'getMany', timeoutMs: this.commandTimeoutMs });
    }
  }

  async set(key: string, payload: Uint8Array, options?: StoreSetOptions): Promise<number> {
    this.checkOpen('set');
    const ttl = ttlArgument(options?.ttlMs);
    return this.write('set', key, this.setCommand, [asBuffer(payload), ttl]);
  }

  /**
   * `set` plus publishing core's event for it in the same script (one round trip; the event
   * leaves if and only if the write happened, in write order). Core calls it when
   * {@link IoredisStore.publishesTo} its synchronizer.
   */
  async setAndPublish(
    key: string,
    payload: Uint8Array,
    options: StoreSetOptions | undefined,
    publication: StorePublication,
  ): Promise<number> {
    this.checkOpen('set');
    const ttl = ttlArgument(options?.ttlMs);
    return this.write(
      'set',
      key,
      this.setPublishCommand,
      setPublishArguments(asBuffer(payload), ttl, publication),
    );
  }

  /** `delete` plus publishing core's event for it in the same script (see `setAndPublish`). */
  async deleteAndPublish(key: string, publication: StorePublication): Promise<number> {
    this.checkOpen('delete');
    return this.write(
      'delete',
      key,
      this.deletePublishCommand,
      deletePublishArguments(this.tombstoneTtl, publication),
    );
  }

  /**
   * True when `synchronizer` is an ioredis synchronizer publishing with plain PUBLISH through this
   * store's own client (as {@link createIoredisCache} builds them), outside Cluster: then what this
   * store's scripts publish reaches its subscribers, in order with its own publishes.
   */
  publishesTo(synchronizer: Synchronizer): boolean {
    return (
      !this.cluster &&
      synchronizer instanceof IoredisSynchronizer &&
      synchronizer.client === this.client &&
      !synchronizer.sharded
    );
  }

  async delete(key: string): Promise<number> {
    this.checkOpen('delete');
    return this.write('delete', key, this.deleteCommand, [this.tombstoneTtl]);
  }

  /**
   * Every write as `set` would do it. Outside Cluster one `SET_MANY_SCRIPT` call per
   * {@link WRITE_BATCH_SIZE} keys (each key its own version, in batch order), written to the socket
   * together; on Cluster the per-key script in one pipeline per slot.
   */
  async setMany(writes: readonly StoreBatchWrite[]): Promise<StoreBatchResult[]> {
    this.checkOpen('setMany');
    const perKey = (index: number): readonly ScriptField[] => {
      const { payload, options } = writes[index]!;
      return [asBuffer(payload), ttlArgument(options?.ttlMs)];
    };
    return this.writeMany(SET_SCRIPT, SET_MANY_SCRIPT, 'set', writes, perKey, []);
  }

  /** {@link IoredisStore.setMany} where write `i` also publishes `publications[i]` (see `setAndPublish`). */
  async setAndPublishMany(
    writes: readonly StoreBatchWrite[],
    publications: readonly StorePublication[],
  ): Promise<StoreBatchResult[]> {
    this.checkOpen('setMany');
    const perKey = (index: number): readonly ScriptField[] => {
      const { payload, options } = writes[index]!;
      return setPublishArguments(asBuffer(payload), ttlArgument(options?.ttlMs), publications[index]!);
    };
    return this.writeMany(SET_PUBLISH_SCRIPT, SET_MANY_PUBLISH_SCRIPT, 'set', writes, perKey, []);
  }

  /** Every delete as `delete` would do it, batched as {@link IoredisStore.setMany}. */
  async deleteMany(keys: readonly string[]): Promise<StoreBatchResult[]> {
    this.checkOpen('deleteMany');
    const tombstone = [this.tombstoneTtl];
    return this.cluster
      ? this.writeMany(DELETE_SCRIPT, DELETE_MANY_SCRIPT, 'delete', keys, () => tombstone, [])
      : this.writeMany(DELETE_SCRIPT, DELETE_MANY_SCRIPT, 'delete', keys, () => [], tombstone);
  }

  /** {@link IoredisStore.deleteMany} where delete `i` also publishes `publications[i]`. */
  async deleteAndPublishMany(
    keys: readonly string[],
    publications: readonly StorePublication[],
  ): Promise<StoreBatchResult[]> {
    this.checkOpen('deleteMany');
    const perKey = (index: number): readonly ScriptField[] => {
      const args = deletePublishArguments(this.tombstoneTtl, publications[index]!);
      return this.cluster ? args : args.slice(1);
    };
    return this.writeMany(DELETE_PUBLISH_SCRIPT, DELETE_MANY_PUBLISH_SCRIPT, 'delete', keys, perKey, [
      this.tombstoneTtl,
    ]);
  }

  /**
   * Writes every key of `batch` once the client is ready and reports each outcome in order: on
   * Cluster `single` per key (ARGV `perKey(i)`) in one pipeline per slot; otherwise `many` per
   * chunk of {@link WRITE_BATCH_SIZE} keys (KEYS: the chunk, then the clock key; ARGV: the count,
   * `shared`, then every key's `perKey(i)` packed into one argument, see `packBatches`; a chunk also
   * ends before its packed arguments pass `PACKED_BATCH_BYTES`).
   */
  private async writeMany(
    single: RedisScript,
    many: RedisScript,
    action: 'set' | 'delete',
    batch: ReadonlyArray<string | StoreBatchWrite>,
    perKey: (index: number) => readonly ScriptField[],
    shared: readonly unknown[],
  ): Promise<StoreBatchResult[]> {
    const keys = batch.map((item) => (typeof item === 'string' ? item : item.key));
    try {
      const wait = whenReady(this.client, this.commandTimeoutMs, action);
      if (wait !== undefined) await wait;
    } catch (error) {
      throw toStoreError(error, { action: `${action}Many`, timeoutMs: this.commandTimeoutMs });
    }
    const clockKey = this.clockKey;
    if (this.cluster) {
      return pipelineWrites(
        this.client,
        true,
        single,
        action,
        keys,
        (index) => [keys[index]!],
        perKey,
        this.commandTimeoutMs,
      );
    }
    const command = scriptCommand(this.client, many);
    const calls: Array<Promise<StoreBatchResult[]>> = [];
    this.writes.hold(this.client.stream);
    for (const { start, end, args } of packBatches(keys.length, shared, perKey)) {
      const chunkKeys = keys.slice(start, end);
      const scriptKeys = clockKey === undefined ? chunkKeys : [...chunkKeys, clockKey];
      let reply: Promise<unknown>;
      try {
        reply = command(scriptKeys.length, ...scriptKeys, ...args);
      } catch (error) {
        reply = Promise.reject(error);
      }
      calls.push(
        reply.then(
          (value) => batchScriptResults(undefined, value, action, chunkKeys, this.commandTimeoutMs),
          (error: unknown) => batchScriptResults(error, undefined, action, chunkKeys, this.commandTimeoutMs),
        ),
      );
    }
    const chunks = await Promise.all(calls);
    return chunks.length === 1 ? chunks[0]! : chunks.flat();
  }

  /**
   * Runs one of the write scripts on `key` (plus the clock key outside Cluster) once the client is
   * ready, and returns the version it assigned.
   */
  private async write(
    action: 'set' | 'delete',
    key: string,
    command: (...args: unknown[]) => Promise<unknown>,
    args: readonly unknown[],
  ): Promise<number> {
    try {
      const wait = whenReady(this.client, this.commandTimeoutMs, action);
      if (wait !== undefined) await wait;
      this.writes.hold(this.client.stream);
      const reply =
        this.clockKey === undefined
          ? await command(1, key, ...args)
          : await command(2, key, this.clockKey, ...args);
      return parseVersion(reply, action, key);
    } catch (error) {
      throw toStoreError(error, { action, key, timeoutMs: this.commandTimeoutMs });
    }
  }

  /** Core's close log (see `Store.appendLog`): one script on the log key's node. */
  async appendLog(key: string, entry: Uint8Array, keep: number, id: string): Promise<number> {
    this.checkOpen('appendLog');
    try {
      await whenReady(this.client, this.commandTimeoutMs, 'appendLog');
      return parseVersion(
        await this.logAppendCommand(key, asBuffer(entry), String(keep), id),
        'appendLog',
        key,
      );
    } catch (error) {
      throw toStoreError(error, { action: 'appendLog', key, timeoutMs: this.commandTimeoutMs });
    }
  }

  /** Core's close log (see `Store.readLog`): one script, entries as Buffers. */
  async readLog(key: string, after: number, max: number): Promise<StoreLogRead> {
    this.checkOpen('readLog');
    try {
      await whenReady(this.client, this.commandTimeoutMs, 'readLog');
      return parseLogRead(await this.logReadCommand(key, String(after), String(max)));
    } catch (error) {
      throw toStoreError(error, { action: 'readLog', key, timeoutMs: this.commandTimeoutMs });
    }
  }

  /**
   * Replaces every key starting with `prefix` by a tombstone: SCAN MATCH (prefix escaped) steps
   * in a Lua script on every master, never FLUSHDB or KEYS. O(keys in the database) per master.
   */
  async clear(prefix: string): Promise<number> {
    this.checkOpen('clear');
    try {
      const pattern = scanPattern(prefix);
      const keys = this.clockKey === undefined ? [] : [this.clockKey];
      const highs = await this.onEveryMaster('clear', (node) =>
        this.scanLoop(node, CLEAR_SCRIPT, keys, pattern, [this.tombstoneTtl], 'clear', Math.max),
      );
      return parseVersion(Math.max(...highs), 'clear');
    } catch (error) {
      throw toStoreError(error, { action: 'clear', timeoutMs: this.commandTimeoutMs });
    }
  }

  /** Counts live values starting with `prefix` (not tombstones). O(keys in the database) per master. */
  async size(prefix: string): Promise<number> {
    this.checkOpen('size');
    try {
      const pattern = scanPattern(prefix);
      const counts = await this.onEveryMaster('size', (node) =>
        this.scanLoop(node, SIZE_SCRIPT, [], pattern, [], 'size', (a, b) => a + b),
      );
      return counts.reduce((sum, count) => sum + count, 0);
    } catch (error) {
      throw toStoreError(error, { action: 'size', timeoutMs: this.commandTimeoutMs });
    }
  }

  /**
   * The highest version assigned so far: `GET` of the clock key (exact), or — on Cluster or
   * without a clock — the highest server `TIME` (µs) over all masters.
   */
  async currentVersion(): Promise<number> {
    this.checkOpen('currentVersion');
    try {
      if (this.clockKey !== undefined) {
        await whenReady(this.client, this.commandTimeoutMs, 'currentVersion');
        const [clock, time] = await Promise.all([
          (this.client.get as (key: string) => Promise<unknown>).call(this.client, this.clockKey),
          (this.client.time as () => Promise<unknown>).call(this.client),
        ]);
        const value = clock === null ? Number.NaN : toNumber(clock);
        if (Number.isSafeInteger(value) && value > 0) return value;
        return parseVersion(parseTime(time), 'currentVersion');
      }
      const times = await this.onEveryMaster('currentVersion', async (node) =>
        parseTime(await (node.time as () => Promise<unknown>).call(node)),
      );
      return parseVersion(Math.max(...times), 'currentVersion');
    } catch (error) {
      throw toStoreError(error, { action: 'currentVersion', timeoutMs: this.commandTimeoutMs });
    }
  }

  /** Closes the connection when the store created it; a client you passed stays open. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.client.off('close', this.forgetClock);
    this.stopHealthCheck?.();
    if (this.owned) await closeOwned(this.client, this.commandTimeoutMs);
  }

  private checkOpen(action: string): void {
    if (this.closed) throw new CacheClosedError({ action });
  }

  private async onEveryMaster<T>(action: string, run: (node: ClientLike) => Promise<T>): Promise<T[]> {
    await whenReady(this.client, this.commandTimeoutMs, action);
    const nodes = this.cluster ? this.client.nodes!('master') : [this.client];
    if (nodes.length === 0) throw new Error('no master node is known');
    return Promise.all(nodes.map(run));
  }

  private async scanLoop(
    node: ClientLike,
    script: typeof CLEAR_SCRIPT,
    keys: readonly string[],
    pattern: string,
    extra: readonly string[],
    action: string,
    combine: (a: number, b: number) => number,
  ): Promise<number> {
    let cursor = '0';
    let total: number | undefined;
    do {
      if (this.closed) throw new CacheClosedError({ action });
      const step = parseScanStep(
        await evalOnNode(node, script, keys, [cursor, pattern, this.scanCount, ...extra]),
        action,
      );
      total = total === undefined ? step.value : combine(total, step.value);
      cursor = step.cursor;
    } while (cursor !== '0');
    return total ?? 0;
  }
}

/** @internal Every option of {@link createIoredisStore}. */
export const STORE_OPTION_NAMES: OptionNames<IoredisStoreOptions> = {
  commandTimeoutMs: true,
  tombstoneTtlMs: true,
  scanCount: true,
  clockKey: true,
  healthCheckIntervalMs: true,
};

/**
 * Creates a Redis store over ioredis.
 *
 * @param connection - a `Redis` / `Cluster` you created (never closed by the store), a URL, ioredis
 *   `RedisOptions` (standalone or Sentinel), or `{ cluster: nodes, clusterOptions }`.
 * @throws InvalidConfigError for an invalid option, or when `ioredis` is not installed.
 * @example
 * const store = createIoredisStore('redis://127.0.0.1:6379');
 * const cache = await createCache({ store, synchronizer: createIoredisSynchronizer(store.client) });
 */
export function createIoredisStore(
  connection: IoredisConnection,
  options: IoredisStoreOptions = {},
): IoredisStore {
  rejectUnknownOptions(options, STORE_OPTION_NAMES);
  const commandTimeoutMs = positiveInteger(
    'commandTimeoutMs',
    options.commandTimeoutMs,
    DEFAULT_COMMAND_TIMEOUT_MS,
  );
  const { client, owned } = openConnection(connection, commandTimeoutMs);
  try {
    return new IoredisStore(client, owned, options);
  } catch (error) {
    if (owned) client.disconnect();
    throw error;
  }
}

/** @internal creates a store that owns an injected client (used by `createIoredisCache`). */
export function createOwningStore(client: ClientLike, options: IoredisStoreOptions): IoredisStore {
  return new IoredisStore(client, true, options);
}
