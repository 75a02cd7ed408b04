import type { MetricsJson } from '@omnishop/kit';

/** What the map needs of a service: its name, the event types it emits and those it handles. */
export interface MappedService {
  name: string;
  emits?: readonly { type: string }[];
  handlers?: readonly { event: { type: string } }[];
}

/** One event type from its producer to one consumer group (a service's group is named after it). */
export interface Flow {
  type: string;
  from: string;
  to: string;
}

/** What the platform's metrics say now: events each group is done with, by type; each group's lag; each service's backlog and dead letters. */
export interface Figures {
  /** `group type` → events done with (handled, duplicates and dead letters; failed attempts that will be retried are not) */
  handled: Map<string, number>;
  lag: Map<string, number>;
  outbox: Map<string, number>;
  deadLetters: Map<string, number>;
}

export interface EventMapNode {
  name: string;
  /** events of the group's types on the bus it has not handled yet */
  lag: number;
  outbox: number;
  deadLetters: number;
}

export interface EventMapEdge extends Flow {
  /** events of this type the consumer is done with, since the process started */
  handled: number;
  /** of those, per second over the window since the previous snapshot (0 in the first) */
  rate: number;
}

export interface EventMapSnapshot {
  at: string;
  windowSeconds: number;
  nodes: EventMapNode[];
  edges: EventMapEdge[];
}

/** Every producer → consumer flow of every event type, from the services' own definitions. */
export function flows(services: readonly MappedService[]): Flow[] {
  const producers = new Map<string, string[]>();
  for (const s of services) for (const e of s.emits ?? []) producers.set(e.type, [...(producers.get(e.type) ?? []), s.name]);
  return services.flatMap((consumer) =>
    [...new Set((consumer.handlers ?? []).map((h) => h.event.type))].flatMap((type) => (producers.get(type) ?? []).map((from) => ({ type, from, to: consumer.name }))),
  );
}

const DONE = new Set(['ok', 'duplicate', 'dead-letter']);

/**
 * The figures the map shows from every registry given (the threads of a process, the processes of a cluster):
 * events handled summed, as each replica counts its own; lag, backlog and dead letters the highest any reports,
 * as every replica of a service reads them from the same place (its group on the bus, its database).
 */
export function figuresOf(registries: readonly MetricsJson[]): Figures {
  const figures: Figures = { handled: new Map(), lag: new Map(), outbox: new Map(), deadLetters: new Map() };
  const add = (into: Map<string, number>, key: string, n: number) => into.set(key, (into.get(key) ?? 0) + n);
  const highest = (into: Map<string, number>, key: string, n: number) => into.set(key, Math.max(into.get(key) ?? 0, n));
  for (const metric of registries.flat()) {
    for (const { labels, value } of metric.values) {
      const label = (name: string) => String(labels[name] ?? '');
      if (metric.name === 'omnishop_events_handled_total' && DONE.has(label('outcome'))) add(figures.handled, `${label('group')} ${label('type')}`, value);
      else if (metric.name === 'omnishop_consumer_lag_events') highest(figures.lag, label('group'), value);
      else if (metric.name === 'omnishop_outbox_backlog_events') highest(figures.outbox, label('service'), value);
      else if (metric.name === 'omnishop_dead_letters') highest(figures.deadLetters, label('service'), value);
    }
  }
  return figures;
}

/**
 * The map at one moment: services as nodes with their group's lag, flows as
 * edges with how many events went along them and at what rate since `before`
 * (the previous snapshot, `seconds` ago). Counters that went down (a restart)
 * count from zero.
 */
export function snapshot(services: readonly string[], graph: readonly Flow[], now: Figures, before: Figures | undefined, seconds: number, at: Date): EventMapSnapshot {
  const of = (m: Map<string, number>, key: string) => m.get(key) ?? 0;
  return {
    at: at.toISOString(),
    windowSeconds: before ? seconds : 0,
    nodes: services.map((name) => ({ name, lag: of(now.lag, name), outbox: of(now.outbox, name), deadLetters: of(now.deadLetters, name) })),
    edges: graph.map((flow) => {
      const key = `${flow.to} ${flow.type}`;
      const handled = of(now.handled, key);
      const delta = before ? handled - of(before.handled, key) : 0;
      const rate = before && seconds > 0 ? Math.max(0, delta < 0 ? handled : delta) / seconds : 0;
      return { ...flow, handled, rate: Math.round(rate * 100) / 100 };
    }),
  };
}
