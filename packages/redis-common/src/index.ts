/**
 * Shared internals of `@synced-cache/ioredis` and `@synced-cache/redis`: the Lua scripts and
 * stored value layout, SCAN glob escaping, Cluster slots, reply parsing, error mapping, option
 * defaults and the connection health check. Both adapters send the same bytes and run the same scripts, so pods on either client
 * interoperate on one server and channel.
 *
 * @packageDocumentation
 */

export {
  batchResult,
  batchScriptResults,
  PACKED_BATCH_BYTES,
  type PackedBatch,
  packBatches,
  type ScriptField,
} from './batch.js';
export { Burst } from './burst.js';
export { type FailureContext, isClientTimeout, toStoreError, toSynchronizerError } from './errors.js';
export { watchConnection } from './health.js';
export { CLUSTER_SLOTS, chunk, escapeGlob, groupBySlot, keySlot, scanPattern } from './keys.js';
export {
  clockKeyOption,
  DEFAULT_CHANNEL,
  DEFAULT_CLOCK_KEY,
  DEFAULT_COMMAND_TIMEOUT_MS,
  DEFAULT_HEALTH_CHECK_INTERVAL_MS,
  DEFAULT_SCAN_COUNT,
  DEFAULT_TOMBSTONE_TTL_MS,
  healthCheckInterval,
  positiveInteger,
  READ_BATCH_SIZE,
  ttlArgument,
  WRITE_BATCH_SIZE,
} from './options.js';
export { ReadCoalescer } from './read-coalescer.js';
export {
  type DecodedValue,
  decodeValue,
  encodeValue,
  parseLogRead,
  parseReadReply,
  parseScanStep,
  parseTime,
  parseValueReply,
  parseVersion,
  type ScanStepReply,
  ServerClock,
  toNumber,
} from './replies.js';
export {
  CLEAR_SCRIPT,
  DELETE_MANY_PUBLISH_SCRIPT,
  DELETE_MANY_SCRIPT,
  DELETE_PUBLISH_SCRIPT,
  DELETE_SCRIPT,
  deletePublishArguments,
  HEADER_BYTES,
  HEADER_WITH_EXPIRY_BYTES,
  KIND_TOMBSTONE,
  KIND_VALUE,
  KIND_VALUE_WITH_EXPIRY,
  LOG_APPEND_SCRIPT,
  LOG_READ_SCRIPT,
  READ_SCRIPT,
  type RedisScript,
  SCRIPTS,
  SET_GET_MAX_BYTES,
  SET_MANY_PUBLISH_SCRIPT,
  SET_MANY_SCRIPT,
  SET_PUBLISH_SCRIPT,
  SET_SCRIPT,
  SIZE_SCRIPT,
  setPublishArguments,
} from './scripts.js';
export { VERSION } from './version.js';
