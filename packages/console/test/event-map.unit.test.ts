import { describe, expect, it } from 'vitest';
import type { MetricsJson } from '@omnishop/kit';
import { figuresOf, flows, snapshot } from '../src/event-map.js';

const services = [
  { name: 'order', emits: [{ type: 'OrderPlaced' }], handlers: [{ event: { type: 'StockReserved' } }] },
  { name: 'inventory', emits: [{ type: 'StockReserved' }], handlers: [{ event: { type: 'OrderPlaced' } }, { event: { type: 'OrderPlaced' } }] },
  { name: 'promotion', handlers: [{ event: { type: 'OrderPlaced' } }, { event: { type: 'NobodyEmitsThis' } }] },
];

/** prom-client's JSON of one registry, as much of it as the map reads. */
const registry = (handled: [string, string, string, number][], lag: Record<string, number> = {}): MetricsJson =>
  [
    { name: 'omnishop_events_handled_total', help: '', type: 'counter', aggregator: 'sum', values: handled.map(([group, type, outcome, value]) => ({ labels: { group, type, outcome }, value })) },
    { name: 'omnishop_consumer_lag_events', help: '', type: 'gauge', aggregator: 'sum', values: Object.entries(lag).map(([group, value]) => ({ labels: { group }, value })) },
  ] as never;

describe('the event map', () => {
  it('has an edge from each producer to each consumer of an event type, once per type, and none for a type nobody emits', () => {
    expect(flows(services)).toEqual([
      { type: 'StockReserved', from: 'inventory', to: 'order' },
      { type: 'OrderPlaced', from: 'order', to: 'inventory' },
      { type: 'OrderPlaced', from: 'order', to: 'promotion' },
    ]);
  });

  it('counts what a group is done with over every thread and replica, leaving out failed attempts that will be retried', () => {
    const f = figuresOf([
      registry([['inventory', 'OrderPlaced', 'ok', 10], ['inventory', 'OrderPlaced', 'retry', 7], ['inventory', 'OrderPlaced', 'dead-letter', 1]], { inventory: 3 }),
      registry([['inventory', 'OrderPlaced', 'duplicate', 2]], { inventory: 3, order: 1 }),
    ]);
    expect(f.handled.get('inventory OrderPlaced')).toBe(13);
    // Two replicas of inventory read their group's lag on the bus: the same events, not twice as many.
    expect(f.lag.get('inventory')).toBe(3);
    expect(f.lag.get('order')).toBe(1);
  });

  it("gives each edge its rate over the window since the previous snapshot, and each node its group's lag", () => {
    const graph = flows(services);
    const names = services.map((s) => s.name);
    const before = figuresOf([registry([['inventory', 'OrderPlaced', 'ok', 100]])]);
    const now = figuresOf([registry([['inventory', 'OrderPlaced', 'ok', 150]], { promotion: 5 })]);
    const first = snapshot(names, graph, before, undefined, 0, new Date(0));
    expect(first.windowSeconds).toBe(0);
    expect(first.edges.every((e) => e.rate === 0)).toBe(true);
    const next = snapshot(names, graph, now, before, 2, new Date(2000));
    expect(next.edges.find((e) => e.to === 'inventory')).toMatchObject({ handled: 150, rate: 25 });
    expect(next.edges.find((e) => e.to === 'promotion')).toMatchObject({ handled: 0, rate: 0 });
    expect(next.nodes.find((n) => n.name === 'promotion')).toEqual({ name: 'promotion', lag: 5, outbox: 0, deadLetters: 0 });
  });

  it('counts from zero after a counter went back (a restarted process)', () => {
    const graph = flows(services);
    const before = figuresOf([registry([['inventory', 'OrderPlaced', 'ok', 500]])]);
    const now = figuresOf([registry([['inventory', 'OrderPlaced', 'ok', 30]])]);
    expect(snapshot(['inventory'], graph, now, before, 1, new Date()).edges.find((e) => e.to === 'inventory')?.rate).toBe(30);
  });
});
