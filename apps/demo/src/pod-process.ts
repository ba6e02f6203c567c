/**
 * Entry point of a demo pod running as its own process (real servers). The coordinator forks it
 * with an IPC channel and sends `init` first; the pod opens its own connections.
 */
import { openRedis } from './backends.js';
import { DemoPod } from './pod.js';
import type { Channel, FromPod, ToPod } from './protocol.js';

if (process.send === undefined) {
  console.error('pod-process.ts is started by the demo (apps/demo/src/main.ts), not on its own');
  process.exit(2);
}

const channel: Channel<ToPod, FromPod> = {
  send: (message) => {
    if (process.connected) process.send!(message);
  },
  onMessage: (handler) => {
    process.on('message', (message) => handler(message as ToPod));
  },
};

function fail(error: unknown): void {
  channel.send({ type: 'failed', message: (error as Error)?.message ?? String(error) });
  setTimeout(() => process.exit(1), 100).unref();
}

// The coordinator going away (Ctrl-C, a crash) ends the pod too.
process.on('disconnect', () => process.exit(0));

process.once('message', (message: ToPod) => {
  if (message.type !== 'init') return fail(new Error(`expected init, got ${message.type}`));
  // After `stopped` the coordinator disconnects, which ends this process.
  openRedis(message.config).then((backend) => new DemoPod(message.config, backend, channel), fail);
});
