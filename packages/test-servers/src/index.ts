/**
 * Private test tooling for synced-cache: throwaway `redis-server` (standalone, Cluster, Sentinel)
 * and `nats-server` processes on free loopback ports, a TCP fault proxy, pod processes driven over
 * IPC, fault injectors and a randomized convergence runner with its soak CLI. Never published, and
 * it imports no workspace package (the adapters dev-depend on it).
 *
 * Every server binds 127.0.0.1 only, runs without persistence in a temp dir under
 * `os.tmpdir()`, is stopped by PID (SIGTERM, then SIGKILL), and is killed when the test process
 * exits. A missing binary throws an Error naming `apt-get install redis-server nats-server`.
 *
 * @packageDocumentation
 */

/** This package's version. */
export const VERSION = '0.0.0';

export {
  type ConvergenceOptions,
  type EpisodeReport,
  episodeStartedClean,
  type RunReport,
  runConvergence,
  runFailures,
  type StalePair,
  type StaleSample,
  staleBoundOf,
} from './convergence.js';
export {
  type ActiveFault,
  CLOSE_STATES,
  type CloseState,
  EXTRA_FAULT_KINDS,
  FAULT_KINDS,
  type FaultableServer,
  type FaultKind,
  injectFault,
  type PlannedFault,
  type PlanOptions,
  planRun,
  type RunPlan,
} from './faults.js';
export {
  type NatsCluster,
  type NatsClusterNode,
  type NatsServer,
  type StartNatsClusterOptions,
  type StartNatsOptions,
  startNats,
  startNatsCluster,
} from './nats.js';
export {
  PodCallFailed,
  PodCallTimeout,
  type PodCloseOutcome,
  type PodNoticeRecord,
  type PodProcess,
  type StartPodOptions,
  startPodProcess,
} from './pod-driver.js';
export {
  type ChildCloseResult,
  POD_ENV,
  type PodCacheOptions,
  type PodCall,
  type PodCallError,
  type PodNotice,
  type PodOperation,
  type PodReply,
  type PodRequest,
  type PodSetup,
  type ReadAllResult,
} from './pod-protocol.js';
export { podSetup, type ServableCache, servePod } from './pod-serve.js';
export {
  findBinary,
  freePort,
  INSTALL_HINT,
  isSuspended,
  resumeProcess,
  suspendProcess,
  trackChild,
} from './process.js';
export {
  type ConnectionSelector,
  type DelayOptions,
  type FaultProxy,
  type FaultProxyOptions,
  startFaultProxy,
} from './proxy.js';
export { createRandom, type Random } from './random.js';
export {
  type RedisCluster,
  type RedisNodeAddress,
  type RedisSentinelSetup,
  type RedisServer,
  type StartRedisClusterOptions,
  type StartRedisOptions,
  type StartRedisSentinelOptions,
  startRedis,
  startRedisCluster,
  startRedisSentinel,
} from './redis.js';
export { RespError, type RespReply, redisCommand } from './resp.js';
export {
  CI_SOAK,
  CI_STORE_LOSS,
  ciRuns,
  describeRun,
  parseSoakArgs,
  percentile,
  type SoakEntry,
  type SoakRun,
  type SoakSettings,
  soakMain,
  summarize,
} from './soak.js';
