import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type NatsServer, type RedisServer, startNats, startRedis } from '@synced-cache/test-servers';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const demoDir = fileURLToPath(new URL('..', import.meta.url));

interface Run {
  code: number | null;
  output: string;
}

/** Runs the demo as a user would (tsx, stdout piped), killed after `limitMs`. */
function runDemo(args: string[], limitMs = 100_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
      cwd: demoDir,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

function expectCleanStory(run: Run) {
  expect(run.output, run.output).toMatch(/stale reads: 0 of [1-9]\d* reads checked/);
  expect(run.output, run.output).toMatch(/converged: \d+ pods × \d+ keys/);
  expect(run.output, run.output).toMatch(/loader ran \d+ time\(s\) \(per pod: 1(, 1)+\)/);
  expect(run.output, run.output).toContain('✓ ok');
  expect(run.code, run.output).toBe(0);
}

describe('demo', () => {
  it('plays the whole story on the embedded store and bus, with no stale read', async () => {
    expectCleanStory(await runDemo(['--duration', '4']));
  });

  it('--nats loads @synced-cache/nats; a NATS server that refuses fails every pod clearly, exit 1', async () => {
    const run = await runDemo(['--redis', 'redis://127.0.0.1:1', '--nats', 'nats://127.0.0.1:1']);
    expect(run.output).toContain('Redis store + NATS bus');
    expect(run.output).toContain('nats connect failed');
    expect(run.code).toBe(1);
  });

  it('rejects bad options with the usage text', async () => {
    const run = await runDemo(['--pods', '1']);
    expect(run.output).toContain('--pods must be an integer from 2 to 16, got 1');
    expect(run.code).toBe(2);
  });

  describe('on a private Redis', () => {
    let redis: RedisServer;
    let client: Redis;

    beforeAll(async () => {
      redis = await startRedis();
      client = new Redis(redis.url);
    });
    afterAll(async () => {
      client?.disconnect();
      await redis?.stop();
    });

    it('runs pods as processes over ioredis, cuts one subscriber by CLIENT KILL, and touches nothing else', async () => {
      await client.set('someone-else:key', 'kept');
      await client.set('other-namespace:item:0', 'kept');
      const run = await runDemo([
        '--redis',
        redis.url,
        '--pods',
        '3',
        '--duration',
        '5',
        '--namespace',
        'demo-test',
      ]);
      expectCleanStory(run);
      expect(run.output).toMatch(
        /CLIENT KILL ID of 1 pub\/sub connection\(s\) named sc-demo:demo-test:pod-3/,
      );
      expect(run.output).toMatch(/pod-3 is up again after \d+ ms/);
      expect(await client.get('someone-else:key')).toBe('kept');
      expect(await client.get('other-namespace:item:0')).toBe('kept');
      // Only tombstones of the final clear are left in the demo's namespace (they expire).
      const left = await client.keys('demo-test:*');
      for (const key of left) expect((await client.getBuffer(key))?.[0], key).toBe(2);
    });

    it('runs on Redis store + NATS bus (a private nats-server), cutting one pod’s NATS link at its relay', async () => {
      const nats: NatsServer = await startNats();
      try {
        const run = await runDemo([
          '--redis',
          redis.url,
          '--nats',
          nats.url,
          '--pods',
          '3',
          '--duration',
          '4',
          '--namespace',
          'demo-nats',
        ]);
        expectCleanStory(run);
        expect(run.output).toContain('Redis store + NATS bus');
        expect(run.output).toMatch(/dropped 1 NATS connection\(s\) of sc-demo:demo-nats:pod-3 at its relay/);
        expect(run.output).toMatch(/pod-3 is up again after \d+ ms/);
      } finally {
        await nats.stop();
      }
    });

    it('runs over node-redis too', async () => {
      expectCleanStory(
        await runDemo(['--redis', redis.url, '--client', 'redis', '--pods', '2', '--duration', '4']),
      );
    });
  });
});
