import { describeLocalCache } from '@synced-cache/testing';
import { createLruCache } from '../src/index.js';

describeLocalCache('lru', (config) => createLruCache(config), {
  policy: 'lru',
  cost: true,
  clockReads: 1024,
});
