/**
 * The platform's side of the live view, sampled every couple of seconds:
 * the brand's orders by status (the order database), each service's outbox
 * backlog (events committed, not yet on the bus), and each consumer group's
 * lag (events on the bus it has not handled): from the embedded bus's log
 * file, or from JetStream's consumer info. The platform exposes none of
 * these over HTTP, so they are read where they live, read-only.
 */
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { loadPlatformConfig } from '../../packages/platform/src/config.js';
import { serviceDefinitions } from '../../packages/platform/src/platform.js';
import { machineCpuMs } from '../lib/load.js';
import { cpuSecondsOf } from '../lib/procs.js';
import type { DataSource } from './source.js';

export const SERVICES = ['catalog', 'store', 'inventory', 'order', 'promotion', 'customer', 'payment', 'fulfilment', 'gateway'] as const;

export interface Gauge {
  /** Seconds since the load started. */
  t: number;
  ordersByStatus: Record<string, number>;
  /** Outbox rows per service (every brand's: the backlog is the platform's). */
  outbox: Record<string, number>;
  /** Unhandled events per consumer group; absent when the bus cannot be read. */
  lag?: Record<string, number>;
  /**
   * CPU since the previous sample, in % of one core: the platform's processes (when they were started here), this
   * process (the load generator and its workers), the whole machine; and its 1-minute load average. The machine is
   * shared: what is neither platform nor load generator is someone else's.
   */
  cpu?: { platformPct: number | null; loadGeneratorPct: number; machinePct: number; cores: number; loadAvg1: number };
}

export interface BusSpec {
  /** Embedded: the data folder holding bus.db. */
  dataDir?: string;
  /** JetStream: the server and stream. */
  natsUrl?: string;
  stream?: string;
}

interface LagReader {
  lag(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

/** The event types each service's consumer group handles, from the services' own definitions. */
function groupTypes(): { group: string; types: string[] }[] {
  const defs = serviceDefinitions(loadPlatformConfig({}, '/nonexistent'));
  return defs.map((d) => ({ group: d.name, types: [...new Set([...(d.handlers ?? []).map((h) => h.event.type), 'AccessRevoked'])] }));
}

function embeddedLag(dataDir: string): LagReader | undefined {
  const file = join(dataDir, 'bus.db');
  if (!existsSync(file)) return undefined;
  const db = new SQLite(file, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  const groups = groupTypes();
  const cursor = db.prepare('select seq from bus_cursor where grp = ?');
  const counts = groups.map((g) => ({ group: g.group, stmt: db.prepare(`select count(*) as n from bus_log where seq > ? and type in (${g.types.map(() => '?').join(', ')})`), types: g.types }));
  return {
    async lag() {
      const out: Record<string, number> = {};
      for (const c of counts) {
        const at = (cursor.get(c.group) as { seq: number } | undefined)?.seq ?? 0;
        out[c.group] = (c.stmt.get(at, ...c.types) as { n: number }).n;
      }
      return out;
    },
    async close() {
      db.close();
    },
  };
}

async function jetstreamLag(url: string, stream: string): Promise<LagReader> {
  const nc: NatsConnection = await connect({ servers: url, name: 'double11-probe' });
  const jsm: JetStreamManager = await jetstreamManager(nc);
  return {
    async lag() {
      const out: Record<string, number> = {};
      for await (const info of jsm.consumers.list(stream)) out[info.name] = (out[info.name] ?? 0) + info.num_pending + info.num_ack_pending;
      return out;
    },
    async close() {
      await nc.close();
    },
  };
}

export class Probe {
  private constructor(
    private readonly source: DataSource,
    private readonly tenant: string,
    private readonly bus: LagReader | undefined,
    private readonly startedAt: () => number,
    private readonly pids: number[],
  ) {}

  static async open(source: DataSource, tenant: string, bus: BusSpec, startedAt: () => number, platformPids: number[] = []): Promise<Probe> {
    const reader = bus.natsUrl && bus.stream ? await jetstreamLag(bus.natsUrl, bus.stream) : bus.dataDir ? embeddedLag(bus.dataDir) : undefined;
    return new Probe(source, tenant, reader, startedAt, platformPids);
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

  get readsLag(): boolean {
    return this.bus !== undefined;
  }

  async sample(): Promise<Gauge> {
    const t = Math.round(((Date.now() - this.startedAt()) / 1000) * 10) / 10;
    const [statuses, outboxes, lag] = await Promise.all([
      this.source.query<{ status: string; n: number }>('order', 'select status, count(*) as n from orders where tenant = ? group by status', [this.tenant]),
      Promise.all(SERVICES.map(async (s) => [s, Number((await this.source.query<{ n: number }>(s, 'select count(*) as n from outbox'))[0]?.n ?? 0)] as const)),
      this.bus?.lag(),
    ]);
    const cpu = this.cpu();
    return {
      t,
      ordersByStatus: Object.fromEntries(statuses.map((r) => [r.status, Number(r.n)])),
      outbox: Object.fromEntries(outboxes),
      ...(lag ? { lag } : {}),
      ...(cpu ? { cpu } : {}),
    };
  }

  async close(): Promise<void> {
    await this.bus?.close();
  }
}

/** Nothing left to do: no order pending or awaiting payment, every outbox empty, no consumer behind. */
export function drained(g: Gauge): boolean {
  const busy = (g.ordersByStatus.pending ?? 0) + (g.ordersByStatus.awaiting_payment ?? 0);
  const outbox = Object.values(g.outbox).reduce((a, n) => a + n, 0);
  const lag = Object.values(g.lag ?? {}).reduce((a, n) => a + n, 0);
  return busy === 0 && outbox === 0 && lag === 0;
}
