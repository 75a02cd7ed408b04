import { randomUUID } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { acrossTenants, defineEvent, defineService, type Bus, type EventEnvelope, type KitTables } from '../src/index.js';
import { pgReplicas } from './pg-replicas.js';

const Ticked = defineEvent('Ticked', 1, 'A test event, one per tick.', Type.Object({ n: Type.Integer() }));
const SERVICE = `emitter_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
const EVENTS = 300;

/** A bus that records what reaches it, to count each event's publishes; while `down`, it refuses them. */
function recordingBus(): Bus & { published: EventEnvelope[]; down: boolean } {
  const published: EventEnvelope[] = [];
  return {
    published,
    down: false,
    async publish(envelopes) {
      if (this.down) throw new Error('broker down');
      published.push(...envelopes);
    },
    subscribe: () => undefined,
    start: async () => undefined,
    stop: async () => undefined,
    ping: async () => undefined,
    close: async () => undefined,
    lag: async () => ({}),
    oldestUnacknowledged: async () => undefined,
    replay: async () => 0,
  };
}

/** Replicas of a service share its PostgreSQL outbox: one drains it at a time, so each event is published once, in order. */
describe('relays and background work on PostgreSQL', () => {
  const replicas = pgReplicas(SERVICE);

  it('publishes every event of the shared outbox once, in the order it was written', async () => {
    const bus = recordingBus();
    const def = defineService<KitTables>({ name: SERVICE, prefix: '/api/emitter', description: 'kit test service', emits: [Ticked], migrations: {}, routes: [] });
    const replica = () => replicas.start(def, () => bus, { relayIntervalMs: 50, databasePoolMax: 4 });
    const [a, b] = [await replica(), await replica()];
    // Both replicas write, in turn, so both relays are nudged for rows either may take.
    for (let n = 0; n < EVENTS; n++) await (n % 2 ? a : b).uow.run(async (tx) => tx.emit(Ticked, 'one-key', { n }, { tenant: 'acme' }));
    const deadline = Date.now() + 10_000;
    while (new Set(bus.published.map((e) => e.id)).size < EVENTS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300)); // a second publish of some event would come by now
    await a.stop();
    await b.stop();
    expect(new Set(bus.published.map((e) => e.id)).size).toBe(EVENTS);
    expect(bus.published.length, 'publishes, counting repeats').toBe(EVENTS);
    expect(bus.published.map((e) => (e.data as { n: number }).n)).toEqual([...Array(EVENTS).keys()]);
  });

  it('keeps events in the outbox while the bus refuses them, and publishes each once, in order, when it is back', async () => {
    const bus = recordingBus();
    const def = defineService<KitTables>({ name: SERVICE, prefix: '/api/emitter', description: 'kit test service', emits: [Ticked], migrations: {}, routes: [] });
    const replica = await replicas.start(def, () => bus, { relayIntervalMs: 50, databasePoolMax: 4 });
    const waiting = () => replica.sdb.db.selectFrom('outbox').select('id').where('key', '=', 'outage').execute();
    bus.down = true;
    for (let n = 0; n < 5; n++) await replica.uow.run(async (tx) => tx.emit(Ticked, 'outage', { n }, { tenant: 'acme' }));
    await new Promise((r) => setTimeout(r, 300)); // several drains tried and failed
    const keptMeanwhile = (await acrossTenants('the test reads the outbox', waiting)).length;
    bus.down = false;
    const deadline = Date.now() + 5000;
    let leftAfter = keptMeanwhile;
    // The rows go once their publish committed, just after the bus has them.
    while ((leftAfter = (await acrossTenants('the test reads the outbox', waiting)).length) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await replica.stop();
    expect(keptMeanwhile).toBe(5);
    expect(bus.published.filter((e) => e.key === 'outage').map((e) => (e.data as { n: number }).n)).toEqual([0, 1, 2, 3, 4]);
    expect(leftAfter).toBe(0);
  });

  it('runs background work and its relay while requests hold every connection of the pool and more queue for one', async () => {
    const bus = recordingBus();
    const def = defineService<KitTables>({ name: SERVICE, prefix: '/api/emitter', description: 'kit test service', emits: [Ticked], migrations: {}, routes: [] });
    // Four connections: two for requests, two kept for background work.
    const replica = await replicas.start(def, () => bus, { relayIntervalMs: 50, databasePoolMax: 4 });
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    // Two requests take both connections of the pool and keep them; three more wait for one.
    const requests = Array.from({ length: 5 }, () => replica.uow.run(async (tx) => void (await held, tx.emit(Ticked, 'request', { n: -1 }, { tenant: 'acme' }))));
    const chore = replica.uow.run(async (tx) => tx.emit(Ticked, 'chore', { n: 1 }, { tenant: 'acme' }), { background: true });
    const done = await Promise.race([chore.then(() => 'committed'), new Promise((r) => setTimeout(() => r('still waiting'), 5000))]);
    const deadline = Date.now() + 5000;
    while (!bus.published.some((e) => e.key === 'chore') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const publishedMeanwhile = bus.published.map((e) => e.key);
    release();
    await Promise.all(requests);
    await replica.stop();
    expect(done).toBe('committed');
    expect(publishedMeanwhile).toEqual(['chore']);
  });
});
