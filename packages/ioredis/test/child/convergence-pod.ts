/**
 * A pod for the randomized convergence runs (`test/convergence-soak.ts`): a cache made by this
 * adapter's factory from the URL and options the runner passes, served over IPC.
 */
import { createIoredisCache } from '@synced-cache/ioredis';
import { podSetup, servePod } from '@synced-cache/test-servers';

const { url, options } = podSetup();
servePod(await createIoredisCache<string>(url, options));
