import type { Subscription, Synchronizer, SynchronizerStatus } from '@synced-cache/core';
import { CONTRACT_VERSION, SyncedCacheError } from '@synced-cache/core';
import { afterEach, describe, expect, it } from 'vitest';
import { allByteValues, bytesEqual, randomId, seededBytes } from './random.js';
import { waitForSync } from './wait-for-sync.js';

/** Options of {@link describeSynchronizer}. */
export interface SynchronizerSuiteOptions {
  /** Prefix of the random channel names the suite uses. @default 'sc-test.' */
  channelPrefix?: string;
  /** How long to wait for a message to arrive before a test fails, in ms. @default 5000 */
  timeoutMs?: number;
}

/** @internal What a synchronizer check receives. */
export interface SynchronizerCheckContext {
  /** Opens another, independent connection to the same bus (closed after the test). */
  open(): Promise<Synchronizer>;
  /** A fresh random channel name. */
  channel(suffix?: string): string;
  /** How long to wait for a message. */
  timeoutMs: number;
}

/** @internal One behaviour of the synchronizer suite. */
export interface SynchronizerCheck {
  name: string;
  run(context: SynchronizerCheckContext): Promise<void>;
}

/** Records what one subscription received. */
interface Inbox {
  readonly messages: Uint8Array[];
  readonly statuses: SynchronizerStatus[];
  onMessage(message: Uint8Array): void;
  onStatus(status: SynchronizerStatus): void;
}

function inbox(): Inbox {
  const box: Inbox = {
    messages: [],
    statuses: [],
    onMessage: (message) => {
      box.messages.push(message);
    },
    onStatus: (status) => {
      box.statuses.push(status);
    },
  };
  return box;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const text = (value: string): Uint8Array => encoder.encode(value);
const read = (message: Uint8Array): string => decoder.decode(message);

async function subscribe(synchronizer: Synchronizer, channel: string, box: Inbox): Promise<Subscription> {
  return synchronizer.subscribe(channel, box.onMessage, box.onStatus);
}

async function received(box: Inbox, count: number, what: string, timeoutMs: number): Promise<void> {
  await waitForSync(() => box.messages.length >= count, {
    timeoutMs,
    message: `${what}: ${count} message(s) expected, ${box.messages.length} received`,
  });
}

const VALID_STATUSES: readonly SynchronizerStatus[] = ['up', 'down', 'resubscribed'];

function expectHealthyStatuses(box: Inbox): void {
  for (const status of box.statuses) expect(VALID_STATUSES).toContain(status);
  expect(
    box.statuses.filter((status) => status !== 'up'),
    'no down/resubscribed on a healthy connection',
  ).toEqual([]);
}

/** @internal The behaviours of {@link describeSynchronizer}, callable one by one. */
export const synchronizerChecks: SynchronizerCheck[] = [
  {
    name: 'subscribe resolves only once confirmed: a message published right after is received',
    async run({ open, channel, timeoutMs }) {
      const subscriber = await open();
      const publisher = await open();
      for (let round = 0; round < 10; round++) {
        const box = inbox();
        const name = channel(`round${round}`);
        await subscribe(subscriber, name, box);
        await publisher.publish(name, text(`round ${round}`));
        await received(box, 1, `round ${round}`, timeoutMs);
        expect(read(box.messages[0]!)).toBe(`round ${round}`);
      }
    },
  },
  {
    name: 'bytes round-trip exactly (binary, empty, 64 kB, views with an offset)',
    async run({ open, channel, timeoutMs }) {
      const subscriber = await open();
      const publisher = await open();
      const name = channel();
      const box = inbox();
      await subscribe(subscriber, name, box);
      const cases = [
        allByteValues(),
        new Uint8Array(0),
        seededBytes(64 * 1024, 11),
        new Uint8Array([0xff, 0xfe, 0xc3, 0x28, 0x00]),
        new Uint8Array(allByteValues().buffer, 200, 17),
        Buffer.from('a buffer'),
      ];
      const expected = cases.map((bytes) => bytes.slice());
      for (const bytes of cases) await publisher.publish(name, bytes);
      await received(box, cases.length, 'every payload', timeoutMs);
      expect(box.messages).toHaveLength(cases.length);
      box.messages.forEach((message, i) => {
        expect(message, `message ${i} is a Uint8Array`).toBeInstanceOf(Uint8Array);
        expect(message.length, `message ${i} length`).toBe(expected[i]!.length);
        expect(bytesEqual(message, expected[i]!), `message ${i} bytes`).toBe(true);
      });
    },
  },
  {
    name: 'messages on other channels are not received (also prefixes and wildcard-looking names)',
    async run({ open, channel, timeoutMs }) {
      const subscriber = await open();
      const publisher = await open();
      const base = channel();
      const watched = [base, `${base}.*`, `${base}.>`, `${base}*`, `${base}?`];
      const others = [`${base}:x`, `${base}.a`, `${base}.a.b`, `${base}x`, base.slice(0, -1)];
      const boxes = watched.map(() => inbox());
      const otherBoxes = others.map(() => inbox());
      for (const [i, name] of watched.entries()) await subscribe(subscriber, name, boxes[i]!);
      // Separate listeners prove the decoy messages were really delivered before we conclude.
      const witness = await open();
      for (const [i, name] of others.entries()) await subscribe(witness, name, otherBoxes[i]!);
      for (const name of others) await publisher.publish(name, text(`decoy ${name}`));
      for (const name of watched) await publisher.publish(name, text(`own ${name}`));
      for (const [i, box] of otherBoxes.entries()) await received(box, 1, `decoy on ${others[i]}`, timeoutMs);
      for (const [i, box] of boxes.entries()) await received(box, 1, `message on ${watched[i]}`, timeoutMs);
      for (const [i, box] of boxes.entries()) {
        expect(box.messages.map(read), `subscriber of ${watched[i]}`).toEqual([`own ${watched[i]}`]);
      }
    },
  },
  {
    name: 'order from one publisher is preserved (200 awaited publishes)',
    async run({ open, channel, timeoutMs }) {
      const subscriber = await open();
      const publisher = await open();
      const name = channel();
      const box = inbox();
      await subscribe(subscriber, name, box);
      for (let i = 0; i < 200; i++) await publisher.publish(name, text(`${i}`));
      await received(box, 200, '200 messages', timeoutMs);
      expect(box.messages.map(read)).toEqual(Array.from({ length: 200 }, (_, i) => `${i}`));
    },
  },
  {
    name: 'order from one publisher is preserved (200 publishes not awaited one by one)',
    async run({ open, channel, timeoutMs }) {
      const subscriber = await open();
      const publisher = await open();
      const name = channel();
      const box = inbox();
      await subscribe(subscriber, name, box);
      await Promise.all(Array.from({ length: 200 }, (_, i) => publisher.publish(name, text(`${i}`))));
      await received(box, 200, '200 messages', timeoutMs);
      expect(box.messages.map(read)).toEqual(Array.from({ length: 200 }, (_, i) => `${i}`));
    },
  },
  {
    name: 'with several publishers, each publisher’s order is preserved',
    async run({ open, channel, timeoutMs }) {
      const subscriber = await open();
      const publishers = [await open(), await open(), await open()];
      const name = channel();
      const box = inbox();
      await subscribe(subscriber, name, box);
      await Promise.all(
        publishers.map(async (publisher, p) => {
          for (let i = 0; i < 50; i++) await publisher.publish(name, text(`${p}:${i}`));
        }),
      );
      await received(box, 150, '150 messages', timeoutMs);
      expect(box.messages).toHaveLength(150);
      for (let p = 0; p < publishers.length; p++) {
        const mine = box.messages.map(read).filter((message) => message.startsWith(`${p}:`));
        expect(mine).toEqual(Array.from({ length: 50 }, (_, i) => `${p}:${i}`));
      }
    },
  },
  {
    name: 'several subscribers (separate connections and one connection twice) all receive',
    async run({ open, channel, timeoutMs }) {
      const name = channel();
      const connections = [await open(), await open(), await open()];
      const boxes = [inbox(), inbox(), inbox(), inbox()];
      await subscribe(connections[0]!, name, boxes[0]!);
      await subscribe(connections[1]!, name, boxes[1]!);
      await subscribe(connections[2]!, name, boxes[2]!);
      await subscribe(connections[2]!, name, boxes[3]!);
      const publisher = await open();
      for (let i = 0; i < 5; i++) await publisher.publish(name, text(`${i}`));
      for (const [i, box] of boxes.entries()) await received(box, 5, `subscriber ${i}`, timeoutMs);
      for (const box of boxes) expect(box.messages.map(read)).toEqual(['0', '1', '2', '3', '4']);
    },
  },
  {
    name: 'unsubscribe stops delivery to that subscription only and is idempotent',
    async run({ open, channel, timeoutMs }) {
      const subscriber = await open();
      const publisher = await open();
      const name = channel();
      const gone = inbox();
      const kept = inbox();
      const subscription = await subscribe(subscriber, name, gone);
      await subscribe(subscriber, name, kept);
      await publisher.publish(name, text('before'));
      await received(gone, 1, 'before unsubscribe', timeoutMs);
      await received(kept, 1, 'before unsubscribe (kept)', timeoutMs);
      await subscription.unsubscribe();
      await subscription.unsubscribe();
      await publisher.publish(name, text('after'));
      await received(kept, 2, 'the remaining subscription still receives', timeoutMs);
      expect(gone.messages.map(read)).toEqual(['before']);
      expect(kept.messages.map(read)).toEqual(['before', 'after']);
    },
  },
  {
    name: 'subscribing again after unsubscribe works',
    async run({ open, channel, timeoutMs }) {
      const subscriber = await open();
      const publisher = await open();
      const name = channel();
      const first = inbox();
      const subscription = await subscribe(subscriber, name, first);
      await subscription.unsubscribe();
      const second = inbox();
      await subscribe(subscriber, name, second);
      await publisher.publish(name, text('again'));
      await received(second, 1, 'the new subscription', timeoutMs);
      expect(first.messages).toEqual([]);
    },
  },
  {
    name: 'publish and subscribe after close reject with a synced-cache error',
    async run({ open, channel }) {
      const synchronizer = await open();
      await synchronizer.close();
      const publishError = await synchronizer.publish(channel(), text('late')).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(publishError, 'publish after close must reject').toBeDefined();
      expect(SyncedCacheError.isInstance(publishError), `got ${String(publishError)}`).toBe(true);
      const subscribeError = await synchronizer
        .subscribe(
          channel(),
          () => {},
          () => {},
        )
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      expect(subscribeError, 'subscribe after close must reject').toBeDefined();
      expect(SyncedCacheError.isInstance(subscribeError), `got ${String(subscribeError)}`).toBe(true);
    },
  },
  {
    name: 'close is idempotent and stops delivery to its subscriptions',
    async run({ open, channel, timeoutMs }) {
      const closing = await open();
      const staying = await open();
      const publisher = await open();
      const name = channel();
      const closedBox = inbox();
      const openBox = inbox();
      await subscribe(closing, name, closedBox);
      await subscribe(staying, name, openBox);
      await closing.close();
      await expect(closing.close()).resolves.toBeUndefined();
      await publisher.publish(name, text('after close'));
      await received(openBox, 1, 'the open connection', timeoutMs);
      expect(closedBox.messages).toEqual([]);
    },
  },
  {
    name: "onStatus only reports valid statuses, and no 'down'/'resubscribed' on a healthy connection",
    async run({ open, channel, timeoutMs }) {
      const subscriber = await open();
      const publisher = await open();
      const name = channel();
      const box = inbox();
      await subscribe(subscriber, name, box);
      for (let i = 0; i < 20; i++) await publisher.publish(name, text(`${i}`));
      await received(box, 20, '20 messages', timeoutMs);
      expectHealthyStatuses(box);
    },
  },
  {
    name: 'declares a contract version core understands (or none)',
    async run({ open }) {
      const synchronizer = await open();
      if (synchronizer.contractVersion !== undefined)
        expect(synchronizer.contractVersion).toBe(CONTRACT_VERSION);
    },
  },
];

/**
 * Registers the synchronizer conformance suite. `factory()` is called several times per test;
 * each call must be an independent connection to the same bus (like separate pods). Behaviours:
 * `subscribe` resolves only once confirmed, bytes round-trip exactly, channels are literal (no
 * prefix or wildcard matching), per-publisher order, fan-out to every subscriber, `unsubscribe`,
 * `publish`/`subscribe` after close reject, idempotent close, sane statuses.
 *
 * @param name - shown in the test report
 * @param factory - opens a new connection to the shared bus
 * @param options - see {@link SynchronizerSuiteOptions}
 * @example
 * ```ts
 * import { describeSynchronizer } from '@synced-cache/testing';
 * import { createNatsSynchronizer } from '@synced-cache/nats';
 *
 * describeSynchronizer('nats', () => createNatsSynchronizer({ servers: server.url }));
 * ```
 */
export function describeSynchronizer(
  name: string,
  factory: () => Synchronizer | Promise<Synchronizer>,
  options: SynchronizerSuiteOptions = {},
): void {
  const channelPrefix = options.channelPrefix ?? 'sc-test.';
  describe(`Synchronizer conformance: ${name}`, () => {
    const opened: Synchronizer[] = [];
    afterEach(async () => {
      for (const synchronizer of opened.splice(0)) await synchronizer.close();
    });
    for (const check of synchronizerChecks) {
      it(check.name, async () => {
        const testId = randomId();
        await check.run({
          open: async () => {
            const synchronizer = await factory();
            opened.push(synchronizer);
            return synchronizer;
          },
          timeoutMs: options.timeoutMs ?? 5000,
          channel: (suffix) =>
            `${channelPrefix}${testId}${suffix === undefined ? `-${randomId(6)}` : `-${suffix}`}`,
        });
      });
    }
  });
}
