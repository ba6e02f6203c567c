import type { RedisScript } from '@synced-cache/redis-common';
import type { RedisArgument } from './connection.js';

/** Sends one command (to a client, or to the node of a Cluster that a key routes to). */
export type Send = (args: ReadonlyArray<RedisArgument>) => Promise<unknown>;

/**
 * Runs `script` with EVALSHA through `send`, loading it with EVAL when the server does not know it
 * (NOSCRIPT: a new or restarted server, or SCRIPT FLUSH).
 *
 * @internal
 */
export async function runScript(
  send: Send,
  script: RedisScript,
  keys: readonly string[],
  args: readonly RedisArgument[],
): Promise<unknown> {
  const tail = [String(keys.length), ...keys, ...args];
  try {
    return await send(['EVALSHA', script.sha1, ...tail]);
  } catch (error) {
    if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error;
    return send(['EVAL', script.lua, ...tail]);
  }
}
