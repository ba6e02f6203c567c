import { hostname } from 'node:os';

/** What a replica reads from its environment (a Kubernetes Deployment sets these). */
export interface ServiceConfig {
  /** `REDIS_URL` @default 'redis://127.0.0.1:6379' */
  redisUrl: string;
  /** `POD_NAME` (the Downward API's `metadata.name`), the cache's podId. @default the hostname */
  podName: string;
  /** `PORT` @default 8080 */
  port: number;
  /** `CACHE_NAMESPACE` @default 'products' */
  namespace: string;
  /** `CACHE_TTL_MS`, the store TTL of every product. @default 600000 */
  ttlMs: number;
  /** `LOCAL_CACHE_MAX_SIZE`, entries in each replica's local tier. @default 10000 */
  localMaxSize: number;
  /** `DEBUG` = `1` or `true` turns on the cache's debug logging. @default false */
  debug: boolean;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, minimum: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < minimum) {
    throw new Error(`${name} must be an integer ≥ ${minimum}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

/**
 * Reads the configuration from `env`.
 *
 * @throws Error naming the variable and its value when a number is invalid.
 */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  return {
    redisUrl: env.REDIS_URL || 'redis://127.0.0.1:6379',
    podName: env.POD_NAME || hostname(),
    port: integer(env, 'PORT', 8080, 0),
    namespace: env.CACHE_NAMESPACE || 'products',
    ttlMs: integer(env, 'CACHE_TTL_MS', 600_000, 0),
    localMaxSize: integer(env, 'LOCAL_CACHE_MAX_SIZE', 10_000, 1),
    debug: env.DEBUG === '1' || env.DEBUG === 'true',
  };
}
