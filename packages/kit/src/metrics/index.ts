import { isMainThread } from 'node:worker_threads';
import { AggregatorRegistry, collectDefaultMetrics, Gauge, Registry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import { CountedLatency } from './recorder.js';

/**
 * Prometheus metrics of one process (or one thread of it), in its own registry:
 * a platform instance owns one, so two platforms in one test process never mix.
 *
 * The hot path only counts: a request or a handled event is one Map lookup
 * and a few number writes (see CountedLatency). Everything that costs a
 * query (consumer lag, outbox backlog, dead letters) or reads state (unit-of-work
 * queues, pool use) is read when /metrics is scraped, from the sources watched.
 */

/** Seconds: from a millisecond request of a few hundred microseconds to a slow saga step. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** What /metrics reads of a running service, when scraped. */
export interface ServiceGauges {
  service: string;
  /** Events committed to the outbox and not yet on the bus. */
  outboxBacklog(): Promise<number>;
  /** Events its consumer group parked after its retries. */
  deadLetters(): Promise<number>;
  /** Units of work waiting for a commit (SQLite's group commit), by kind. */
  queued?(): { request: number; background: number };
  /** PostgreSQL: the pool's connections. */
  pool?(): { total: number; idle: number; waiting: number };
}

/** What /metrics reads of the bus: events of each consumer group's types not yet handled. */
export interface LagSource {
  lag(): Promise<Record<string, number>>;
}

export class Metrics {
  readonly registry = new Registry();
  /** `main`, or `service` on the embedded platform's service thread: the default metrics are per thread. */
  readonly thread = isMainThread ? 'main' : 'service';
  private readonly services = new Set<ServiceGauges>();
  private readonly buses = new Set<LagSource>();

  private readonly http = new CountedLatency(this.registry, {
    counter: 'omnishop_http_requests_total',
    counterHelp: 'HTTP requests answered, by service, method, route (its template) and status',
    histogram: 'omnishop_http_request_duration_seconds',
    histogramHelp: 'Time from a request arriving to its answer being sent, by service, method and route',
    labelNames: ['service', 'method', 'route', 'status'],
    histogramLabels: 3,
    buckets: LATENCY_BUCKETS,
  });
  private readonly events = new CountedLatency(this.registry, {
    counter: 'omnishop_events_handled_total',
    counterHelp: 'Events a consumer group was done with, by group, type and outcome (ok, duplicate, retry: an attempt failed, dead-letter: parked)',
    histogram: 'omnishop_event_handling_duration_seconds',
    histogramHelp: 'Time from a consumer starting on an event to its unit of work being durable, by group and type',
    labelNames: ['group', 'type', 'outcome'],
    histogramLabels: 2,
    buckets: LATENCY_BUCKETS,
  });

  constructor() {
    // Event-loop delay, heap, GC and handles are per thread; the process_* figures are the process's, whichever thread reports them.
    collectDefaultMetrics({ register: this.registry, labels: { thread: this.thread } });
    const services = this.services;
    const buses = this.buses;
    new Gauge({
      name: 'omnishop_consumer_lag_events',
      help: "Events of a consumer group's types on the bus that it has not handled yet",
      labelNames: ['group'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const bus of buses) for (const [group, n] of Object.entries(await bus.lag())) this.set({ group }, n);
      },
    });
    const perService = (name: string, help: string, read: (s: ServiceGauges) => Promise<number>) =>
      new Gauge({
        name,
        help,
        labelNames: ['service'],
        registers: [this.registry],
        async collect() {
          this.reset();
          for (const s of services) this.set({ service: s.service }, await read(s));
        },
      });
    perService('omnishop_outbox_backlog_events', 'Events committed to the outbox that the relay has not published yet', (s) => s.outboxBacklog());
    perService('omnishop_dead_letters', 'Events a service failed to handle after its retries, waiting for a replay', (s) => s.deadLetters());
    const perServiceState = (name: string, help: string, label: string, read: (s: ServiceGauges) => Record<string, number> | undefined) =>
      new Gauge({
        name,
        help,
        labelNames: ['service', label],
        registers: [this.registry],
        collect() {
          this.reset();
          for (const s of services) for (const [value, n] of Object.entries(read(s) ?? {})) this.set({ service: s.service, [label]: value }, n);
        },
      });
    perServiceState(
      'omnishop_unit_of_work_queued',
      "Units of work waiting for their group commit on a service's SQLite database, by kind (request, background: consumer batches and jobs)",
      'kind',
      (s) => s.queued?.(),
    );
    perServiceState('omnishop_db_pool_connections', "Connections of a service's PostgreSQL pool, by state (total, idle, waiting: callers waiting for one)", 'state', (s) => s.pool?.());
  }

  /** One answered request; `route` is the route's template (`/api/orders/:id`), never the raw path. */
  request(service: string, method: string, route: string, status: number, seconds: number): void {
    this.http.record(`${service} ${method} ${route} ${status}`, () => [service, method, route, String(status)], seconds);
  }

  /** One event a consumer group is done with (or one failed attempt: outcome `retry`). */
  event(group: string, type: string, outcome: string, seconds: number): void {
    this.events.record(`${group} ${type} ${outcome}`, () => [group, type, outcome], seconds);
  }

  /** Reads `source` at every scrape until the returned function is called. */
  watchService(source: ServiceGauges): () => void {
    this.services.add(source);
    return () => this.services.delete(source);
  }

  watchBus(bus: LagSource): () => void {
    this.buses.add(bus);
    return () => this.buses.delete(bus);
  }

  /** This registry's figures as JSON, for a thread that merges them into its own (see mergedText). */
  json(): Promise<MetricObjectWithValues<MetricValue<string>>[]> {
    return this.registry.getMetricsAsJSON();
  }

  /** Prometheus text of this registry and of `others` (other threads' `json()`), series with the same labels summed. */
  async text(others: MetricObjectWithValues<MetricValue<string>>[][] = []): Promise<string> {
    const text = others.length ? await AggregatorRegistry.aggregate([await this.json(), ...others]).metrics() : await this.registry.metrics();
    // prom-client writes a NaN (an event-loop mean before any sample) as `Nan`; the text format spells it `NaN`.
    return text.replace(/ Nan$/gm, ' NaN');
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

export type MetricsJson = Awaited<ReturnType<Metrics['json']>>;
