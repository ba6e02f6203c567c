import { randomBytes } from 'node:crypto';
import { connect } from '@nats-io/transport-node';
import type { Synchronizer, SynchronizerStatus } from '@synced-cache/core';
import { waitForSync } from '@synced-cache/testing';

/** A random name part, so tests never see each other's channels or namespaces. */
export function randomName(label = 't'): string {
  return `${label}-${randomBytes(6).toString('hex')}`;
}

/** What one subscription received: messages (as text) and statuses, in order. */
export interface Received {
  readonly messages: string[];
  readonly statuses: SynchronizerStatus[];
}

/** Subscribes `synchronizer` to `channel` and records what arrives. */
export async function listen(synchronizer: Synchronizer, channel: string): Promise<Received> {
  const received: Received = { messages: [], statuses: [] };
  await synchronizer.subscribe(
    channel,
    (message) => received.messages.push(Buffer.from(message).toString()),
    (status) => received.statuses.push(status),
  );
  return received;
}

/** Registers cleanup steps that run after each test, last first. */
export function cleanupList(): { push(step: () => Promise<unknown> | unknown): void; run(): Promise<void> } {
  const steps: Array<() => Promise<unknown> | unknown> = [];
  return {
    push: (step) => void steps.push(step),
    run: async () => {
      for (const step of steps.splice(0).reverse()) await step();
    },
  };
}

/**
 * Wraps a synchronizer whose connection lives on the node `home` so that `subscribe` resolves only
 * once every other node of the cluster knows the subscription. A node tells its routes about a
 * subscription (RS+) in the order it processes SUBs, so once a probe subscription made on `home`
 * afterwards receives a message published on each other node, ours is known there too. Without it,
 * an event published on another node within a route round trip after `subscribe` resolved is
 * missed (see the README: a pod's first moments in a cluster).
 */
export function clusterWide(
  synchronizer: Synchronizer,
  home: string,
  others: readonly string[],
): Synchronizer {
  return {
    contractVersion: synchronizer.contractVersion,
    capabilities: synchronizer.capabilities,
    publish: (channel, message) => synchronizer.publish(channel, message),
    subscribe: async (channel, onMessage, onStatus) => {
      const subscription = await synchronizer.subscribe(channel, onMessage, onStatus);
      await interestEverywhere(home, others);
      return subscription;
    },
    close: () => synchronizer.close(),
  };
}

async function interestEverywhere(home: string, others: readonly string[]): Promise<void> {
  const probe = await connect({ servers: home });
  const publishers = await Promise.all(others.map((url) => connect({ servers: url })));
  try {
    const subject = `probe.${randomName()}`;
    const seen = new Set<string>();
    probe.subscribe(subject, {
      callback: (_error, message) => {
        seen.add(message.string());
      },
    });
    await probe.flush();
    await waitForSync(
      () => {
        publishers.forEach((publisher, index) => void publisher.publish(subject, String(index)));
        return seen.size === others.length;
      },
      { message: 'every node knows the subscription', timeoutMs: 5000 },
    );
  } finally {
    await Promise.allSettled([probe.close(), ...publishers.map((publisher) => publisher.close())]);
  }
}
