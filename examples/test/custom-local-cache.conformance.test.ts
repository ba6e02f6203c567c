import { describeLocalCache } from '@synced-cache/testing';
import { RandomEvictionCache } from '../custom-local-cache/random-eviction-cache.js';

// The contract suite every local cache in this repository passes, run on the example's cache.
describeLocalCache('RandomEvictionCache', ({ maxSize }) => new RandomEvictionCache(maxSize));
