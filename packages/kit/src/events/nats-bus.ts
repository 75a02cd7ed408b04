import { createHash } from 'node:crypto';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  type ConsumerInfo,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import type { Logger } from 'pino';
import type { Bus, Subscription } from './bus.js';
import type { EventEnvelope } from './envelope.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * How long JetStream waits for a message's acknowledgement before it hands it
 * to another replica: what a replica killed with SIGKILL costs the events it
 * held. A live replica says it is still working on what it holds every
 * HEARTBEAT_MS, so a long batch (or one retried while its database is away) is
 * not taken from it meanwhile.
 */
export const ACK_WAIT_MS = 3000;
const HEARTBEAT_MS = 1000;
/** How many messages a partition's pull asks for; with 4, every message delivered sent another pull request. */
const PULL_BATCH = 64;

/** How many partitions the events are spread over by key, by default: as many events as this, of different keys, go in one batch. */
export const PARTITIONS = 32;

/** The partition of an event's key: the same key, the same partition, on every publisher. */
export function partitionOf(key: string, partitions: number): number {
  return createHash('sha1').update(key).digest().readUInt32BE(0) % partitions;
}

export interface NatsBusOptions {
  /** e.g. nats://127.0.0.1:4222 */
  url: string;
  /** The JetStream stream holding every event; one per platform. */
  stream?: string;
  /** Subjects are `<prefix>.<EventType>`. */
  subjectPrefix?: string;
  batchSize?: number;
  /** Partitions by key (default PARTITIONS); every process of a platform must use the same number. */
  partitions?: number;
  /**
   * Which consumer groups handle each event type (see busRoutes): the subject of an event names
   * them, so a group's consumers are delivered its own types and no others. Every process of a
   * platform must be given the same routes.
   */
  routes: Routes;
}

/** Event type → the consumer groups that handle it. */
export type Routes = Record<string, readonly string[]>;

/**
 * The routes of a platform from what each consumer group handles: every group that handles a
 * type is sent it.
 */
export function busRoutes(groups: readonly { group: string; types: readonly string[] }[]): Routes {
  const routes: Record<string, string[]> = {};
  for (const { group, types } of groups) for (const type of new Set(types)) (routes[type] ??= []).push(group);
  return routes;
}

/**
 * The distributed bus: NATS JetStream. Events are kept in one stream after
 * delivery (like the embedded log), under
 * `<prefix>.<partition>.<mark>.<mark>...<EventType>`: the partition a hash of
 * the event's key, then one mark per consumer group of the platform (in the
 * routes' order of groups), `y` when that group handles the type and `n`
 * otherwise. A group's consumers filter on `y` in its own place and `*` in
 * every other, so each event is stored once and delivered only to the groups
 * that handle it (this server predates multi-subject filters, 2.10; a group
 * that was delivered every type and acknowledged most unread cost JetStream and
 * every process a message and an acknowledgement per event and group, the
 * largest share of the cluster's CPU). Each consumer group is one durable
 * pull consumer per partition, shared by every replica of the service, and
 * each lets one event at a time be unacknowledged (max_ack_pending 1): the
 * next event of a partition is delivered, to whichever replica asks, only
 * once the one before is handled. So events of one key (one order, one SKU)
 * are handled in publish order even with several replicas, and the replicas
 * share the partitions' events between them; a replica's batch holds at most
 * one event per partition. Publishing sets the event id as the message id, so
 * a relay that republishes after a crash stores it once (within the stream's
 * duplicate window). A batch is acknowledged after it was handled; a failed
 * batch is tried again; what a killed replica held goes to another after
 * ACK_WAIT_MS, still first in its partition.
 */
export class NatsBus implements Bus {
  private readonly subscriptions: Subscription[] = [];
  private readonly loops: Promise<void>[] = [];
  private readonly stoppers: (() => Promise<unknown>)[] = [];
  private stopping = false;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly logger: Logger,
    private readonly stream: string,
    private readonly prefix: string,
    private readonly batchSize: number,
    private readonly partitions: number,
    private readonly routes: Routes,
  ) {
    this.groups = [...new Set(Object.values(routes).flat())].sort();
  }

  /** Every consumer group of the platform, in the order of their marks in a subject. */
  private readonly groups: string[];
  /** The marks of each event type's subject, worked out once per type. */
  private readonly marks = new Map<string, string>();

  static async connect(opts: NatsBusOptions, logger: Logger): Promise<NatsBus> {
    // noAsyncTraces: every request (each JetStream publish is one) otherwise builds an Error up front for the
    // caller's stack, should it fail: 1-4 % of a relaying service's CPU in the distributed bench's profiles.
    const nc = await connect({ servers: opts.url, name: 'omnishop', maxReconnectAttempts: -1, noAsyncTraces: true });
    const jsm = await jetstreamManager(nc);
    const stream = opts.stream ?? 'OMNISHOP';
    const prefix = opts.subjectPrefix ?? 'omnishop.events';
    try {
      await jsm.streams.info(stream);
    } catch {
      await jsm.streams.add({ name: stream, subjects: [`${prefix}.>`], duplicate_window: 2 * 60 * 1_000_000_000 });
    }
    return new NatsBus(nc, jetstream(nc), jsm, logger, stream, prefix, opts.batchSize ?? 200, opts.partitions ?? PARTITIONS, opts.routes);
  }

  async publish(envelopes: EventEnvelope[]): Promise<void> {
    // Sent in order on one connection, so the stream stores them in outbox order; each is durable when acknowledged.
    await Promise.all(envelopes.map((e) => this.js.publish(this.subjectOf(e), JSON.stringify(e), { msgID: e.id })));
  }

  /** `<prefix>.<partition>.<a mark per group>.<EventType>`: see the class. */
  private subjectOf(e: EventEnvelope): string {
    let marks = this.marks.get(e.type);
    if (marks === undefined) {
      const to = new Set(this.routes[e.type] ?? []);
      marks = this.groups.map((g) => (to.has(g) ? 'y' : 'n')).join('.');
      this.marks.set(e.type, marks);
    }
    return `${this.prefix}.${partitionOf(e.key, this.partitions)}.${marks ? `${marks}.` : ''}${e.type}`;
  }

  /** What the consumers of one partition of a group filter on: its own mark `y`, any other, any type. */
  private filterOf(group: string, partition: number): string {
    const marks = this.groups.map((g) => (g === group ? 'y' : '*')).join('.');
    return `${this.prefix}.${partition}.${marks ? `${marks}.` : ''}*`;
  }

  subscribe(subscription: Subscription): void {
    this.subscriptions.push(subscription);
  }

  /** The durable consumer of one partition of a group. */
  private consumerName(group: string, partition: number): string {
    return `${group}_p${partition}`;
  }

  private range(): number[] {
    return Array.from({ length: this.partitions }, (_, p) => p);
  }

  /**
   * Makes (or brings up to date) the consumer of one partition of a group. One whose filter no longer
   * fits (the platform's groups changed, or the subjects of an older build) is made anew: what it
   * could be delivered under its old filter does not match the new, so it has no place to keep.
   */
  private async ensureConsumer(group: string, partition: number): Promise<void> {
    const name = this.consumerName(group, partition);
    const wanted = { ack_wait: ACK_WAIT_MS * 1_000_000, max_ack_pending: 1 };
    const filter = this.filterOf(group, partition);
    let info = await this.jsm.consumers.info(this.stream, name).catch(() => undefined);
    if (info && info.config.filter_subject !== filter) {
      this.logger.warn({ group, partition, was: info.config.filter_subject, now: filter }, 'consumer filter changed; making the consumer anew');
      await this.jsm.consumers.delete(this.stream, name);
      info = undefined;
    }
    if (!info) {
      await this.jsm.consumers.add(this.stream, {
        durable_name: name,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        filter_subject: filter,
        ...wanted,
      });
    } else if (info.config.ack_wait !== wanted.ack_wait || info.config.max_ack_pending !== wanted.max_ack_pending) {
      await this.jsm.consumers.update(this.stream, name, wanted);
    }
  }

  /** A subscription the routes do not send all its types to would wait for them forever: refused at start. */
  private checkRouted(sub: Subscription): void {
    const missing = sub.types.filter((type) => !(this.routes[type] ?? []).includes(sub.group));
    if (missing.length) throw new Error(`the bus routes do not send ${missing.join(', ')} to consumer group ${sub.group}: give NatsBus routes that include it (busRoutes)`);
  }

  async start(): Promise<void> {
    this.stopping = false;
    for (const sub of this.subscriptions) this.checkRouted(sub);
    for (const sub of this.subscriptions) {
      await Promise.all(this.range().map((p) => this.ensureConsumer(sub.group, p)));
      this.loops.push(this.deliver(sub));
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.stoppers.splice(0).map((stop) => stop()));
    await Promise.all(this.loops.splice(0));
  }

  async ping(): Promise<void> {
    await this.nc.rtt();
  }

  async close(): Promise<void> {
    await this.stop();
    await this.nc.drain();
  }

  /** The partition consumers of `group` that exist. */
  private async partitionsOf(group: string): Promise<ConsumerInfo[]> {
    const found: ConsumerInfo[] = [];
    const names = new Set(this.range().map((p) => this.consumerName(group, p)));
    for await (const info of this.jsm.consumers.list(this.stream)) if (names.has(info.name)) found.push(info);
    return found;
  }

  async lag(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const sub of this.subscriptions) {
      out[sub.group] = (await this.partitionsOf(sub.group)).reduce((n, info) => n + info.num_pending + info.num_ack_pending, 0);
    }
    return out;
  }

  /**
   * A partition's first unacknowledged message comes after its ack floor, so
   * the stream's message right after the floor is no younger: the oldest of
   * those over the group's partitions bounds what may come again. A group (or a
   * partition) not yet made will read everything.
   */
  async oldestUnacknowledged(group: string): Promise<Date | undefined> {
    const infos = await this.partitionsOf(group).catch(() => []);
    if (infos.length < this.partitions) return new Date(0);
    const behind = infos.filter((info) => info.num_pending + info.num_ack_pending > 0);
    if (!behind.length) return undefined;
    const times = await Promise.all(
      // Gone (a stream limit dropped it): say nothing is known, and nothing is forgotten.
      behind.map(async (info) => (await this.jsm.streams.getMessage(this.stream, { seq: info.ack_floor.stream_seq + 1 }).catch(() => undefined))?.time ?? new Date(0)),
    );
    return new Date(Math.min(...times.map((t) => t.getTime())));
  }

  /**
   * An ordered consumer of its own (ephemeral, no acknowledgements) from the first message stored at
   * or after `from`, read until it has caught up with the stream; the durable groups are untouched.
   */
  async replay(types: string[], from: Date, handle: (batch: EventEnvelope[]) => Promise<void>): Promise<number> {
    const consumer = await this.js.consumers.get(this.stream, { deliver_policy: DeliverPolicy.StartTime, opt_start_time: from.toISOString() });
    let replayed = 0;
    for (let caughtUp = false; !caughtUp; ) {
      const batch: EventEnvelope[] = [];
      caughtUp = true; // a fetch that brings nothing: nothing is left
      for await (const m of await consumer.fetch({ max_messages: this.batchSize, expires: 1000 })) {
        const envelope = m.json<EventEnvelope>();
        if (types.includes(envelope.type)) batch.push(envelope);
        caughtUp = m.info.pending === 0;
        if (caughtUp) break;
      }
      if (batch.length) await handle(batch);
      replayed += batch.length;
    }
    return replayed;
  }

  /**
   * JetStream keeps a buffer of messages filled in the background (consume,
   * one per partition); the loop takes whatever has arrived, up to a batch, handles it as one
   * batch and acknowledges it. Nothing waits for a batch to fill. A batch that
   * fails is tried again, not handed back, so later events never overtake it.
   * Every message held, in hand or waiting its turn, is kept ours by the heartbeat.
   */
  private async deliver(sub: Subscription): Promise<void> {
    const arrived: JsMsg[] = [];
    let inHand: JsMsg[] = [];
    const heartbeat = setInterval(() => {
      for (const m of inHand) m.working();
      for (const m of arrived) m.working();
    }, HEARTBEAT_MS);
    heartbeat.unref();
    let wake: (() => void) | undefined;
    const open: ConsumerMessages[] = [];
    this.stoppers.push(async () => {
      wake?.();
      await Promise.all(open.map((m) => m.close()));
    });
    const handled = new Set(sub.types);
    const take = (m: JsMsg) => {
      // A type routed here that this build does not handle (routes of another build) is passed over at
      // once: it is the only message of its partition in flight, so the next need not wait for a batch.
      if (!handled.has(this.typeOf(m))) return void m.ack();
      arrived.push(m);
      wake?.();
    };
    await Promise.all(
      this.range().map(async (p) => {
        const messages = await this.consume(sub.group, p, take);
        if (!messages) return;
        open.push(messages);
        if (this.stopping) await messages.close();
      }),
    );
    while (!this.stopping) {
      if (!arrived.length) {
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        continue;
      }
      inHand = arrived.splice(0, this.batchSize);
      await this.handleUntilDone(sub, inHand);
      inHand = [];
    }
    clearInterval(heartbeat);
    // What arrived but was not handled goes back at once, for another replica or the next start.
    for (const m of arrived.splice(0)) m.nak();
  }

  /** Consumes one partition of a group into `take`, trying again while JetStream is not there yet; undefined if stopped first. */
  private async consume(group: string, partition: number, take: (m: JsMsg) => void): Promise<ConsumerMessages | undefined> {
    while (!this.stopping) {
      try {
        const consumer = await this.js.consumers.get(this.stream, this.consumerName(group, partition));
        // One unacknowledged message at a time per partition, so the buffer never holds more than that; a
        // large one only means the client asks JetStream for more rarely (a pull once a quarter of it arrived).
        return await consumer.consume({ max_messages: PULL_BATCH, callback: take });
      } catch (error) {
        this.logger.warn({ err: error, group, partition }, 'cannot consume from JetStream yet; will retry');
        await sleep(1000);
      }
    }
    return undefined;
  }

  /** The event type of a message, from its subject (the last token), without reading the event. */
  private typeOf(m: JsMsg): string {
    return m.subject.slice(m.subject.lastIndexOf('.') + 1);
  }

  private async handleUntilDone(sub: Subscription, batch: JsMsg[]): Promise<void> {
    const events = batch.map((m) => m.json<EventEnvelope>());
    for (;;) {
      try {
        await sub.handle(events);
        for (const m of batch) m.ack();
        return;
      } catch (error) {
        if (this.stopping) {
          for (const m of batch) m.nak();
          return;
        }
        this.logger.warn({ err: error, group: sub.group }, 'delivery failed; will retry the batch');
        await sleep(500); // the heartbeat keeps the batch ours meanwhile
      }
    }
  }
}
