import { randomUUID } from 'node:crypto';
import { connect as natsConnect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { afterEach, describe, expect, it } from 'vitest';
import { ACK_WAIT_MS, busRoutes, createLogger, NatsBus, type EventEnvelope, type Subscription } from '../src/index.js';

/**
 * Against the real NATS JetStream server on this machine (OMNISHOP_TEST_NATS,
 * default nats://127.0.0.1:4222). Each test has a stream of its own.
 */
const NATS = process.env.OMNISHOP_TEST_NATS ?? 'nats://127.0.0.1:4222';
const logger = createLogger({ level: 'silent' });
let open: NatsBus[] = [];
afterEach(async () => {
  for (const b of open) await b.close();
  open = [];
});

/** The groups of these tests and what each handles; SkuCreated goes to none of them. */
const ROUTES = busRoutes([
  { group: 'inventory', types: ['OrderPlaced', 'OrderCancelled'] },
  { group: 'order', types: ['StockReserved'] },
  { group: 'fulfilment', types: ['OrderPlaced'] },
  { group: 'orders', types: ['OrderPlaced'] },
]);

function fresh() {
  const stream = `T${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  return async () => {
    const bus = await NatsBus.connect({ url: NATS, stream, subjectPrefix: `${stream.toLowerCase()}.events`, routes: ROUTES }, logger);
    open.push(bus);
    return bus;
  };
}

const envelope = (type: string, key: string, n: number): EventEnvelope => ({
  id: randomUUID(),
  type,
  version: 1,
  source: 'test',
  key,
  tenant: 't1',
  time: new Date().toISOString(),
  headers: {},
  data: { n },
});

function collector(group: string, types: string[], opts: { failFirst?: number } = {}) {
  const seen: EventEnvelope[] = [];
  let failures = opts.failFirst ?? 0;
  const sub: Subscription = {
    group,
    types,
    async handle(batch) {
      if (failures > 0) {
        failures--;
        throw new Error('database down');
      }
      seen.push(...batch);
    },
  };
  return { sub, seen };
}

/** The events' numbers, smallest first: what was handled, whatever the order across keys. */
const numbers = (events: EventEnvelope[]) => events.map((e) => (e.data as { n: number }).n).sort((a, b) => a - b);

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('NATS JetStream bus', () => {
  it('delivers the types a group asks for, each key in publish order, and stores a republished event once', async () => {
    const connect = fresh();
    const bus = await connect();
    const { sub, seen } = collector('inventory', ['OrderPlaced', 'OrderCancelled']);
    bus.subscribe(sub);
    await bus.start();
    const events = [envelope('OrderPlaced', 'o1', 1), envelope('SkuCreated', 's', 2), envelope('OrderCancelled', 'o1', 3), envelope('OrderPlaced', 'o2', 4)];
    await bus.publish(events);
    await bus.publish([events[0]!]); // a relay that crashed after publishing sends it again
    await until(() => seen.length >= 3);
    await new Promise((r) => setTimeout(r, 200));
    expect(seen.filter((e) => e.key === 'o1').map((e) => e.data)).toEqual([{ n: 1 }, { n: 3 }]);
    expect(numbers(seen)).toEqual([1, 3, 4]);
    expect(await bus.lag()).toEqual({ inventory: 0 });
  });

  it("delivers a group its own types only: JetStream sends it nothing it would pass over", async () => {
    const stream = `T${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const bus = await NatsBus.connect({ url: NATS, stream, subjectPrefix: `${stream.toLowerCase()}.events`, routes: ROUTES }, logger);
    open.push(bus);
    const { sub, seen } = collector('order', ['StockReserved']);
    bus.subscribe(sub);
    await bus.start();
    await bus.publish([envelope('OrderPlaced', 'o1', 1), envelope('StockReserved', 'o1', 2), envelope('SkuCreated', 's', 3), envelope('OrderPlaced', 'o2', 4), envelope('StockReserved', 'o2', 5)]);
    await until(() => seen.length >= 2);
    const nc = await natsConnect({ servers: NATS });
    try {
      const jsm = await jetstreamManager(nc);
      let delivered = 0;
      for await (const info of jsm.consumers.list(stream)) delivered += info.delivered.consumer_seq;
      expect(delivered).toBe(2);
      expect((await jsm.streams.info(stream)).state.messages).toBe(5);
    } finally {
      await nc.close();
    }
    expect(numbers(seen)).toEqual([2, 5]);
  });

  it('refuses to start a group the routes send none of its types to, naming them', async () => {
    const bus = await fresh()();
    bus.subscribe(collector('payment', ['PaymentRequested']).sub);
    await expect(bus.start()).rejects.toThrow(/do not send PaymentRequested to consumer group payment/);
  });

  it('redelivers a batch whose handling failed', async () => {
    const bus = await fresh()();
    const { sub, seen } = collector('order', ['StockReserved'], { failFirst: 1 });
    bus.subscribe(sub);
    await bus.start();
    await bus.publish([envelope('StockReserved', 'o1', 1)]);
    await until(() => seen.length === 1);
    expect(seen[0]!.data).toEqual({ n: 1 });
  });

  it('replicas of a service share its group: each event is handled by one of them', async () => {
    const connect = fresh();
    const [a, b] = [await connect(), await connect()];
    const ra = collector('inventory', ['OrderPlaced']);
    const rb = collector('inventory', ['OrderPlaced']);
    a.subscribe(ra.sub);
    b.subscribe(rb.sub);
    await a.start();
    await b.start();
    const events = Array.from({ length: 300 }, (_, i) => envelope('OrderPlaced', `o${i}`, i));
    for (let i = 0; i < events.length; i += 50) await a.publish(events.slice(i, i + 50));
    await until(() => ra.seen.length + rb.seen.length === 300);
    await new Promise((r) => setTimeout(r, 200));
    const all = [...ra.seen, ...rb.seen].map((e) => e.id).sort();
    expect(all).toEqual(events.map((e) => e.id).sort());
  });

  it('a batch that takes longer than the ack wait stays with its replica, and the events waiting behind it too', async () => {
    const connect = fresh();
    const [a, b] = [await connect(), await connect()];
    const slow = collector('order', ['StockReserved']);
    const handle = slow.sub.handle;
    let first = true;
    // The first batch on replica a takes twice the ack wait; replica b starts only once a holds it.
    slow.sub.handle = async (batch) => {
      if (first) {
        first = false;
        await new Promise((r) => setTimeout(r, 2 * ACK_WAIT_MS));
      }
      await handle(batch);
    };
    const other = collector('order', ['StockReserved']);
    a.subscribe(slow.sub);
    await a.start();
    await a.publish([envelope('StockReserved', 'o1', 1)]);
    await until(() => !first);
    await a.publish([envelope('StockReserved', 'o2', 2), envelope('StockReserved', 'o3', 3)]);
    b.subscribe(other.sub);
    await b.start();
    await until(() => slow.seen.length + other.seen.length >= 3, 3 * ACK_WAIT_MS);
    await new Promise((r) => setTimeout(r, 300));
    expect(numbers(slow.seen)).toEqual([1, 2, 3]);
    expect(other.seen).toEqual([]);
  }, 20_000);

  it('three replicas of a group handle each key in publish order, sharing the keys between them', async () => {
    const connect = fresh();
    const replicas = [await connect(), await connect(), await connect()];
    const handled: { replica: number; key: string; n: number }[] = [];
    replicas.forEach((bus, replica) =>
      bus.subscribe({
        group: 'fulfilment',
        types: ['OrderPlaced'],
        async handle(batch) {
          // Batches take a varying while, so a replica that is slow now would let a later event overtake.
          await new Promise((r) => setTimeout(r, Math.random() * 15));
          for (const e of batch) handled.push({ replica, key: e.key, n: (e.data as { n: number }).n });
        },
      }),
    );
    for (const bus of replicas) await bus.start();
    // 24 keys, 15 events each, interleaved: o0#0, o1#0, ..., o23#0, o0#1, ...
    const keys = Array.from({ length: 24 }, (_, k) => `o${k}`);
    const events = Array.from({ length: 15 }, (_, n) => keys.map((key) => envelope('OrderPlaced', key, n))).flat();
    for (let i = 0; i < events.length; i += 40) await replicas[i % 3]!.publish(events.slice(i, i + 40));
    await until(() => handled.length >= events.length, 20_000);
    expect(handled).toHaveLength(events.length);
    for (const key of keys) expect(handled.filter((h) => h.key === key).map((h) => h.n), `events of ${key}`).toEqual(Array.from({ length: 15 }, (_, n) => n));
    expect(new Set(handled.map((h) => h.replica)).size, 'every replica took a share').toBe(3);
  }, 30_000);

  it('a restarted consumer resumes after what it acknowledged', async () => {
    const connect = fresh();
    const first = await connect();
    const one = collector('order', ['StockReserved']);
    first.subscribe(one.sub);
    await first.start();
    await first.publish([envelope('StockReserved', 'o1', 1), envelope('StockReserved', 'o2', 2)]);
    await until(() => one.seen.length === 2);
    await until(async () => (await first.lag()).order === 0);
    await first.close();
    open = open.filter((b) => b !== first);

    const second = await connect();
    const two = collector('order', ['StockReserved']);
    second.subscribe(two.sub);
    await second.start();
    await second.publish([envelope('StockReserved', 'o3', 3)]);
    await until(() => two.seen.length === 1);
    await new Promise((r) => setTimeout(r, 200));
    expect(two.seen.map((e) => e.data)).toEqual([{ n: 3 }]);
  });
});

describe('NatsBus: what a group may be delivered again', () => {
  it('names the publish time of the first unacknowledged event, nothing once all are handled, and the dawn of time for a group not yet made', async () => {
    const bus = await fresh()();
    expect(await bus.oldestUnacknowledged('orders')).toEqual(new Date(0));
    const { sub, seen } = collector('orders', ['OrderPlaced'], { failFirst: 3 });
    bus.subscribe(sub);
    await bus.start();
    expect(await bus.oldestUnacknowledged('orders')).toBeUndefined();
    const sentAt = Date.now();
    await bus.publish([envelope('OrderPlaced', 'o1', 1), envelope('OrderPlaced', 'o2', 2)]);
    // While the first batch keeps failing it stays unacknowledged.
    const pending = await bus.oldestUnacknowledged('orders');
    expect(pending!.getTime()).toBeGreaterThanOrEqual(sentAt - 1000);
    await until(() => seen.length === 2);
    await until(async () => (await bus.oldestUnacknowledged('orders')) === undefined);
  });
});
