/**
 * synced-cache demo. With no options: pods in one process on the embedded store and bus (nothing
 * to install). With `--redis <url>`: every pod is its own process on that Redis, in its own
 * namespace. See `pnpm demo --help`.
 */
import { parseArgs } from 'node:util';
import { runStory, type StoryOptions } from './story.js';

const USAGE = `usage: pnpm demo [options]

  (no server option)      pods in one process on the embedded MemoryStore + MemoryBus
  --redis <url>           pods as separate processes on this Redis (store and pub/sub)
  --client ioredis|redis  the Redis client library (default ioredis)
  --nats <url>            events over NATS instead of Redis pub/sub (needs --redis for the store
                          and the package @synced-cache/nats)
  --pods <n>              number of pods, 2-16 (default 3)
  --duration <seconds>    length of the story, 4-3600 (default 12)
  --namespace <name>      cache namespace (default synced-cache-demo); the demo clears only it
  --stale-bound-ms <ms>   how soon an acknowledged write must be visible on every pod (default 1000)
  --plain                 plain lines even on a terminal

Exit code 1 when a stale read was seen, the pods did not converge, or a pod failed.`;

export function parseOptions(argv: string[]): StoryOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      redis: { type: 'string' },
      client: { type: 'string', default: 'ioredis' },
      nats: { type: 'string' },
      pods: { type: 'string', default: '3' },
      duration: { type: 'string', default: '12' },
      namespace: { type: 'string', default: 'synced-cache-demo' },
      'stale-bound-ms': { type: 'string', default: '1000' },
      plain: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) throw new UsageError('');
  const integer = (name: string, text: string, min: number, max: number) => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got ${text}`);
    }
    return value;
  };
  if (values.client !== 'ioredis' && values.client !== 'redis') {
    throw new UsageError(`--client must be ioredis or redis, got ${values.client}`);
  }
  if (values.nats !== undefined && values.redis === undefined) {
    throw new UsageError('--nats carries the events only: give --redis <url> for the shared store too');
  }
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(values.namespace)) {
    throw new UsageError(
      `--namespace must be 1-64 letters, digits, '.', '_' or '-', got ${values.namespace}`,
    );
  }
  return {
    backend:
      values.redis === undefined
        ? { kind: 'embedded' }
        : { kind: 'redis', url: values.redis, client: values.client, natsUrl: values.nats },
    pods: integer('pods', values.pods, 2, 16),
    durationS: integer('duration', values.duration, 4, 3600),
    namespace: values.namespace,
    staleBoundMs: integer('stale-bound-ms', values['stale-bound-ms'], 1, 60_000),
    ...(values.plain ? { live: false } : {}),
  };
}

class UsageError extends Error {}

/** With `--nats`, fails before any pod starts when `@synced-cache/nats` cannot be imported. */
async function checkNats(options: StoryOptions): Promise<void> {
  if (options.backend.kind !== 'redis' || options.backend.natsUrl === undefined) return;
  const specifier = '@synced-cache/nats';
  try {
    await import(/* @vite-ignore */ specifier);
  } catch {
    throw new UsageError(
      '--nats needs the package @synced-cache/nats, which is not installed here: add it to apps/demo ' +
        '(pnpm --filter @synced-cache/demo add @synced-cache/nats), or run with --redis only.',
    );
  }
}

async function main(): Promise<number> {
  let options: StoryOptions;
  try {
    options = parseOptions(process.argv.slice(2));
    await checkNats(options);
  } catch (error) {
    if (!(error instanceof UsageError) && !(error instanceof TypeError)) throw error;
    if (error.message) console.error(`demo: ${error.message}\n`);
    console.error(USAGE);
    return 2;
  }
  const started = Date.now();
  const result = await runStory(options);
  console.log(`  the story took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return result.ok ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(error);
    process.exitCode = 1;
  },
);
