import type { Synchronizer } from '@synced-cache/core';
import { NatsLink } from './connection.js';
import { type NatsSynchronizerOptions, resolveSettings } from './options.js';
import { NatsReplaySynchronizer } from './replay.js';
import { NatsSynchronizer } from './synchronizer.js';

/**
 * Creates a NATS {@link Synchronizer}.
 *
 * Pass `connection` (a connected nats.js 3 `NatsConnection` you made: never closed by us) or
 * `servers` plus authentication and TLS options (a connection we make, reconnect forever and drain
 * on close).
 *
 * @example
 * ```ts
 * import { createCache, MemoryStore } from '@synced-cache/core';
 * import { createNatsSynchronizer } from '@synced-cache/nats';
 *
 * const cache = await createCache({
 *   store: new MemoryStore(),
 *   synchronizer: createNatsSynchronizer({ servers: 'nats://127.0.0.1:4222' }),
 * });
 * ```
 * @throws InvalidConfigError when an option is unknown or invalid (nothing is connected then).
 */
export function createNatsSynchronizer(options: NatsSynchronizerOptions): Synchronizer {
  const settings = resolveSettings(options);
  const link = new NatsLink(options, settings);
  return settings.replay === undefined
    ? new NatsSynchronizer(link, settings)
    : new NatsReplaySynchronizer(link, settings, settings.replay);
}
