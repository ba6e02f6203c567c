import { describe, expect, it } from 'vitest';
import { connectionName, ioredisOptions, pubsubClientIds } from '../src/backends.js';

describe('pubsubClientIds', () => {
  const list = [
    'id=7 addr=127.0.0.1:50246 laddr=127.0.0.1:6379 fd=9 name=sc-demo:ns:pod-3 age=3 idle=0 flags=P db=0 sub=1 psub=0',
    'id=8 addr=127.0.0.1:50250 laddr=127.0.0.1:6379 fd=10 name=sc-demo:ns:pod-30 age=3 idle=0 flags=P db=0 sub=1',
    'id=9 addr=127.0.0.1:50252 laddr=127.0.0.1:6379 fd=11 name= age=3 idle=0 flags=P db=0 sub=1',
    '',
  ].join('\n');

  it('finds only the connections carrying exactly that name', () => {
    expect(pubsubClientIds(list, 'sc-demo:ns:pod-3')).toEqual(['7']);
    expect(pubsubClientIds(list, 'sc-demo:ns:pod-4')).toEqual([]);
  });
});

describe('connection settings', () => {
  it('names a pod connection after the namespace and the pod', () => {
    const config = {
      name: 'pod-2',
      index: 1,
      backend: { kind: 'embedded' as const },
      namespace: 'ns',
      staleBoundMs: 1000,
    };
    expect(connectionName(config)).toBe('sc-demo:ns:pod-2');
  });

  it('turns a redis URL into ioredis options, credentials and db included', () => {
    expect(ioredisOptions('rediss://user:p%40ss@cache.internal:6380/2')).toEqual({
      host: 'cache.internal',
      port: 6380,
      username: 'user',
      password: 'p@ss',
      db: 2,
      tls: {},
    });
    expect(() => ioredisOptions('http://x')).toThrow('--redis wants a redis:// or rediss:// URL');
  });
});
