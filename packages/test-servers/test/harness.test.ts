import { connect, createServer, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CI_SOAK,
  CI_STORE_LOSS,
  CLOSE_STATES,
  createRandom,
  FAULT_KINDS,
  isSuspended,
  PodCallTimeout,
  parseSoakArgs,
  percentile,
  planRun,
  redisCommand,
  resumeProcess,
  startFaultProxy,
  startPodProcess,
  startRedis,
  suspendProcess,
} from '../src/index.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** Polls `check` every 10 ms until true; fails after `timeoutMs`. */
async function eventually(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 3000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A raw RESP connection: writes commands, collects everything the server sends. */
async function rawConnection(
  port: number,
): Promise<{ socket: Socket; received: () => string; send: (...args: string[]) => void }> {
  const socket = connect({ host: '127.0.0.1', port });
  socket.on('error', () => undefined);
  let text = '';
  socket.on('data', (chunk) => {
    text += chunk.toString('utf8');
  });
  await new Promise((resolve) => socket.once('connect', resolve));
  cleanup.push(() => {
    socket.destroy();
  });
  return {
    socket,
    received: () => text,
    send: (...args) =>
      socket.write(
        `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`,
      ),
  };
}

describe('createRandom', () => {
  it('gives the same sequence for the same seed and a different one for another seed', () => {
    const draw = (seed: number) => {
      const random = createRandom(seed);
      return Array.from({ length: 50 }, () => random.next());
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
    for (const value of draw(7)) {
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
    }
  });

  it('forks streams that depend on the seed and label, not on how much the parent was used', () => {
    const fresh = createRandom(9).fork('ops');
    const used = createRandom(9);
    for (let index = 0; index < 100; index++) used.next();
    const forked = used.fork('ops');
    expect(Array.from({ length: 10 }, () => forked.next())).toEqual(
      Array.from({ length: 10 }, () => fresh.next()),
    );
    expect(createRandom(9).fork('faults').next()).not.toBe(createRandom(9).fork('ops').next());
  });

  it('int, pick and subset stay in range', () => {
    const random = createRandom(1);
    for (let index = 0; index < 500; index++) {
      const value = random.int(3, 5);
      expect([3, 4, 5]).toContain(value);
      const subset = random.subset([0, 1, 2, 3], 1, 3);
      expect(subset.length).toBeGreaterThanOrEqual(1);
      expect(subset.length).toBeLessThanOrEqual(3);
      expect([...subset].sort()).toEqual(subset);
      expect(new Set(subset).size).toBe(subset.length);
    }
  });
});

describe('planRun', () => {
  it('is reproducible from the seed and varies across seeds', () => {
    const options = { pods: 3, episodes: 6, timeoutMs: 500 };
    expect(planRun(1234, options)).toEqual(planRun(1234, options));
    const plans = new Set([1, 2, 3, 4, 5].map((seed) => JSON.stringify(planRun(seed, options).episodes)));
    expect(plans.size).toBe(5);
  });

  it('draws only the allowed kinds, targets existing pods, and stalls the server longer than the timeout', () => {
    for (let seed = 0; seed < 200; seed++) {
      const plan = planRun(seed, { pods: 3, episodes: 4, timeoutMs: 500, maxFaultMs: 1500 });
      expect(CLOSE_STATES).toContain(plan.closeState);
      for (const fault of plan.episodes) {
        expect(FAULT_KINDS).toContain(fault.kind);
        if (fault.kind.startsWith('server-')) expect(fault.targets).toEqual([]);
        else {
          expect(fault.targets.length).toBeGreaterThan(0);
          for (const target of fault.targets) expect([0, 1, 2]).toContain(target);
        }
        if (fault.kind === 'server-stop') expect(fault.durationMs).toBeGreaterThan(500);
        expect(fault.durationMs).toBeLessThanOrEqual(1500);
      }
    }
    const only = planRun(5, { pods: 2, episodes: 10, timeoutMs: 500, kinds: ['bus-freeze'] });
    expect(new Set(only.episodes.map((fault) => fault.kind))).toEqual(new Set(['bus-freeze']));
    const flush = planRun(5, { pods: 2, episodes: 3, timeoutMs: 500, kinds: ['server-flush'] });
    for (const fault of flush.episodes) expect(fault.targets).toEqual([]);
    expect(FAULT_KINDS).not.toContain('server-flush');
  });
});

describe('soak helpers', () => {
  it('the CI-sized run covers every fault kind, every close state, and a server stall twice', () => {
    const plans = Array.from({ length: CI_SOAK.runs }, (_, index) =>
      planRun(CI_SOAK.seed + index, { pods: 3, episodes: CI_SOAK.episodes, timeoutMs: 500 }),
    );
    const kinds = plans.flatMap((plan) => plan.episodes.map((fault) => fault.kind));
    expect(new Set(kinds)).toEqual(new Set(FAULT_KINDS));
    expect(new Set(plans.map((plan) => plan.closeState))).toEqual(new Set(CLOSE_STATES));
    expect(kinds.filter((kind) => kind === 'server-stop').length).toBeGreaterThanOrEqual(2);
  });

  it('the CI store-loss case restarts the server empty, then flushes it twice', () => {
    const plan = planRun(CI_STORE_LOSS.seed, {
      pods: 3,
      episodes: CI_STORE_LOSS.episodes,
      timeoutMs: 500,
      kinds: CI_STORE_LOSS.kinds,
    });
    expect(plan.episodes.map((fault) => fault.kind)).toEqual([
      'server-restart-empty',
      'server-flush',
      'server-flush',
    ]);
  });

  it('percentile is nearest-rank', () => {
    expect(percentile([5, 1, 3, 2, 4], 50)).toBe(3);
    expect(percentile([5, 1, 3, 2, 4], 99)).toBe(5);
    expect(percentile([7], 1)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it('parseSoakArgs reads the options, ignores a bare -- and rejects unknown ones', () => {
    const settings = parseSoakArgs(['--', '--runs', '5', '--seed', '77', '--kinds', 'bus-cut,server-flush']);
    expect(settings).toMatchObject({ runs: 5, seed: 77, kinds: ['bus-cut', 'server-flush'] });
    expect(parseSoakArgs(['--ci'])).toMatchObject({
      runs: 6,
      seed: 112,
      episodes: 3,
      extraRuns: [CI_STORE_LOSS],
    });
    expect(() => parseSoakArgs(['--kinds', 'nope'])).toThrow('unknown fault kinds nope');
    expect(() => parseSoakArgs(['--frobnicate'])).toThrow('unknown argument --frobnicate');
  });
});

describe('fault proxy: delay with jitter', () => {
  it('delivers every chunk in order, each at least the base delay late, with the jitter applied', async () => {
    const arrivals: Array<{ line: string; at: number }> = [];
    const echo: Server = createServer((socket) => {
      let buffer = '';
      socket.on('data', (chunk) => {
        buffer += chunk.toString();
        let newline = buffer.indexOf('\n');
        while (newline !== -1) {
          arrivals.push({ line: buffer.slice(0, newline), at: Date.now() });
          buffer = buffer.slice(newline + 1);
          newline = buffer.indexOf('\n');
        }
      });
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise<void>((resolve) => echo.close(() => resolve())));
    const address = echo.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    const proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: address.port } });
    cleanup.push(() => proxy.close());
    // Jitter draws that fall over time: without the order rule, later chunks would overtake.
    let draw = 1;
    proxy.delay(30, { jitterMs: 120, random: () => (draw = Math.max(0, draw - 0.05)) });
    const client = connect({ host: '127.0.0.1', port: proxy.port });
    client.on('error', () => undefined);
    cleanup.push(() => {
      client.destroy();
    });
    await new Promise((resolve) => client.once('connect', resolve));
    const sent: Array<{ line: string; at: number }> = [];
    for (let index = 0; index < 40; index++) {
      const line = `m${index}`;
      sent.push({ line, at: Date.now() });
      client.write(`${line}\n`);
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
    await eventually('all 40 lines arrived', () => arrivals.length === 40, 5000);
    expect(arrivals.map((arrival) => arrival.line)).toEqual(sent.map((item) => item.line));
    for (const [index, arrival] of arrivals.entries()) {
      expect(arrival.at - sent[index]!.at).toBeGreaterThanOrEqual(29);
    }
    // The first chunk drew the largest jitter, so it arrived well after the base delay.
    expect(arrivals[0]!.at - sent[0]!.at).toBeGreaterThanOrEqual(30 + 100);
    for (let index = 1; index < arrivals.length; index++) {
      expect(arrivals[index]!.at).toBeGreaterThanOrEqual(arrivals[index - 1]!.at);
    }
  });
});

describe('fault proxy: subscriber connections', () => {
  async function setup() {
    const redis = await startRedis();
    cleanup.push(() => redis.stop());
    const proxy = await startFaultProxy({ target: { host: redis.host, port: redis.port } });
    cleanup.push(() => proxy.close());
    const subscriber = await rawConnection(proxy.port);
    subscriber.send('SUBSCRIBE', 'ch');
    await eventually('subscribed', () => subscriber.received().includes('subscribe'));
    const command = await rawConnection(proxy.port);
    command.send('PING');
    await eventually('pong', () => command.received().includes('PONG'));
    return { redis, proxy, subscriber, command };
  }

  const subscriberAddresses = async (port: number) => {
    const list = (await redisCommand('127.0.0.1', port, ['CLIENT', 'LIST'])) as string;
    return list
      .split('\n')
      .filter((line) => / sub=[1-9]/.test(line))
      .map((line) => Number(/addr=[^ ]*:(\d+)/.exec(line)![1]));
  };

  it('tells subscriber connections apart and reports their upstream ports as the server sees them', async () => {
    const { redis, proxy } = await setup();
    expect(proxy.upstreamPorts('subscribers')).toHaveLength(1);
    expect(proxy.upstreamPorts('commands')).toHaveLength(1);
    expect(await subscriberAddresses(redis.port)).toEqual(proxy.upstreamPorts('subscribers'));
  });

  it('freeze("subscribers") holds messages to subscribers only, until heal', async () => {
    const { redis, proxy, subscriber, command } = await setup();
    proxy.freeze('subscribers');
    command.send('PUBLISH', 'ch', 'during-freeze');
    await eventually('the command connection still answers', () => command.received().includes(':1'));
    expect(await redisCommand(redis.host, redis.port, ['PING'])).toBe('PONG');
    expect(subscriber.received()).not.toContain('during-freeze');
    proxy.heal();
    await eventually('held message delivered after heal', () =>
      subscriber.received().includes('during-freeze'),
    );
  });

  it('vanish("subscribers") closes the server side, keeps the client side open and silent, and heal does not revive it', async () => {
    const { redis, proxy, subscriber } = await setup();
    proxy.vanish('subscribers');
    await eventually(
      'the server dropped the subscriber',
      async () => (await subscriberAddresses(redis.port)).length === 0,
    );
    expect(subscriber.socket.destroyed).toBe(false);
    proxy.heal();
    expect(await redisCommand(redis.host, redis.port, ['PUBLISH', 'ch', 'after-vanish'])).toBe(0);
    subscriber.send('PING');
    const before = subscriber.received();
    await new Promise((resolve) => setTimeout(resolve, 100)); // nothing may arrive: checking silence
    expect(subscriber.received()).toBe(before);
    expect(proxy.upstreamPorts()).toHaveLength(1);
  });

  it('cut("subscribers") resets only the subscriber connection', async () => {
    const { proxy, subscriber, command } = await setup();
    const closed = new Promise((resolve) => subscriber.socket.once('close', resolve));
    proxy.cut('subscribers');
    await closed;
    command.send('PING');
    await eventually('command connection still works', () => command.received().split('PONG').length === 3);
  });
});

describe('suspendProcess', () => {
  it('stalls a server until resumeProcess, and remembers what it stopped', async () => {
    const redis = await startRedis();
    cleanup.push(() => redis.stop());
    cleanup.push(() => resumeProcess(redis.pid));
    suspendProcess(redis.pid);
    expect(isSuspended(redis.pid)).toBe(true);
    await expect(redisCommand(redis.host, redis.port, ['PING'], 300)).rejects.toThrow('no reply');
    resumeProcess(redis.pid);
    expect(isSuspended(redis.pid)).toBe(false);
    expect(await redisCommand(redis.host, redis.port, ['PING'])).toBe('PONG');
  });
});

describe('pod processes (startPodProcess + servePod)', () => {
  const script = fileURLToPath(new URL('./fixtures/memory-pod.ts', import.meta.url));
  const start = (podId: string) =>
    startPodProcess({
      script,
      url: 'redis://unused',
      options: { namespace: 'n', podId },
      callTimeoutMs: 2000,
    });

  it('answers calls, forwards statuses, marks reads the cache reported failed, and exits by itself after close', async () => {
    const pod = await start('p0');
    cleanup.push(() => pod.kill());
    await pod.set('a', 'one');
    await pod.setWithInvalidate('b', 'two');
    expect(await pod.get('a')).toBe('one');
    expect(await pod.peek('missing')).toBeNull();
    expect(await pod.peekAll(['a', 'b', 'c'])).toEqual(['one', 'two', null]);
    expect(await pod.getAll(['a', 'fail:x', 'c'])).toEqual({
      values: ['one', null, null],
      failed: [false, true, false],
    });
    await pod.set('status', 'down');
    await pod.clear();
    await eventually('notices', () => pod.notices.length === 2);
    expect(pod.notices.map((notice) => `${notice.kind}:${notice.value}`)).toEqual([
      'status:down',
      'resync:clear',
    ]);
    const outcome = await pod.close(5000);
    expect(outcome.exited).toBe(true);
    expect(outcome.error).toBeUndefined();
    expect(outcome.activeResources).toEqual([]);
    expect(outcome.exitMs).toBeGreaterThanOrEqual(outcome.replyMs!);
    expect(pod.exited).toBe(true);
  });

  it('a call that never settles rejects with PodCallTimeout', async () => {
    const pod = await start('p1');
    cleanup.push(() => pod.kill());
    await expect(pod.call({ op: 'get', key: 'hang' }, 200)).rejects.toBeInstanceOf(PodCallTimeout);
  });

  it('a pod that leaves a timer running after close is reported as not exited and killed', async () => {
    const pod = await start('leaky');
    cleanup.push(() => pod.kill());
    const outcome = await pod.close(500);
    expect(outcome.exited).toBe(false);
    expect(outcome.activeResources).toContain('Timeout');
    expect(pod.exited).toBe(true);
  });
});
