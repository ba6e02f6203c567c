/**
 * A pod for the randomized convergence runs (`test/convergence-soak.ts`): a cache made by this
 * adapter's factory from the URL and options the runner passes (the cache owns its connections),
 * served over IPC.
 */
import { createRedisCache } from '@synced-cache/redis';
import { podSetup, servePod } from '@synced-cache/test-servers';

const { url, options } = podSetup();
servePod(await createRedisCache<string>(url, options));
