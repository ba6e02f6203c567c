/**
 * Private test tooling for synced-cache: throwaway `redis-server` (standalone, Cluster, Sentinel)
 * and `nats-server` processes on free loopback ports, and a TCP fault proxy. Never published.
 *
 * Every server binds 127.0.0.1 only, runs without persistence in a temp dir under
 * `os.tmpdir()`, is stopped by PID (SIGTERM, then SIGKILL), and is killed when the test process
 * exits. A missing binary throws an Error naming `apt-get install redis-server nats-server`.
 *
 * @packageDocumentation
 */

/** This package's version. */
export const VERSION = '0.0.0';

export { type NatsServer, type StartNatsOptions, startNats } from './nats.js';
export { findBinary, freePort, INSTALL_HINT } from './process.js';
export { type FaultProxy, type FaultProxyOptions, startFaultProxy } from './proxy.js';
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
