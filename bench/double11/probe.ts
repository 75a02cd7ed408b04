/**
 * The platform's side of the live view, sampled every second or so: the
 * brand's orders by status (the order database, read-only), and each
 * service's outbox backlog and each consumer group's lag from the platform's
 * own Prometheus metrics (GET /metrics of each process: one for the embedded
 * platform, both threads; one per service process in distributed mode, where
 * replicas of a service report the same group and outbox, so the largest
 * figure of a label is taken). And the CPU of the machine, the platform's
 * processes and this one.
 */
import { cpus, loadavg } from 'node:os';
import { machineCpuMs } from '../lib/load.js';
import { cpuSecondsOf } from '../lib/procs.js';
import type { DataSource } from './source.js';

export interface Gauge {
  /** Seconds since the load started. */
  t: number;
  ordersByStatus: Record<string, number>;
  /** Outbox rows per service (every brand's: the backlog is the platform's); absent when no /metrics answered. */
  outbox: Record<string, number>;
  /** Unhandled events per consumer group; absent when no /metrics answered. */
  lag?: Record<string, number>;
  /**
   * CPU since the previous sample, in % of one core: the platform's processes (when they were started here), this
   * process (the load generator and its workers), the whole machine; and its 1-minute load average. The machine is
   * shared: what is neither platform nor load generator is someone else's.
   */
  cpu?: { platformPct: number | null; loadGeneratorPct: number; machinePct: number; cores: number; loadAvg1: number };
}

/** The values of one metric in Prometheus text, by the value of one label; the largest where a label repeats. */
export function metricByLabel(text: string, metric: string, label: string): Record<string, number> {
  const out: Record<string, number> = {};
  const line = new RegExp(`^${metric}\\{([^}]*)\\}\\s+(\\S+)`, 'gm');
  for (const m of text.matchAll(line)) {
    const value = new RegExp(`(?:^|,)${label}="([^"]*)"`).exec(m[1]!)?.[1];
    const n = Number(m[2]);
    if (value !== undefined && Number.isFinite(n)) out[value] = Math.max(out[value] ?? 0, n);
  }
  return out;
}

const mergeMax = (into: Record<string, number>, from: Record<string, number>) => {
  for (const [k, n] of Object.entries(from)) into[k] = Math.max(into[k] ?? 0, n);
  return into;
};

export class Probe {
  constructor(
    private readonly source: DataSource,
    private readonly tenant: string,
    /** Base URLs of the platform's processes, each serving /metrics. */
    private readonly metricsUrls: string[],
    private readonly startedAt: () => number,
    private readonly pids: number[] = [],
  ) {}

  /** Lag and backlog from every process's /metrics (the largest figure of each group and service). */
  private async events(): Promise<{ outbox: Record<string, number>; lag: Record<string, number> } | undefined> {
    const texts = await Promise.all(
      this.metricsUrls.map((u) =>
        fetch(`${u}/metrics`, { signal: AbortSignal.timeout(5000) })
          .then((r) => (r.ok ? r.text() : undefined))
          .catch(() => undefined),
      ),
    );
    const read = texts.filter((t): t is string => t !== undefined);
    if (!read.length) return undefined;
    return {
      outbox: read.reduce((acc, t) => mergeMax(acc, metricByLabel(t, 'omnishop_outbox_backlog_events', 'service')), {}),
      lag: read.reduce((acc, t) => mergeMax(acc, metricByLabel(t, 'omnishop_consumer_lag_events', 'group')), {}),
    };
  }

  private last: { wall: number; platform: number | undefined; self: NodeJS.CpuUsage; machine: number } | undefined;

  private cpu(): Gauge['cpu'] {
    const platformOf = () => {
      const each = this.pids.map(cpuSecondsOf);
      return this.pids.length && each.every((x) => x !== undefined) ? each.reduce<number>((a, x) => a + x!, 0) : undefined;
    };
    const now = { wall: performance.now(), platform: platformOf(), self: process.cpuUsage(), machine: machineCpuMs() };
    const before = this.last;
    this.last = now;
    if (!before) return undefined;
    const wallS = (now.wall - before.wall) / 1000;
    const pct = (seconds: number) => Math.round((seconds / wallS) * 1000) / 10;
    const self = (now.self.user - before.self.user + now.self.system - before.self.system) / 1e6;
    return {
      platformPct: now.platform === undefined || before.platform === undefined ? null : pct(now.platform - before.platform),
      loadGeneratorPct: pct(self),
      machinePct: pct((now.machine - before.machine) / 1000),
      cores: cpus().length,
      loadAvg1: Math.round(loadavg()[0]! * 100) / 100,
    };
  }

  async sample(): Promise<Gauge> {
    const t = Math.round(((Date.now() - this.startedAt()) / 1000) * 10) / 10;
    const [statuses, events] = await Promise.all([
      this.source.query<{ status: string; n: number }>('order', 'select status, count(*) as n from orders where tenant = ? group by status', [this.tenant]),
      this.events(),
    ]);
    const cpu = this.cpu();
    return {
      t,
      ordersByStatus: Object.fromEntries(statuses.map((r) => [r.status, Number(r.n)])),
      outbox: events?.outbox ?? {},
      ...(events ? { lag: events.lag } : {}),
      ...(cpu ? { cpu } : {}),
    };
  }

}

/** Nothing left to do: no order pending or awaiting payment, every outbox empty, no consumer behind. */
export function drained(g: Gauge): boolean {
  const busy = (g.ordersByStatus.pending ?? 0) + (g.ordersByStatus.awaiting_payment ?? 0);
  const outbox = Object.values(g.outbox).reduce((a, n) => a + n, 0);
  const lag = Object.values(g.lag ?? {}).reduce((a, n) => a + n, 0);
  return busy === 0 && outbox === 0 && lag === 0;
}
