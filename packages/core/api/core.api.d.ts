// Action
export type Action = 'set' | 'invalidate' | 'delete' | 'clear';

// Actions
export declare const Actions: {
    readonly Set: "set";
    readonly Invalidate: "invalidate";
    readonly Delete: "delete";
    readonly Clear: "clear";
};

// BATCH_ACTION_CODE
export declare const BATCH_ACTION_CODE = 7;

// BatchError
export declare class BatchError extends SyncedCacheError {
    readonly failures: ReadonlyMap<string, unknown>;
    readonly total: number;
    constructor(action: string, failures: ReadonlyMap<string, unknown>, total: number);
    static isInstance(error: unknown): error is BatchError;
}

// BatchLoader
export type BatchLoader<V> = (keys: string[]) => ReadonlyMap<string, V | undefined> | ReadonlyArray<V | undefined> | Promise<ReadonlyMap<string, V | undefined> | ReadonlyArray<V | undefined>>;

// Cache
export interface Cache<V = unknown> {
    get(key: string, options?: CallOptions): Promise<V | undefined>;
    peek(key: string): V | undefined;
    set(key: string, value: V, options?: SetOptions): Promise<void>;
    setWithInvalidate(key: string, value: V, options?: SetOptions): Promise<void>;
    delete(key: string, options?: CallOptions): Promise<void>;
    clear(options?: CallOptions): Promise<void>;
    getOrSet(key: string, loader: (key: string) => V | Promise<V>, options?: GetOrSetOptions): Promise<V>;
    getOrSetMany(keys: readonly string[], loader: BatchLoader<V>, options?: GetOrSetOptions): Promise<Array<V | undefined>>;
    setMany(entries: Iterable<readonly [
        string,
        V
    ]>, options?: SetOptions): Promise<void>;
    deleteMany(keys: readonly string[], options?: CallOptions): Promise<void>;
    stats(): Stats;
    close(): Promise<void>;
}

// CACHE_OPTION_NAMES
export declare const CACHE_OPTION_NAMES: OptionNames<SyncedCacheOptions>;

// CacheClosedError
export declare class CacheClosedError extends SyncedCacheError {
    constructor(context?: ErrorContext);
    static isInstance(error: unknown): error is CacheClosedError;
}

// CacheEventMap
export interface CacheEventMap {
    error: [
        error: SyncedCacheError,
        info: ErrorInfo
    ];
    status: [
        status: SynchronizerStatus
    ];
    event: [
        event: InvalidationEvent,
        applied: boolean
    ];
    resync: [
        reason: 'gap' | 'resubscribed' | 'clear' | 'store-reset'
    ];
    dropped: [
        reason: string
    ];
    circuit: [
        state: 'closed' | 'open' | 'half-open'
    ];
}

// CallOptions
export interface CallOptions {
    signal?: AbortSignal | undefined;
}

// checkDecodeInput
export declare function checkDecodeInput(bytes: unknown, maxBytes: number, format: string): asserts bytes is Uint8Array;

// checkMaxBytes
export declare function checkMaxBytes(length: number, maxBytes: number, action: 'encode' | 'decode', format: string): void;

// CircuitOpenError
export declare class CircuitOpenError extends StoreError {
    readonly retryAt: number;
    constructor(retryAt: number, context?: ErrorContext);
    static isInstance(error: unknown): error is CircuitOpenError;
}

// ClassCodec
export interface ClassCodec<T extends object = object, P = unknown> {
    readonly name: string;
    readonly type: abstract new (...args: never[]) => T;
    encode(value: T): P;
    decode(plain: P): T;
}

// CodecOptions
export interface CodecOptions {
    maxKeyBytes?: number;
    maxValueBytes?: number;
    secret?: Uint8Array | undefined;
    signedContext?: Uint8Array | undefined;
}

// completePublication
export declare function completePublication(publication: StorePublication, version: number, payload?: Uint8Array): Uint8Array;

// consoleLogger
export declare const consoleLogger: Logger;

// CONTRACT_VERSION
export declare const CONTRACT_VERSION: 1;

// createCache
export declare function createCache<V = unknown>(options?: SyncedCacheOptions<V>): Promise<SyncedCache<V>>;

// createConsoleLogger
export declare function createConsoleLogger(prefix?: string): Logger;

// decodeEvent
export declare function decodeEvent(message: unknown, options?: CodecOptions): WireEvent;

// DEFAULT_MAX_BYTES
export declare const DEFAULT_MAX_BYTES = 67108864;

// DEFAULT_MAX_DEPTH
export declare const DEFAULT_MAX_DEPTH = 512;

// DEFAULT_MAX_LENGTH
export declare const DEFAULT_MAX_LENGTH = 1048576;

// depthFailure
export declare function depthFailure(max: number, container: object): WalkFailure;

// encodeBatch
export declare function encodeBatch(envelopes: readonly Uint8Array[]): Uint8Array;

// encodeEvent
export declare function encodeEvent(event: WireEvent, options?: CodecOptions, omitValue?: boolean): Uint8Array;

// ErrorContext
export interface ErrorContext {
    key?: string | undefined;
    action?: string | undefined;
    cause?: unknown;
}

// ErrorInfo
export interface ErrorInfo {
    operation: string;
    key?: string | undefined;
}

// EVENT_FORMAT_VERSION
export declare const EVENT_FORMAT_VERSION = 1;

// EVENT_MAGIC
export declare const EVENT_MAGIC = 202;

// EventDecodeError
export declare class EventDecodeError extends SyncedCacheError {
    readonly reason: string;
    constructor(reason: string, detail: string);
}

// GetOrSetOptions
export interface GetOrSetOptions extends SetOptions {
    invalidate?: boolean;
}

// InvalidationEvent
export interface InvalidationEvent {
    readonly action: Action;
    readonly key: string;
    readonly podId: string;
    readonly epoch: number;
    readonly seq: number;
    readonly version: number;
    readonly ttlMs?: number | undefined;
    readonly value?: Uint8Array | undefined;
}

// InvalidConfigError
export declare class InvalidConfigError extends SyncedCacheError {
    readonly option: string;
    readonly value: unknown;
    constructor(option: string, value: unknown, expected: string, context?: ErrorContext);
    static isInstance(error: unknown): error is InvalidConfigError;
}

// isBatchFrame
export declare function isBatchFrame(message: Uint8Array): boolean;

// jsonMarshaller
export declare const jsonMarshaller: Marshaller<unknown>;

// keySegment
export declare function keySegment(key: string): string;

// LimitExceededError
export declare class LimitExceededError extends SyncedCacheError {
    readonly limit: string;
    readonly max: number;
    readonly actual: number;
    constructor(limit: string, max: number, actual: number, context?: ErrorContext);
    static isInstance(error: unknown): error is LimitExceededError;
}

// limitFailure
export declare function limitFailure(limit: 'maxDepth' | 'maxLength' | 'maxBytes', max: number, actual: number): WalkFailure;

// LocalCache
export interface LocalCache<E = unknown> {
    readonly contractVersion?: number;
    get(key: string): E | undefined;
    has?(key: string): boolean;
    set(key: string, entry: E, options?: LocalCacheSetOptions): boolean;
    delete(key: string): boolean;
    clear(): void;
    readonly size: number;
    metrics(): LocalCacheMetrics;
    close(): void;
}

// LocalCacheConfig
export interface LocalCacheConfig {
    maxSize?: number;
    numCounters?: number;
    maxCost?: number;
    bufferItems?: number;
    ignoreInternalCost?: boolean;
}

// LocalCacheFactory
export type LocalCacheFactory<E = unknown> = (() => LocalCache<E>) | {
    create(): LocalCache<E>;
};

// LocalCacheMetrics
export interface LocalCacheMetrics {
    hits: number;
    misses: number;
    sets: number;
    evictions: number;
    rejections: number;
    size: number;
    cost: number;
}

// LocalCacheSetOptions
export interface LocalCacheSetOptions {
    cost?: number;
    ttlMs?: number;
}

// LocalEntry
export type LocalEntry<V = unknown> = V;

// LogFields
export type LogFields = Record<string, unknown>;

// Logger
export interface Logger {
    debug(message: string, fields?: LogFields): void;
    info(message: string, fields?: LogFields): void;
    warn(message: string, fields?: LogFields): void;
    error(message: string, fields?: LogFields): void;
}

// mapValueSegment
export declare function mapValueSegment(key: unknown, index: number): string;

// Marshaller
export interface Marshaller<V = unknown> {
    readonly contractVersion?: number;
    readonly name?: string;
    encode(value: V): Uint8Array;
    decode(bytes: Uint8Array): V;
}

// MarshallerBaseOptions
export interface MarshallerBaseOptions {
    classes?: readonly ClassCodec[];
    maxDepth?: number;
    maxLength?: number;
    maxBytes?: number;
}

// MAX_BATCH_EVENTS
export declare const MAX_BATCH_EVENTS = 65536;

// MemoryBus
export declare class MemoryBus {
    publish(channel: string, message: Uint8Array): void;
    add(subscriber: Subscriber): void;
    remove(subscriber: Subscriber): void;
}

// MemoryStore
export declare class MemoryStore implements Store {
    readonly contractVersion: 1;
    readonly capabilities: StoreCapabilities;
    constructor(options?: MemoryStoreOptions);
    get(key: string): Promise<StoreEntry | undefined>;
    getMany(keys: readonly string[]): Promise<Array<StoreEntry | undefined>>;
    set(key: string, payload: Uint8Array, options?: StoreSetOptions): Promise<number>;
    delete(key: string): Promise<number>;
    setMany(writes: readonly StoreBatchWrite[]): Promise<StoreBatchResult[]>;
    deleteMany(keys: readonly string[]): Promise<StoreBatchResult[]>;
    clear(prefix: string): Promise<number>;
    size(prefix: string): Promise<number>;
    appendLog(key: string, entry: Uint8Array, keep: number, id: string): Promise<number>;
    readLog(key: string, after: number, max: number): Promise<StoreLogRead>;
    currentVersion(): Promise<number>;
    close(): Promise<void>;
}

// MemoryStoreOptions
export interface MemoryStoreOptions {
    now?: () => number;
}

// MemorySynchronizer
export declare class MemorySynchronizer implements Synchronizer {
    readonly contractVersion: 1;
    readonly capabilities: SynchronizerCapabilities;
    readonly bus: MemoryBus;
    connected: boolean;
    constructor(options?: MemorySynchronizerOptions);
    publish(channel: string, message: Uint8Array): Promise<void>;
    subscribe(channel: string, onMessage: MessageHandler, onStatus: StatusHandler): Promise<Subscription>;
    disconnect(): void;
    reconnect(): void;
    close(): Promise<void>;
}

// MemorySynchronizerOptions
export interface MemorySynchronizerOptions {
    bus?: MemoryBus;
}

// MessageHandler
export type MessageHandler = (message: Uint8Array) => void;

// noopLogger
export declare const noopLogger: Logger;

// OptionNames
export type OptionNames<T> = {
    readonly [K in keyof Required<T>]: true;
};

// rejectUnknownOptions
export declare function rejectUnknownOptions<T extends object>(options: T, known: OptionNames<T>, prefix?: string): void;

// ResolvedMarshallerOptions
export interface ResolvedMarshallerOptions {
    readonly maxDepth: number;
    readonly maxLength: number;
    readonly maxBytes: number;
    readonly classesByPrototype: ReadonlyMap<object, ClassCodec>;
    readonly classesByName: ReadonlyMap<string, ClassCodec>;
}

// resolveMarshallerOptions
export declare function resolveMarshallerOptions(options: MarshallerBaseOptions | undefined): ResolvedMarshallerOptions;

// rethrowWithSegment
export declare function rethrowWithSegment(error: unknown, segment: string, container: object): never;

// Role
export type Role = 'writer' | 'reader';

// SerializationError
export declare class SerializationError extends SyncedCacheError {
    readonly path: string | undefined;
    constructor(message: string, context?: ErrorContext & {
        path?: string | undefined;
    });
    static isInstance(error: unknown): error is SerializationError;
}

// SetOptions
export interface SetOptions extends CallOptions {
    ttlMs?: number;
    localTtlMs?: number;
    cost?: number;
}

// SieveCache
export declare class SieveCache<E = unknown> implements LocalCache<E> {
    readonly contractVersion: 1;
    constructor(options?: SieveCacheOptions);
    get(key: string): E | undefined;
    has(key: string): boolean;
    set(key: string, entry: E, options?: LocalCacheSetOptions): boolean;
    delete(key: string): boolean;
    clear(): void;
    get size(): number;
    metrics(): LocalCacheMetrics;
    close(): void;
}

// SieveCacheOptions
export interface SieveCacheOptions {
    maxSize?: number;
    maxCost?: number;
}

// splitBatch
export declare function splitBatch(message: Uint8Array): Uint8Array[];

// Stats
export interface Stats {
    localHits: number;
    localMisses: number;
    remoteHits: number;
    remoteMisses: number;
    localSize: number;
    remoteSize: number;
    invalidations: number;
    eventsApplied: number;
    eventsStale: number;
    readErrors: number;
    eventsDropped: number;
    resyncs: number;
    publishRetries: number;
    publishFailures: number;
    circuitOpens: number;
    storeCircuit: 'closed' | 'open' | 'half-open';
}

// StatusHandler
export type StatusHandler = (status: SynchronizerStatus, error?: unknown) => void;

// Store
export interface Store {
    readonly contractVersion?: number;
    readonly capabilities?: StoreCapabilities;
    get(key: string): Promise<StoreEntry | undefined>;
    getMany(keys: readonly string[]): Promise<Array<StoreEntry | undefined>>;
    set(key: string, payload: Uint8Array, options?: StoreSetOptions): Promise<number>;
    delete(key: string): Promise<number>;
    clear(prefix: string): Promise<number>;
    size(prefix: string): Promise<number>;
    currentVersion?(): Promise<number>;
    setAndPublish?(key: string, payload: Uint8Array, options: StoreSetOptions | undefined, publication: StorePublication): Promise<number>;
    deleteAndPublish?(key: string, publication: StorePublication): Promise<number>;
    setMany?(writes: readonly StoreBatchWrite[]): Promise<StoreBatchResult[]>;
    deleteMany?(keys: readonly string[]): Promise<StoreBatchResult[]>;
    setAndPublishMany?(writes: readonly StoreBatchWrite[], publications: readonly StorePublication[]): Promise<StoreBatchResult[]>;
    deleteAndPublishMany?(keys: readonly string[], publications: readonly StorePublication[]): Promise<StoreBatchResult[]>;
    appendLog?(key: string, entry: Uint8Array, keep: number, id: string): Promise<number>;
    readLog?(key: string, after: number, max: number): Promise<StoreLogRead>;
    publishesTo?(synchronizer: Synchronizer): boolean;
    close(): Promise<void>;
}

// StoreBatchResult
export type StoreBatchResult = PromiseSettledResult<number>;

// StoreBatchWrite
export interface StoreBatchWrite {
    readonly key: string;
    readonly payload: Uint8Array;
    readonly options?: StoreSetOptions | undefined;
}

// StoreCapabilities
export interface StoreCapabilities {
    readonly batchGet?: boolean;
    readonly namespaceVersions?: boolean;
}

// StoreEntry
export interface StoreEntry {
    payload: Uint8Array;
    version: number;
    ttlMs?: number | undefined;
}

// StoreError
export declare class StoreError extends SyncedCacheError {
    constructor(message: string, context?: ErrorContext, code?: 'ERR_STORE' | 'ERR_CIRCUIT_OPEN');
    static isInstance(error: unknown): error is StoreError;
}

// StoreLogRead
export interface StoreLogRead {
    readonly id: string | undefined;
    readonly last: number;
    readonly entries: readonly Uint8Array[];
}

// StorePublication
export interface StorePublication {
    readonly channel: string;
    readonly head: Uint8Array;
    readonly appendPayload: boolean;
}

// StoreSetOptions
export interface StoreSetOptions {
    ttlMs?: number | undefined;
}

// Subscription
export interface Subscription {
    unsubscribe(): Promise<void>;
}

// SyncedCache
export declare class SyncedCache<V = unknown> implements Cache<V>, AsyncDisposable {
    readonly podId: string;
    readonly namespace: string;
    readonly ready: Promise<void>;
    constructor(options?: SyncedCacheOptions<V>);
    get(key: string, options?: CallOptions): Promise<V | undefined>;
    peek(key: string): V | undefined;
    getMany(keys: readonly string[], options?: CallOptions): Promise<Array<V | undefined>>;
    getOrSet(key: string, loader: (key: string) => V | Promise<V>, options?: GetOrSetOptions): Promise<V>;
    getOrSetMany(keys: readonly string[], loader: BatchLoader<V>, options?: GetOrSetOptions): Promise<Array<V | undefined>>;
    setMany(entries: Iterable<readonly [
        string,
        V
    ]>, options?: SetOptions): Promise<void>;
    deleteMany(keys: readonly string[], options?: CallOptions): Promise<void>;
    set(key: string, value: V, options?: SetOptions): Promise<void>;
    setWithInvalidate(key: string, value: V, options?: SetOptions): Promise<void>;
    delete(key: string, options?: CallOptions): Promise<void>;
    clear(options?: CallOptions): Promise<void>;
    stats(): Stats;
    fetchStats(): Promise<Stats>;
    get connectionStatus(): SynchronizerStatus;
    on<K extends keyof CacheEventMap>(name: K, listener: Listener<K>): () => void;
    close(): Promise<void>;
    [Symbol.asyncDispose](): Promise<void>;
}

// SyncedCacheError
export declare class SyncedCacheError extends Error {
    readonly code: SyncedCacheErrorCode;
    readonly key: string | undefined;
    readonly action: string | undefined;
    constructor(message: string, code?: SyncedCacheErrorCode, context?: ErrorContext);
    static isInstance(error: unknown): error is SyncedCacheError;
    protected static hasCode(error: unknown, code: SyncedCacheErrorCode): boolean;
}

// SyncedCacheErrorCode
export type SyncedCacheErrorCode = 'ERR_SYNCED_CACHE' | 'ERR_CACHE_CLOSED' | 'ERR_INVALID_CONFIG' | 'ERR_SERIALIZATION' | 'ERR_STORE' | 'ERR_TIMEOUT' | 'ERR_SYNCHRONIZER' | 'ERR_CIRCUIT_OPEN' | 'ERR_LIMIT' | 'ERR_BATCH';

// SyncedCacheOptions
export interface SyncedCacheOptions<V = unknown> {
    podId?: string;
    namespace?: string;
    store?: Store;
    synchronizer?: Synchronizer;
    channel?: string;
    localCache?: LocalCache<NoInfer<V>> | LocalCacheFactory<NoInfer<V>>;
    localCacheConfig?: LocalCacheConfig;
    serializationFormat?: 'json' | 'msgpack';
    marshaller?: Marshaller<V>;
    logger?: Logger;
    debug?: boolean;
    timeoutMs?: number;
    enableMetrics?: boolean;
    onError?: (error: SyncedCacheError, info: ErrorInfo) => void;
    role?: Role;
    readerCanSetToStore?: boolean;
    readerCanSetToRedis?: boolean;
    onSetLocalCache?: (event: InvalidationEvent, decode: (bytes: Uint8Array) => V) => V | undefined;
    ttlMs?: number;
    localTtlMs?: number;
    maxKeyBytes?: number;
    maxValueBytes?: number;
    maxEventValueBytes?: number;
    secret?: string | Uint8Array;
    heartbeatMs?: number;
    maxTrackedKeys?: number;
    maxPendingPublishes?: number;
}

// Synchronizer
export interface Synchronizer {
    readonly contractVersion?: number;
    readonly capabilities?: SynchronizerCapabilities;
    publish(channel: string, message: Uint8Array): Promise<void>;
    subscribe(channel: string, onMessage: MessageHandler, onStatus: StatusHandler): Promise<Subscription>;
    close(): Promise<void>;
}

// SynchronizerCapabilities
export interface SynchronizerCapabilities {
    readonly ordered?: boolean;
    readonly replay?: boolean;
}

// SynchronizerError
export declare class SynchronizerError extends SyncedCacheError {
    constructor(message: string, context?: ErrorContext);
    static isInstance(error: unknown): error is SynchronizerError;
}

// SynchronizerStatus
export type SynchronizerStatus = 'up' | 'down' | 'resubscribed';

// TimeoutError
export declare class TimeoutError extends SyncedCacheError {
    readonly timeoutMs: number;
    constructor(timeoutMs: number, context?: ErrorContext);
    static isInstance(error: unknown): error is TimeoutError;
}

// toSerializationError
export declare function toSerializationError(error: unknown, action: 'encode' | 'decode', format: string): SerializationError;

// VERSION
export declare const VERSION: string;

// WalkFailure
export declare class WalkFailure {
    readonly message: string;
    readonly cause?: unknown | undefined;
    readonly isDepth: boolean;
    readonly segments: string[];
    readonly containers: object[];
    constructor(message: string, cause?: unknown | undefined, isDepth?: boolean);
}

// WireAction
export type WireAction = Action | 'heartbeat' | 'leave';

// WireEvent
export interface WireEvent {
    action: WireAction;
    key: string;
    podId: string;
    epoch: number;
    seq: number;
    version: number;
    ttlMs: number;
    value?: Uint8Array | undefined;
}
