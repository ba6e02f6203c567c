import type { ConnectionOptions, NatsConnection } from '@nats-io/transport-node';
import { InvalidConfigError } from '@synced-cache/core';

/** Replay settings of {@link NatsSynchronizerOptions.replay}. */
export interface NatsReplayOptions {
  /**
   * Name of the JetStream stream that keeps the events (created when missing, with the subjects
   * `<subjectPrefix>.>`; an existing stream is used as it is and must capture those subjects).
   * @default the subject prefix with every `.` replaced by `_` (`'synced-cache'`)
   */
  stream?: string;
  /** How long the stream keeps an event, in ms (`max_age`). @default 600000 (10 minutes) */
  maxAgeMs?: number;
  /** How many events the stream keeps at most, over all namespaces (`max_msgs`). @default 100000 */
  maxMessages?: number;
  /**
   * Copies of the stream a JetStream cluster keeps (`num_replicas`, 1–5), used when the stream is
   * created. With 3 on a 3-node cluster the stream (and so replay) survives the loss of one node;
   * with 1 it lives on one node, and pods flush instead of replaying while that node is gone.
   * @default 1
   */
  replicas?: number;
  /**
   * How long a lost connection may stay lost while the pod keeps serving its local tier, in ms:
   * a reconnect within it replays what was missed and nothing is flushed; beyond it the pod reports
   * `down` (stops serving its local tier) and, once back, replays and resyncs. This is the
   * staleness bound of replay mode.
   * @default 2000
   */
  graceMs?: number;
}

/** Options of {@link createNatsSynchronizer}. */
export interface NatsSynchronizerOptions {
  /**
   * A connected `NatsConnection` you made (`connect()` from `@nats-io/transport-node`, or any
   * nats.js 3 transport). It is **never closed** by us; it must not use `noEcho` (pods expect
   * their own events back). Exclusive with `servers`.
   */
  connection?: NatsConnection;
  /**
   * Server URL(s) for a connection we create, own and drain on close, e.g.
   * `'nats://127.0.0.1:4222'` or a list (cluster seeds). Exclusive with `connection`.
   */
  servers?: string | string[];
  /** Token authentication (owned connection). */
  token?: string;
  /** User name (with `pass`) for an owned connection. */
  user?: string;
  /** Password (with `user`) for an owned connection. */
  pass?: string;
  /** NKey seed (`SU…`) for an owned connection. */
  nkeySeed?: string;
  /** Path of a `.creds` file (JWT + NKey seed) for an owned connection. */
  credsFile?: string;
  /** TLS options of an owned connection, passed to nats.js unchanged. */
  tls?: ConnectionOptions['tls'];
  /** Client name shown by the server's monitoring (owned connection). @default 'synced-cache' */
  name?: string;
  /**
   * Any other nats.js `ConnectionOptions` of an owned connection; they override the adapter's
   * defaults (`reconnectTimeWait: 250`, `maxReconnectAttempts: -1`, `timeout: 2000`).
   */
  connectOptions?: Partial<ConnectionOptions>;
  /**
   * First token(s) of every subject: core's channel `<channel>:<namespace>` is published on
   * `<subjectPrefix>.<escaped channel>` (one token: `.`, `*`, `>`, `%`, whitespace and non-ASCII
   * are percent-escaped).
   * @default 'synced-cache'
   */
  subjectPrefix?: string;
  /**
   * How often the connection is PINGed (a `flush()` round trip), in ms; no answer within
   * `healthCheckTimeoutMs` reports `down` (a frozen server or a half-open link), and an owned
   * connection is reconnected. `0` disables the check. nats.js' own PINGs come every 2 minutes.
   * @default 5000
   */
  healthCheckIntervalMs?: number;
  /** How long a health-check PING, the confirmation of a subscription and a drain may take, in ms. @default 1000 */
  healthCheckTimeoutMs?: number;
  /**
   * Replay missed events from a JetStream stream after a reconnect instead of flushing
   * (needs `@nats-io/jetstream` and a JetStream-enabled server). `true` for the defaults.
   * @default false
   */
  replay?: boolean | NatsReplayOptions;
}

/** @internal Validated settings. */
export interface NatsSettings {
  readonly subjectPrefix: string;
  readonly healthCheckIntervalMs: number;
  readonly healthCheckTimeoutMs: number;
  readonly replay: Required<NatsReplayOptions> | undefined;
}

/** Options that configure a connection we create; rejected next to `connection`. */
const OWNED_ONLY = [
  'servers',
  'token',
  'user',
  'pass',
  'nkeySeed',
  'credsFile',
  'tls',
  'name',
  'connectOptions',
] as const;
const KNOWN = new Set<string>([
  ...OWNED_ONLY,
  'connection',
  'subjectPrefix',
  'healthCheckIntervalMs',
  'healthCheckTimeoutMs',
  'replay',
]);
const REPLAY_KNOWN = new Set<string>(['stream', 'maxAgeMs', 'maxMessages', 'replicas', 'graceMs']);

/** Subject tokens: no whitespace, no wildcards, no empty token. */
const SUBJECT_PREFIX = /^[^\s.*>]+(\.[^\s.*>]+)*$/;
/** JetStream stream names: no whitespace, `.`, `*`, `>`, path separators. */
const STREAM_NAME = /^[^\s.*>/\\]+$/;

/** Default of {@link NatsSynchronizerOptions.healthCheckIntervalMs}, as the Redis adapters'. */
export const DEFAULT_HEALTH_CHECK_INTERVAL_MS = 5000;
/** Default of {@link NatsSynchronizerOptions.healthCheckTimeoutMs}. */
export const DEFAULT_HEALTH_CHECK_TIMEOUT_MS = 1000;
/** Default of {@link NatsSynchronizerOptions.subjectPrefix}. */
export const DEFAULT_SUBJECT_PREFIX = 'synced-cache';

function integer(option: string, value: unknown, fallback: number, minimum: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < minimum) {
    throw new InvalidConfigError(
      option,
      value,
      minimum === 0 ? 'a non-negative integer' : 'a positive integer',
    );
  }
  return value;
}

function replicas(value: unknown): number {
  const count = integer('replay.replicas', value, 1, 1);
  if (count > 5) throw new InvalidConfigError('replay.replicas', value, 'an integer from 1 to 5');
  return count;
}

function optionalString(option: string, value: unknown): void {
  if (value !== undefined && (typeof value !== 'string' || value.length === 0)) {
    throw new InvalidConfigError(option, value, 'a non-empty string');
  }
}

/** True when `value` looks like a nats.js `NatsConnection` (duck typed: other copies and transports work). */
export function isNatsConnection(value: unknown): value is NatsConnection {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return (
    typeof candidate.publish === 'function' &&
    typeof candidate.subscribe === 'function' &&
    typeof candidate.flush === 'function' &&
    typeof candidate.status === 'function' &&
    typeof candidate.isClosed === 'function'
  );
}

/**
 * Validates every option once (unknown names included) and returns the adapter's own settings.
 *
 * @throws InvalidConfigError naming the option and the value.
 * @internal
 */
export function resolveSettings(options: NatsSynchronizerOptions): NatsSettings {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidConfigError('options', options, 'an object');
  }
  for (const name of Object.keys(options)) {
    if (!KNOWN.has(name)) {
      throw new InvalidConfigError(
        name,
        (options as Record<string, unknown>)[name],
        'a known option (unknown option)',
      );
    }
  }
  if (options.connection !== undefined) {
    if (!isNatsConnection(options.connection)) {
      throw new InvalidConfigError('connection', options.connection, 'a nats.js 3 NatsConnection');
    }
    for (const name of OWNED_ONLY) {
      if (options[name] !== undefined) {
        throw new InvalidConfigError(
          name,
          options[name],
          'no value with `connection` (it applies to a connection we create)',
        );
      }
    }
    if ((options.connection as { options?: { noEcho?: boolean } }).options?.noEcho === true) {
      throw new InvalidConfigError(
        'connection',
        'noEcho: true',
        'a connection without noEcho (pods expect their own events back)',
      );
    }
  } else {
    const servers = options.servers;
    const list = Array.isArray(servers) ? servers : [servers];
    if (
      servers === undefined ||
      list.length === 0 ||
      list.some((server) => typeof server !== 'string' || server === '')
    ) {
      throw new InvalidConfigError(
        'servers',
        servers,
        'a server URL or a non-empty list of them (or `connection`)',
      );
    }
    for (const name of ['token', 'user', 'pass', 'nkeySeed', 'credsFile', 'name'] as const)
      optionalString(name, options[name]);
    if ((options.user === undefined) !== (options.pass === undefined)) {
      throw new InvalidConfigError(
        options.user === undefined ? 'user' : 'pass',
        undefined,
        'both `user` and `pass`, or neither',
      );
    }
    for (const name of ['tls', 'connectOptions'] as const) {
      const value = options[name];
      if (value !== undefined && (typeof value !== 'object' || value === null)) {
        throw new InvalidConfigError(name, value, 'an object');
      }
    }
    if (options.connectOptions?.noEcho === true) {
      throw new InvalidConfigError(
        'connectOptions.noEcho',
        true,
        'false (pods expect their own events back)',
      );
    }
  }
  const subjectPrefix = options.subjectPrefix ?? DEFAULT_SUBJECT_PREFIX;
  if (typeof subjectPrefix !== 'string' || !SUBJECT_PREFIX.test(subjectPrefix)) {
    throw new InvalidConfigError(
      'subjectPrefix',
      subjectPrefix,
      'one or more subject tokens without whitespace, `*` or `>`',
    );
  }
  return {
    subjectPrefix,
    healthCheckIntervalMs: integer(
      'healthCheckIntervalMs',
      options.healthCheckIntervalMs,
      DEFAULT_HEALTH_CHECK_INTERVAL_MS,
      0,
    ),
    healthCheckTimeoutMs: integer(
      'healthCheckTimeoutMs',
      options.healthCheckTimeoutMs,
      DEFAULT_HEALTH_CHECK_TIMEOUT_MS,
      1,
    ),
    replay: replaySettings(options.replay, subjectPrefix),
  };
}

function replaySettings(value: unknown, subjectPrefix: string): Required<NatsReplayOptions> | undefined {
  if (value === undefined || value === false) return undefined;
  if (value !== true && (typeof value !== 'object' || value === null)) {
    throw new InvalidConfigError('replay', value, 'a boolean or an object');
  }
  const given = (value === true ? {} : value) as Record<string, unknown>;
  for (const name of Object.keys(given)) {
    if (!REPLAY_KNOWN.has(name))
      throw new InvalidConfigError(`replay.${name}`, given[name], 'a known option (unknown option)');
  }
  const stream = given.stream ?? subjectPrefix.replaceAll('.', '_');
  if (typeof stream !== 'string' || !STREAM_NAME.test(stream)) {
    throw new InvalidConfigError(
      'replay.stream',
      stream,
      'a stream name without whitespace, `.`, `*`, `>` or slashes',
    );
  }
  return {
    stream,
    maxAgeMs: integer('replay.maxAgeMs', given.maxAgeMs, 600_000, 1),
    maxMessages: integer('replay.maxMessages', given.maxMessages, 100_000, 1),
    replicas: replicas(given.replicas),
    graceMs: integer('replay.graceMs', given.graceMs, 2000, 0),
  };
}

const SAFE = /^[A-Za-z0-9_\-:]*$/;
const encoder = new TextEncoder();

/**
 * The subject token of a core channel: the channel itself when it only has `[A-Za-z0-9_:-]`,
 * otherwise every other byte of its UTF-8 as `%XX` — injective, so two channels never share a
 * subject, and never a wildcard or a token separator.
 *
 * @internal
 */
export function subjectToken(channel: string): string {
  if (SAFE.test(channel) && channel !== '') return channel;
  let token = '';
  for (const byte of encoder.encode(channel)) {
    const char = String.fromCharCode(byte);
    token +=
      byte < 0x80 && /[A-Za-z0-9_\-:]/.test(char)
        ? char
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return token === '' ? '%' : token;
}
