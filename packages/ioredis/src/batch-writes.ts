import type { StoreBatchResult } from '@synced-cache/core';
import { batchResult, groupBySlot, type RedisScript } from '@synced-cache/redis-common';
import { type ClientLike, commandName } from './connection.js';

/** The part of an ioredis `Pipeline` batch writes use. */
interface PipelineLike {
  exec(): Promise<Array<[Error | null, unknown]> | null>;
  [command: string]: unknown;
}

/**
 * Runs `script` once per key in one ioredis pipeline (no MULTI: each script is its own atomic
 * step, as a single call would be) and reports each key's outcome in order. On a Cluster the keys
 * are grouped by slot and each group is its own pipeline (a pipeline must stay within one slot);
 * the groups go out together. A pipeline that fails as a whole fails only its own keys.
 *
 * @param keyArguments - the KEYS of key `i`'s call (the key, plus the clock key when there is one).
 * @param scriptArguments - the ARGV of key `i`'s call.
 * @internal
 */
export async function pipelineWrites(
  client: ClientLike,
  cluster: boolean,
  script: RedisScript,
  action: 'set' | 'delete',
  keys: readonly string[],
  keyArguments: (index: number) => readonly string[],
  scriptArguments: (index: number) => readonly unknown[],
  timeoutMs: number,
): Promise<StoreBatchResult[]> {
  const results = new Array<StoreBatchResult>(keys.length);
  const groups = cluster ? [...groupBySlot(keys).values()] : [keys.map((_, index) => index)];
  const name = commandName(script);
  await Promise.all(
    groups.map(async (indexes) => {
      let replies: Array<[Error | null, unknown]> | null = null;
      let failure: unknown;
      try {
        const pipeline = (client.pipeline as () => PipelineLike).call(client);
        const command = pipeline[name] as (...args: unknown[]) => unknown;
        for (const index of indexes) {
          const scriptKeys = keyArguments(index);
          command.call(pipeline, scriptKeys.length, ...scriptKeys, ...scriptArguments(index));
        }
        replies = await pipeline.exec();
      } catch (error) {
        failure = error;
      }
      for (let position = 0; position < indexes.length; position++) {
        const index = indexes[position]!;
        const reply = replies?.[position];
        const error =
          failure ?? (reply === undefined ? new Error('the pipeline returned no reply') : reply[0]);
        results[index] = batchResult(error, reply?.[1], action, keys[index]!, timeoutMs);
      }
    }),
  );
  return results;
}
