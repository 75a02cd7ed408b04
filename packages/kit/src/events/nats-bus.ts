import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import type { Logger } from 'pino';
import type { Bus, Subscription } from './bus.js';
import type { EventEnvelope } from './envelope.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface NatsBusOptions {
  /** e.g. nats://127.0.0.1:4222 */
  url: string;
  /** The JetStream stream holding every event; one per platform. */
  stream?: string;
  /** Subjects are `<prefix>.<EventType>`. */
  subjectPrefix?: string;
  batchSize?: number;
}

/**
 * The distributed bus: NATS JetStream. Events are kept in one stream after
 * delivery (like the embedded log); each consumer group is a durable pull
 * consumer that every replica of the service shares, so an event is handled
 * by one replica. Publishing sets the event id as the message id, so a relay
 * that republishes after a crash stores it once (within the stream's
 * duplicate window). A batch is acknowledged after it was handled; a failed
 * batch is redelivered.
 *
 * Per-key order holds while one replica consumes a group; with several,
 * events of one key may be handled out of order across replicas (the state
 * machines then ignore what no longer applies).
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
  ) {}

  static async connect(opts: NatsBusOptions, logger: Logger): Promise<NatsBus> {
    const nc = await connect({ servers: opts.url, name: 'omnishop', maxReconnectAttempts: -1 });
    const jsm = await jetstreamManager(nc);
    const stream = opts.stream ?? 'OMNISHOP';
    const prefix = opts.subjectPrefix ?? 'omnishop.events';
    try {
      await jsm.streams.info(stream);
    } catch {
      await jsm.streams.add({ name: stream, subjects: [`${prefix}.>`], duplicate_window: 2 * 60 * 1_000_000_000 });
    }
    return new NatsBus(nc, jetstream(nc), jsm, logger, stream, prefix, opts.batchSize ?? 200);
  }

  async publish(envelopes: EventEnvelope[]): Promise<void> {
    // Sent in order on one connection, so the stream stores them in outbox order; each is durable when acknowledged.
    await Promise.all(envelopes.map((e) => this.js.publish(`${this.prefix}.${e.type}`, JSON.stringify(e), { msgID: e.id })));
  }

  subscribe(subscription: Subscription): void {
    this.subscriptions.push(subscription);
  }

  async start(): Promise<void> {
    this.stopping = false;
    for (const sub of this.subscriptions) {
      // Debian's server predates multi-subject filters (2.10), so a group reads the whole stream
      // and its consumer skips the types it does not handle.
      try {
        await this.jsm.consumers.info(this.stream, sub.group);
      } catch {
        await this.jsm.consumers.add(this.stream, {
          durable_name: sub.group,
          ack_policy: AckPolicy.Explicit,
          deliver_policy: DeliverPolicy.All,
          ack_wait: 60 * 1_000_000_000,
        });
      }
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

  async lag(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const sub of this.subscriptions) {
      const info = await this.jsm.consumers.info(this.stream, sub.group);
      out[sub.group] = info.num_pending + info.num_ack_pending;
    }
    return out;
  }

  /** A group reads the whole stream, so its first unacknowledged message is the one after its ack floor; a group not yet made will read everything. */
  async oldestUnacknowledged(group: string): Promise<Date | undefined> {
    const info = await this.jsm.consumers.info(this.stream, group).catch(() => undefined);
    if (!info) return new Date(0);
    if (info.num_pending + info.num_ack_pending === 0) return undefined;
    // Gone (a stream limit dropped it): say nothing is known, and nothing is forgotten.
    return (await this.jsm.streams.getMessage(this.stream, { seq: info.ack_floor.stream_seq + 1 }))?.time ?? new Date(0);
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
   * JetStream keeps a buffer of messages filled in the background (consume);
   * the loop takes whatever has arrived, up to a batch, handles it as one
   * batch and acknowledges it. Nothing waits for a batch to fill. A batch that
   * fails is tried again, not handed back, so later events never overtake it.
   */
  private async deliver(sub: Subscription): Promise<void> {
    const arrived: JsMsg[] = [];
    let wake: (() => void) | undefined;
    let messages: ConsumerMessages | undefined;
    this.stoppers.push(async () => {
      wake?.();
      await messages?.close();
    });
    while (!this.stopping && !messages) {
      try {
        const consumer = await this.js.consumers.get(this.stream, sub.group);
        messages = await consumer.consume({
          max_messages: this.batchSize * 2,
          callback: (m) => {
            arrived.push(m);
            wake?.();
          },
        });
      } catch (error) {
        this.logger.warn({ err: error, group: sub.group }, 'cannot consume from JetStream yet; will retry');
        await sleep(1000);
      }
    }
    if (this.stopping) await messages?.close();
    while (!this.stopping) {
      if (!arrived.length) {
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        continue;
      }
      await this.handleUntilDone(sub, arrived.splice(0, this.batchSize));
    }
    // What arrived but was not handled goes back at once, for another replica or the next start.
    for (const m of arrived.splice(0)) m.nak();
  }

  private async handleUntilDone(sub: Subscription, batch: JsMsg[]): Promise<void> {
    const wanted = batch.map((m) => m.json<EventEnvelope>()).filter((e) => sub.types.includes(e.type));
    for (;;) {
      try {
        if (wanted.length) await sub.handle(wanted);
        for (const m of batch) m.ack();
        return;
      } catch (error) {
        if (this.stopping) {
          for (const m of batch) m.nak();
          return;
        }
        this.logger.warn({ err: error, group: sub.group }, 'delivery failed; will retry the batch');
        for (const m of batch) m.working(); // still ours: do not let JetStream redeliver it elsewhere meanwhile
        await sleep(500);
      }
    }
  }
}
