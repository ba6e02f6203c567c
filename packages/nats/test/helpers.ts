import { randomBytes } from 'node:crypto';
import type { Synchronizer, SynchronizerStatus } from '@synced-cache/core';

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
