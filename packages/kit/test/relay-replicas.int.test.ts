import { randomUUID } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { defineEvent, defineService, type Bus, type EventEnvelope, type KitTables } from '../src/index.js';
import { pgReplicas } from './pg-replicas.js';

const Ticked = defineEvent('Ticked', 1, 'A test event, one per tick.', Type.Object({ n: Type.Integer() }));
const SERVICE = `emitter_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
const EVENTS = 300;

/** A bus that records what reaches it, to count each event's publishes. */
function recordingBus(): Bus & { published: EventEnvelope[] } {
  const published: EventEnvelope[] = [];
  return {
    published,
    publish: async (envelopes) => void published.push(...envelopes),
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
describe('relays of replicas (PostgreSQL)', () => {
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
});
