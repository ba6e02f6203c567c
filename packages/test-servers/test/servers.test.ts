import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  findBinary,
  freePort,
  redisCommand,
  startFaultProxy,
  startNats,
  startRedis,
  startRedisCluster,
  startRedisSentinel,
} from '../src/index.js';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Sends raw bytes through a socket and resolves with the first chunk received (or a timeout). */
/**
 * Sends `payload` on a new connection and resolves with the first reply chunk, `'timeout'` or
 * `'closed'`. With `before`, waits until the proxy has set up its pipe, runs it, then sends.
 */
function roundTrip(
  port: number,
  payload: string,
  timeoutMs: number,
  before?: () => void,
): Promise<string | 'timeout' | 'closed'> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve('timeout');
    }, timeoutMs);
    socket.on('connect', () => {
      if (before === undefined) socket.write(payload);
      else
        setTimeout(() => {
          before();
          socket.write(payload);
        }, 50);
    });
    socket.once('data', (chunk) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(chunk.toString());
    });
    socket.once('close', () => {
      clearTimeout(timer);
      resolve('closed');
    });
    socket.on('error', () => undefined);
  });
}

describe('test-servers', () => {
  it('freePort returns a bindable loopback port', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    expect(port).toBeLessThan(65536);
  });

  it('findBinary names the apt-get packages when a binary is missing', () => {
    expect(() => findBinary('definitely-not-a-redis-server')).toThrow(
      'definitely-not-a-redis-server not found: apt-get install redis-server nats-server',
    );
  });

  it('startRedis starts a private server that answers, restarts on the same port, and stops by PID', async () => {
    const redis = await startRedis();
    try {
      expect(redis.port).not.toBe(6379);
      expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
      expect(await redisCommand(redis.host, redis.port, ['SET', 'k', 'v'])).toBe('OK');
      expect(await redisCommand(redis.host, redis.port, ['GET', 'k'])).toBe('v');
      const config = await redisCommand(redis.host, redis.port, ['CONFIG', 'GET', 'save']);
      expect(config).toEqual(['save', '']);
      const firstPid = redis.pid;
      await redis.kill();
      expect(isAlive(firstPid)).toBe(false);
      await expect(redisCommand(redis.host, redis.port, ['PING'], 500)).rejects.toThrow();
      await redis.restart();
      expect(redis.pid).not.toBe(firstPid);
      expect(await redisCommand(redis.host, redis.port, ['PING'])).toBe('PONG');
    } finally {
      const pid = redis.pid;
      await redis.stop();
      expect(isAlive(pid)).toBe(false);
    }
  });

  it('a paused redis-server answers nothing until resumed, and stop() does not wait out a pause', async () => {
    const redis = await startRedis();
    const pid = redis.pid;
    try {
      redis.pause();
      await expect(redisCommand(redis.host, redis.port, ['PING'], 300)).rejects.toThrow();
      redis.resume();
      expect(await redisCommand(redis.host, redis.port, ['PING'])).toBe('PONG');
      redis.pause();
    } finally {
      const started = Date.now();
      await redis.stop();
      expect(isAlive(pid)).toBe(false);
      expect(Date.now() - started).toBeLessThan(4000);
    }
  });

  it('startRedis passes extra args', async () => {
    const redis = await startRedis({ args: ['--maxmemory', '10mb'] });
    try {
      expect(await redisCommand(redis.host, redis.port, ['CONFIG', 'GET', 'maxmemory'])).toEqual([
        'maxmemory',
        String(10 * 1024 * 1024),
      ]);
    } finally {
      await redis.stop();
    }
  });

  it('startRedisCluster forms a 3-master cluster with all slots covered', async () => {
    const cluster = await startRedisCluster({ masters: 3 });
    try {
      expect(cluster.nodes).toHaveLength(3);
      for (const node of cluster.nodes) {
        const info = await redisCommand(node.host, node.port, ['CLUSTER', 'INFO']);
        expect(info).toContain('cluster_state:ok');
        expect(info).toContain('cluster_slots_assigned:16384');
      }
    } finally {
      await cluster.stop();
    }
  }, 60_000);

  it('startRedisSentinel starts a master, a replica and a sentinel that knows them', async () => {
    const setup = await startRedisSentinel();
    try {
      const [sentinel] = setup.sentinels;
      const address = await redisCommand(sentinel!.host, sentinel!.port, [
        'SENTINEL',
        'GET-MASTER-ADDR-BY-NAME',
        setup.masterName,
      ]);
      expect(address).toEqual(['127.0.0.1', String(setup.master.port)]);
      await redisCommand(setup.master.host, setup.master.port, ['SET', 'replicated', 'yes']);
      await redisCommand(setup.master.host, setup.master.port, ['WAIT', '1', '2000']);
      expect(await redisCommand(setup.replica.host, setup.replica.port, ['GET', 'replicated'])).toBe('yes');
    } finally {
      await setup.stop();
    }
  }, 60_000);

  it('startNats starts a server (with JetStream) that greets clients', async () => {
    const nats = await startNats({ jetstream: true });
    try {
      const greeting = await roundTrip(nats.port, '', 2000);
      expect(greeting).toMatch(/^INFO .*"jetstream":true/);
    } finally {
      const pid = nats.pid;
      await nats.stop();
      expect(isAlive(pid)).toBe(false);
    }
  });

  it('startFaultProxy forwards, cuts, blackholes, delays, refuses, freezes and heals', async () => {
    const redis = await startRedis();
    const proxy = await startFaultProxy({ target: { host: redis.host, port: redis.port } });
    try {
      expect(await redisCommand(proxy.host, proxy.port, ['PING'])).toBe('PONG');

      // cut: a live connection is reset
      const closed = new Promise<string>((resolve) => {
        const socket = connect({ host: '127.0.0.1', port: proxy.port });
        socket.on('error', () => undefined);
        socket.on('connect', () => {
          socket.write('*1\r\n$4\r\nPING\r\n');
        });
        socket.once('data', () => proxy.cut());
        socket.once('close', () => resolve('closed'));
      });
      expect(await closed).toBe('closed');
      expect(proxy.connections).toBe(0);

      // blackhole: nothing comes back, then the held bytes flow after heal
      proxy.blackhole();
      const held = roundTrip(proxy.port, '*1\r\n$4\r\nPING\r\n', 5000);
      const during = await roundTrip(proxy.port, '*1\r\n$4\r\nPING\r\n', 300);
      expect(during).toBe('timeout');
      proxy.heal();
      expect(await held).toBe('+PONG\r\n');

      // delay: a round trip takes at least twice the delay
      proxy.delay(100);
      const started = Date.now();
      expect(await redisCommand(proxy.host, proxy.port, ['PING'])).toBe('PONG');
      expect(Date.now() - started).toBeGreaterThanOrEqual(190);
      proxy.heal();

      // refuse: live connections are reset and new ones too, until heal
      const live = connect({ host: '127.0.0.1', port: proxy.port });
      live.on('error', () => undefined);
      await new Promise((resolve) => live.once('connect', resolve));
      const liveClosed = new Promise((resolve) => live.once('close', resolve));
      await new Promise((resolve) => setTimeout(resolve, 50)); // the proxy has set up its pipe
      proxy.refuse();
      await liveClosed;
      await expect(redisCommand(proxy.host, proxy.port, ['PING'], 1000)).rejects.toThrow();
      proxy.heal();
      expect(await redisCommand(proxy.host, proxy.port, ['PING'])).toBe('PONG');

      // freeze: an open connection goes silent, a new one works
      const frozen = roundTrip(proxy.port, '*1\r\n$4\r\nPING\r\n', 5000, () => proxy.freeze());
      let answered = false;
      void frozen.then(() => {
        answered = true;
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await redisCommand(proxy.host, proxy.port, ['PING'])).toBe('PONG');
      expect(answered).toBe(false);
      proxy.heal();
      expect(await frozen).toBe('+PONG\r\n');

      // accepted counts every connection so far, refused ones included
      const before = proxy.accepted;
      expect(await redisCommand(proxy.host, proxy.port, ['PING'])).toBe('PONG');
      expect(proxy.accepted).toBe(before + 1);
    } finally {
      await proxy.close();
      await redis.stop();
    }
  });
});
