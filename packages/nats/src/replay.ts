import { randomBytes } from 'node:crypto';
import type {
  Consumer,
  ConsumerMessages,
  JetStreamClient,
  JetStreamManager,
  JsMsg,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { type SynchronizerCapabilities, SynchronizerError } from '@synced-cache/core';
import { type LinkEvent, loadPeer, type NatsLink, within } from './connection.js';
import type { NatsReplayOptions, NatsSettings } from './options.js';
import {
  callStatus,
  type Detach,
  deliver,
  type Listener,
  NatsSynchronizer,
  toSynchronizerError,
} from './synchronizer.js';

type JetStreamModule = typeof import('@nats-io/jetstream');

/** Bound of one JetStream API request (stream info, consumer creation), at least. */
const JETSTREAM_API_TIMEOUT_MS = 5000;

/**
 * Bound of one attempt of a request that is retried until its caller's deadline (see
 * `#answered`), at least.
 */
const JETSTREAM_ATTEMPT_MS = 1000;

/** Events a replay-mode synchronizer holds during an outage, at most. */
export const MAX_QUEUED = 10_000;

/** One subscription's JetStream feed: its subject, the last stream sequence it delivered, its consumer. */
interface Feed {
  readonly listener: Listener;
  readonly subject: string;
  /** Stream sequence of the last message delivered to core. */
  seq: number;
  /** Bumped when the consumer is replaced, so a stopped consumer's late messages are ignored. */
  generation: number;
  consumer: Consumer | undefined;
  messages: ConsumerMessages | undefined;
  /** The consumer's `name_prefix`: nats.js names it `<prefix>_1`, and `_2`, `_3`… after each reset. */
  prefix: string;
  /** The consumer's serials below this one were queued for a delete already. */
  queuedBelow: number;
}

interface JetStreamHandles {
  readonly module: JetStreamModule;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  /** A `jsm` whose requests wait one attempt (`JETSTREAM_ATTEMPT_MS`), for `#answered`. */
  readonly attemptJsm: JetStreamManager;
}

/** Whether `error` is a request nobody answered in time (nats.js' `TimeoutError`). */
function isUnanswered(error: unknown): boolean {
  return error instanceof Error && error.name === 'TimeoutError';
}

/** Consumer names waiting for a delete at most (beyond that the oldest are left to the server). */
const MAX_ORPHANS = 1000;
/** How long the server keeps an abandoned ordered consumer (nats.js' inactive threshold): no delete is needed after it. */
const ORDERED_INACTIVE_MS = 5 * 60_000;

/** The serial of an ordered consumer named `<prefix>_<serial>` (nats.js numbers them from 1). */
function serialOf(name: string, prefix: string): number {
  return name.startsWith(`${prefix}_`) ? Number(name.slice(prefix.length + 1)) || 0 : 0;
}

/** Whether `error` is the JetStream API error `code`, or an error whose message says `message`. */
function isApiError(error: unknown, code: number, message: RegExp): boolean {
  const errCode = (error as { apiError?: () => { err_code?: number } })?.apiError?.()?.err_code;
  return errCode === code || (error instanceof Error && message.test(error.message));
}

/** Whether `error` says the consumer does not exist (JetStream API error 10014): already deleted. */
function isConsumerNotFound(error: unknown): boolean {
  return isApiError(error, 10014, /consumer not found/i);
}

/** Whether `error` says the stream does not exist (JetStream API error 10059). */
function isStreamNotFound(error: unknown): boolean {
  return isApiError(error, 10059, /stream not found/i);
}

/**
 * The NATS synchronizer in **replay mode**: events are published on the same subjects as in core
 * mode (core-mode pods on the same subjects interoperate) and a JetStream stream captures them
 * (`<subjectPrefix>.>`, bounded by `maxAgeMs` and `maxMessages`, created when missing). Each
 * subscription reads through an ordered JetStream consumer and remembers the stream sequence of the
 * last message it delivered.
 *
 * When the connection is lost the pod keeps serving its local tier for up to `graceMs` (the
 * staleness bound of this mode) without reporting anything. Once the connection is back, each
 * subscription gets a new consumer starting right after its last sequence, so core receives what
 * it missed, in order, and nothing is flushed. The pod falls back to what core mode does — `down`,
 * then `resubscribed`, so core flushes — when the outage outlasts `graceMs`, when the stream no
 * longer holds the sequence after the last one seen (`first_seq` moved past it: expired by
 * `maxAgeMs`, pushed out by `maxMessages`, or the stream was recreated), or when the catch-up does
 * not finish within `graceMs` of the reconnect.
 */
export class NatsReplaySynchronizer extends NatsSynchronizer {
  override readonly capabilities: SynchronizerCapabilities = { ordered: true, replay: true };
  readonly #replay: Required<NatsReplayOptions>;
  readonly #feeds = new Map<Listener, Feed>();
  #handles: { connection: NatsConnection; handles: Promise<JetStreamHandles> } | undefined;
  #streamReady: Promise<void> | undefined;
  #graceTimer: NodeJS.Timeout | undefined;
  /** The connection is lost (as the link says). */
  #linkDown = false;
  /** `down` was reported to core for the current outage. */
  #reportedDown = false;
  /** Bumped per outage, so a catch-up that finishes late does not speak for a newer outage. */
  #outage = 0;
  /** Events published during the current outage, sent after the reconnect. */
  #queue: Array<{ channel: string; message: Uint8Array }> = [];
  #probing = false;
  /** A catch-up is restarting the feeds: the probe leaves them alone. */
  #catchingUp = 0;
  /**
   * Server consumers this synchronizer no longer reads, by name, with when they were queued: the
   * ones it replaced or stopped, and the ones nats.js replaced by itself (an ordered consumer that
   * missed heartbeats is recreated under the next serial, and nats.js' own delete of the old one
   * is not retried). A delete sent while the link is down or stalled fails, and the server keeps
   * an abandoned ordered consumer for 5 minutes, one more per flap of the link: they are deleted
   * after each answered health check until the server confirms, and at close.
   */
  readonly #orphans = new Map<string, number>();
  #deletingOrphans = false;
  /** Makes each consumer's `name_prefix` unique to this synchronizer. */
  readonly #prefixBase = `sc${randomBytes(6).toString('hex')}`;
  #prefixes = 0;

  /** @internal Use `createNatsSynchronizer({ …, replay })`. */
  constructor(link: NatsLink, settings: NatsSettings, replay: Required<NatsReplayOptions>) {
    super(link, settings);
    this.#replay = replay;
    // Load the JetStream client and check the stream now, so the cache's first subscribe (bounded
    // by its timeout) finds them ready. A failure is reported by the call that waits for it.
    if (link.owned) {
      link
        .ready()
        .then((connection) => this.#ensureStream(connection))
        .catch(() => undefined);
    }
  }

  /**
   * The health check of the feeds, beside the connection's own: a consumer can die while the
   * connection stays up — on a JetStream cluster, the node holding it (or the stream's leader)
   * went away — and nats.js' ordered consumer notices only after two missed idle heartbeats
   * (30 s by default), while core hears nothing. After each answered health check of the
   * connection (so at most one probe per interval, and none while it is down), each feed's
   * consumer is asked for its info; one
   * that does not answer within `healthCheckTimeoutMs`, or a feed left without a consumer (a
   * catch-up that failed while the cluster elected a leader), gets a new consumer starting right
   * after the feed's last sequence, so nothing is lost.
   */
  async #probeFeeds(): Promise<void> {
    if (this.#probing || this.#catchingUp > 0 || this.#linkDown || this.closed || this.#feeds.size === 0)
      return;
    this.#probing = true;
    try {
      const connection = await this.link.ready();
      for (const feed of [...this.#feeds.values()]) {
        const { consumer, messages, generation } = feed;
        const alive =
          consumer !== undefined &&
          messages !== undefined &&
          (await within(
            consumer.info(false),
            this.settings.healthCheckTimeoutMs,
            'consumer info',
            'subscribe',
          ).then(
            () => true,
            () => false,
          ));
        if (alive || feed.generation !== generation || this.#catchingUp > 0 || this.#linkDown || this.closed)
          continue;
        await this.#consume(connection, feed).catch(() => undefined);
      }
    } catch {
      // the connection is down: the link's own events take over
    } finally {
      this.#probing = false;
    }
  }

  #jetstream(connection: NatsConnection): Promise<JetStreamHandles> {
    if (this.#handles?.connection !== connection) {
      const handles = (async () => {
        const module = await loadPeer('@nats-io/jetstream', () => import('@nats-io/jetstream'));
        // Each JetStream API request is bounded on its own; the calls that wait for them are
        // bounded by core's timeout (a subscribe) or by `graceMs` (a catch-up).
        const timeout = Math.max(JETSTREAM_API_TIMEOUT_MS, this.settings.healthCheckTimeoutMs);
        const jsm = await module.jetstreamManager(connection, { timeout });
        const attempt = Math.max(JETSTREAM_ATTEMPT_MS, this.settings.healthCheckTimeoutMs);
        const attemptJsm = await module.jetstreamManager(connection, { timeout: attempt, checkAPI: false });
        return { module, js: module.jetstream(connection, { timeout }), jsm, attemptJsm };
      })();
      handles.catch(() => {
        if (this.#handles?.handles === handles) this.#handles = undefined;
      });
      this.#handles = { connection, handles };
    }
    return this.#handles.handles;
  }

  /**
   * `request` on `attemptJsm` (one attempt waits `JETSTREAM_ATTEMPT_MS`), made again while
   * nobody answers it, until `deadline` (epoch ms); another error, or no answer by then, throws.
   * A clustered stream whose leader's node died answers nothing until its peers elect another
   * (seconds). A 5 s request sent meanwhile fails only at its timeout, and the next one starts
   * after it: feeds resumed up to 5 s after the stream did (10.1–10.5 s without events on pods
   * whose own node lived, in a probe). Short attempts resume them within one attempt of the
   * election.
   */
  async #answered<T>(
    connection: NatsConnection,
    request: (jsm: JetStreamManager) => Promise<T>,
    deadline: number,
  ): Promise<T> {
    const { attemptJsm } = await this.#jetstream(connection);
    for (;;) {
      const started = Date.now();
      try {
        return await request(attemptJsm);
      } catch (error) {
        if (!isUnanswered(error) || Date.now() >= deadline || this.closed) throw error;
        // An attempt that failed at once (not a wait for an answer) must not spin.
        const elapsed = Date.now() - started;
        if (elapsed < JETSTREAM_ATTEMPT_MS / 10)
          await new Promise((resolve) => setTimeout(resolve, JETSTREAM_ATTEMPT_MS / 10 - elapsed));
      }
    }
  }

  /** The stream's info, asked again while unanswered (a stream electing a leader) until `deadline`. */
  #streamInfo(connection: NatsConnection, deadline: number): ReturnType<JetStreamManager['streams']['info']> {
    return this.#answered(connection, (jsm) => jsm.streams.info(this.#replay.stream), deadline);
  }

  /** Makes sure the stream exists (creating it when missing); remembered once it succeeded. */
  #ensureStream(connection: NatsConnection): Promise<void> {
    if (this.#streamReady === undefined) {
      const ready = this.#createStreamIfMissing(connection);
      this.#streamReady = ready;
      ready.catch(() => {
        if (this.#streamReady === ready) this.#streamReady = undefined;
      });
    }
    return this.#streamReady;
  }

  async #createStreamIfMissing(connection: NatsConnection): Promise<void> {
    const { jsm, module } = await this.#jetstream(connection);
    const name = this.#replay.stream;
    try {
      await jsm.streams.info(name);
      return;
    } catch (error) {
      if (!isStreamNotFound(error)) throw error;
    }
    try {
      await jsm.streams.add({
        name,
        subjects: [`${this.settings.subjectPrefix}.>`],
        max_age: this.#replay.maxAgeMs * 1_000_000,
        max_msgs: this.#replay.maxMessages,
        discard: module.DiscardPolicy.Old,
        storage: module.StorageType.File,
        num_replicas: this.#replay.replicas,
      });
    } catch (error) {
      // Another pod created it first.
      await jsm.streams.info(name).catch(() => {
        throw error;
      });
    }
  }

  /**
   * Publishes like core mode (the stream captures the subject); the first publish makes sure the
   * stream exists, so events are kept from the start.
   *
   * While the connection is lost, within the grace period, events wait in this synchronizer's own
   * queue (at most 10,000 of them) and leave in order right after the reconnect, before
   * anything newer. Failing them instead would make core publish each again under a new sequence
   * number, and the skipped number would make every peer flush — the very flush replay mode avoids.
   * nats.js cannot be left to buffer them: it discards its outbound buffer on every connection
   * attempt (`prepare()` → `resetOutbound()` in nats-core 3.4).
   */
  override async publish(channel: string, message: Uint8Array): Promise<void> {
    if (this.#streamReady === undefined && !this.closed) {
      try {
        await this.#ensureStream(await this.link.ready());
      } catch (error) {
        throw toSynchronizerError(error, 'publish');
      }
    }
    if ((this.link.down || this.#queue.length > 0) && !this.#reportedDown && !this.closed) {
      if (this.#queue.length >= MAX_QUEUED) {
        throw new SynchronizerError(
          `nats publish failed: ${MAX_QUEUED} events already wait for the reconnect`,
          {
            action: 'publish',
          },
        );
      }
      this.#queue.push({ channel, message });
      return;
    }
    return super.publish(channel, message);
  }

  /** Sends the events queued during the outage, in order. */
  #sendQueued(connection: NatsConnection): void {
    const queued = this.#queue;
    this.#queue = [];
    for (const [index, { channel, message }] of queued.entries()) {
      try {
        connection.publish(this.subject(channel), message);
      } catch {
        // The connection failed again: keep the rest for the next reconnect.
        this.#queue = queued.slice(index).concat(this.#queue);
        return;
      }
    }
  }

  /**
   * Reads the channel's subject through an ordered consumer that starts right after the stream's
   * current last message, so nothing published after `subscribe` resolves is missed.
   */
  protected override async attach(
    connection: NatsConnection,
    channel: string,
    listener: Listener,
  ): Promise<Detach> {
    await this.#ensureStream(connection);
    const { jsm } = await this.#jetstream(connection);
    const info = await jsm.streams.info(this.#replay.stream);
    const feed: Feed = {
      listener,
      subject: this.subject(channel),
      seq: info.state.last_seq,
      generation: 0,
      consumer: undefined,
      messages: undefined,
      prefix: '',
      queuedBelow: 1,
    };
    await this.#consume(connection, feed);
    this.#feeds.set(listener, feed);
    return () => {
      this.#feeds.delete(listener);
      feed.generation++;
      void feed.messages?.close().catch(() => undefined);
      this.#abandon(feed.consumer, feed.prefix);
    };
  }

  /**
   * (Re)starts `feed`'s consumer right after its last delivered sequence; the stream is asked
   * until `deadline` (see `#answered`). The consumer's own requests (its creation, and its
   * re-creations by nats.js, which retries them) keep the full request bound.
   */
  async #consume(
    connection: NatsConnection,
    feed: Feed,
    deadline = Date.now() + JETSTREAM_API_TIMEOUT_MS,
  ): Promise<void> {
    const { js, module } = await this.#jetstream(connection);
    const generation = ++feed.generation;
    void feed.messages?.close().catch(() => undefined);
    // The server keeps an abandoned ordered consumer for 5 minutes (nats.js' inactive threshold):
    // delete the one this replaces, or every reconnect leaves one behind.
    this.#abandon(feed.consumer, feed.prefix);
    // Until the new consumer runs, the feed has none (the probe restarts a feed left so).
    feed.consumer = undefined;
    feed.messages = undefined;
    const prefix = `${this.#prefixBase}_${++this.#prefixes}`;
    feed.prefix = prefix;
    feed.queuedBelow = 1;
    // `consumers.get` asks for the stream's info first, and a stream electing a leader answers
    // nothing: ask in short attempts until it answers, then make the consumer with the full
    // request bound (its creation, and nats.js' re-creations, can take over a second while the
    // cluster is still placing consumers after a node's death).
    await this.#streamInfo(connection, deadline);
    const consumer = await js.consumers.get(this.#replay.stream, {
      name_prefix: prefix,
      filter_subjects: feed.subject, // one subject: `filter_subject`, which servers before 2.10 understand
      deliver_policy: module.DeliverPolicy.StartSequence,
      opt_start_seq: feed.seq + 1,
    });
    const messages = await consumer.consume({
      callback: (message: JsMsg) => {
        if (feed.generation !== generation || !feed.listener.active || message.seq <= feed.seq) return;
        feed.seq = message.seq;
        deliver(feed.listener, message.data);
      },
    });
    if (feed.generation !== generation) {
      // Replaced (or stopped by an outage) while it started: nothing will delete it later, so do
      // it now, or the server keeps it for the inactive threshold.
      void messages.close().catch(() => undefined);
      this.#abandon(consumer, prefix);
      return;
    }
    feed.consumer = consumer;
    feed.messages = messages;
  }

  /** `consumer` (named `<prefix>_<serial>`) is no longer read: every serial of it goes (see `#orphans`). */
  #abandon(consumer: Consumer | undefined, prefix: string): void {
    if (consumer === undefined) return;
    void consumer.info(true).then(
      (info) => {
        this.#queueOrphans(prefix, 1, serialOf(info.name, prefix) + 1);
        void this.#deleteOrphans();
      },
      () => undefined,
    );
  }

  /** Queues `<prefix>_<serial>` for every serial from `from` to below `below`. */
  #queueOrphans(prefix: string, from: number, below: number): void {
    const now = Date.now();
    for (let serial = from; serial < below; serial++) {
      if (this.#orphans.size >= MAX_ORPHANS) {
        const oldest = this.#orphans.keys().next().value;
        if (oldest !== undefined) this.#orphans.delete(oldest);
      }
      this.#orphans.set(`${prefix}_${serial}`, now);
    }
  }

  /** Queues the consumers nats.js replaced by itself since the last look (serials below the current one). */
  async #queueReplaced(): Promise<void> {
    for (const feed of this.#feeds.values()) {
      const { consumer, prefix } = feed;
      if (consumer === undefined) continue;
      const serial = serialOf((await consumer.info(true)).name, prefix);
      if (feed.prefix !== prefix || serial <= feed.queuedBelow) continue;
      this.#queueOrphans(prefix, feed.queuedBelow, serial);
      feed.queuedBelow = serial;
    }
  }

  /** One round of deletes of the queued consumers (one round at a time); what fails stays queued. */
  async #deleteOrphans(): Promise<void> {
    if (this.#deletingOrphans || this.closed || this.#linkDown || this.#orphans.size === 0) return;
    this.#deletingOrphans = true;
    try {
      const { jsm } = await this.#jetstream(await this.link.ready());
      const now = Date.now();
      await Promise.all(
        [...this.#orphans].map(async ([name, queuedAt]) => {
          try {
            await jsm.consumers.delete(this.#replay.stream, name);
            this.#orphans.delete(name);
          } catch (error) {
            // Gone already, or the server dropped it by itself by now.
            if (isConsumerNotFound(error) || now - queuedAt > ORDERED_INACTIVE_MS) this.#orphans.delete(name);
          }
        }),
      );
    } catch {
      // the connection is down: the next answered health check tries again
    } finally {
      this.#deletingOrphans = false;
    }
  }

  protected override onLinkEvent(event: LinkEvent, error?: unknown): void {
    if (this.closed) return;
    if (event === 'healthy') {
      void this.#probeFeeds();
      void this.#queueReplaced()
        .catch(() => undefined)
        .then(() => this.#deleteOrphans());
      return;
    }
    if (event === 'down') {
      if (this.#linkDown) return;
      this.#linkDown = true;
      this.#outage++;
      // nats.js would resume an ordered consumer by itself after the reconnect, from wherever the
      // stream now starts: stop it, so the catch-up first checks that nothing was pushed out.
      for (const feed of this.#feeds.values()) {
        feed.generation++;
        void feed.messages?.close().catch(() => undefined);
        feed.messages = undefined;
      }
      this.#startGrace(error);
      return;
    }
    this.#linkDown = false;
    const outage = this.#outage;
    void this.link.ready().then((connection) => {
      if (!this.#linkDown && !this.closed) this.#sendQueued(connection);
      return this.#catchUp(outage);
    });
  }

  /** Starts (or restarts) the grace period; when it ends before the catch-up did, core hears `down`. */
  #startGrace(error: unknown): void {
    clearTimeout(this.#graceTimer);
    if (this.#replay.graceMs === 0) {
      this.#reportDown(error);
      return;
    }
    this.#graceTimer = setTimeout(() => {
      this.#graceTimer = undefined;
      this.#reportDown(error);
    }, this.#replay.graceMs);
    this.#graceTimer.unref();
  }

  #reportDown(error: unknown): void {
    if (this.#reportedDown || this.closed) return;
    this.#reportedDown = true;
    // Core stops trusting the bus now and resyncs later; peers see the gap the dropped events
    // leave and flush too. Publishes fail fast from here on, as in core mode.
    this.#queue = [];
    for (const listener of this.listeners.keys()) callStatus(listener, 'down', error);
  }

  /** Core flushes: `down` (unless already said) then `resubscribed`. */
  #flush(error: unknown): void {
    clearTimeout(this.#graceTimer);
    this.#graceTimer = undefined;
    this.#reportDown(error);
    this.#reportedDown = false;
    for (const listener of this.listeners.keys()) callStatus(listener, 'resubscribed');
  }

  /**
   * The connection is back: check the stream still holds what each feed missed, restart each
   * feed's consumer after its last sequence, and wait (within `graceMs`) until every feed reached
   * its subject's last message. Then the outage is covered (nothing reported, or `resubscribed` if
   * `down` was already reported); otherwise core flushes.
   */
  async #catchUp(outage: number): Promise<void> {
    const deadline = Date.now() + Math.max(this.#replay.graceMs, this.settings.healthCheckTimeoutMs);
    this.#catchingUp++;
    try {
      const connection = await this.link.ready();
      let info: Awaited<ReturnType<JetStreamManager['streams']['info']>>;
      try {
        info = await this.#streamInfo(connection, deadline);
      } catch (error) {
        if (!isStreamNotFound(error)) throw error;
        this.#streamReady = undefined;
        await this.#ensureStream(connection);
        info = await this.#streamInfo(connection, deadline);
      }
      const feeds = [...this.#feeds.values()];
      const { first_seq: first, last_seq: last } = info.state;
      // A sequence after the last one seen is gone (expired, pushed out, or the stream was
      // recreated and numbers again from 1): what was lost cannot be replayed.
      const lost = feeds.filter((feed) => (last > feed.seq && first > feed.seq + 1) || last < feed.seq);
      if (lost.length > 0) {
        for (const feed of lost) feed.seq = Math.max(0, first - 1);
        await Promise.all(feeds.map((feed) => this.#consume(connection, feed, deadline)));
        if (outage === this.#outage)
          this.#flush(new Error('the replay stream no longer holds the missed events'));
        return;
      }
      const targets = await Promise.all(
        feeds.map(async (feed) => {
          const stored = await this.#answered(
            connection,
            (jsm) => jsm.streams.getMessage(this.#replay.stream, { last_by_subj: feed.subject }),
            deadline,
          );
          return stored?.seq ?? 0;
        }),
      );
      await Promise.all(feeds.map((feed) => this.#consume(connection, feed, deadline)));
      while (feeds.some((feed, i) => feed.seq < (targets[i] as number) && this.#feeds.has(feed.listener))) {
        if (Date.now() > deadline)
          throw new Error(`the replay did not catch up within ${this.#replay.graceMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      if (outage !== this.#outage || this.#linkDown || this.closed) return;
      clearTimeout(this.#graceTimer);
      this.#graceTimer = undefined;
      if (this.#reportedDown) {
        // Core already stopped serving its local tier and will resync; the replay kept the order.
        this.#reportedDown = false;
        for (const listener of this.listeners.keys()) callStatus(listener, 'resubscribed');
      }
    } catch (error) {
      if (outage === this.#outage && !this.#linkDown && !this.closed) this.#flush(error);
    } finally {
      this.#catchingUp--;
    }
  }

  override async close(): Promise<void> {
    clearTimeout(this.#graceTimer);
    const feeds = [...this.#feeds.values()];
    for (const feed of feeds) {
      feed.generation++;
      await feed.messages?.close().catch(() => undefined);
    }
    // Leave no consumer behind on the server (bounded: a server that does not answer keeps it
    // until its inactive threshold).
    const orphans = [...this.#orphans.keys()];
    this.#orphans.clear();
    const jsm = orphans.length === 0 ? undefined : this.#handles?.handles.then((handles) => handles.jsm);
    await within(
      Promise.allSettled([
        ...feeds.map((feed) => feed.consumer?.delete()),
        ...orphans.map((name) => jsm?.then((manager) => manager.consumers.delete(this.#replay.stream, name))),
      ]),
      this.settings.healthCheckTimeoutMs,
      'consumer delete',
      'close',
    ).catch(() => undefined);
    this.#feeds.clear();
    await super.close();
  }
}
