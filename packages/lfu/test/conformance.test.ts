import { describeLocalCache } from '@synced-cache/testing';
import { createLfuCache } from '../src/index.js';

describeLocalCache('lfu', (config) => createLfuCache(config), {
  admission: true,
  cost: true,
  clockReads: 1024,
});
describeLocalCache(
  'lfu with seed options (numCounters, bufferItems)',
  (config) => createLfuCache({ ...config, numCounters: 1000, bufferItems: 64 }),
  { admission: true, cost: true },
);
