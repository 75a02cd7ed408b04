/**
 * Load from autocannon in the bench process: as fast as the connections go
 * (closed loop), or at a fixed offered rate (autocannon's overallRate), on
 * one URL or split over several (one autocannon instance per URL, the
 * connections and the rate divided evenly, the figures summed).
 */
import autocannon from 'autocannon';
import { cpus } from 'node:os';
import { ORDER_BODY } from '../targets/protocol.js';
import { cpuSecondsOfAll } from './procs.js';

export interface LoadPlan {
  /** Base URLs (http://host:port), one autocannon instance each. */
  urls: string[];
  path: string;
  token: string;
  sku: string;
  connections: number;
  durationS: number;
  /** Requests per second offered over all instances (autocannon overallRate); absent: as fast as the connections go. */
  overallRate?: number;
  /** Record every response: 2xx latency from our own samples, Retry-After per status, ids of 201 answers. */
  recordResponses?: boolean;
  /** Processes whose CPU counts as "server". */
  serverPids: (number | undefined)[];
}

export interface Percentiles {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface ResponseRecord {
  /** Per status code: how many, and how many carried a Retry-After header. */
  byStatus: Record<string, { count: number; withRetryAfter: number }>;
  /** Latency of 2xx answers, fractional milliseconds, from every response. */
  latency2xxMs: Percentiles | null;
  /** Latency of the other answers. */
  latencyNon2xxMs: Percentiles | null;
  /** Ids of the orders answered 201 (the body's `id`). */
  acceptedIds: string[];
}

export interface LoadFigures {
  url: string;
  urls?: string[];
  method: 'POST';
  durationS: number;
  connections: number;
  /** The offered rate asked of autocannon (requests/s over all instances), if any. */
  overallRate?: number;
  /** When the load ran (autocannon's start and finish; with several instances the earliest start and the latest finish). */
  window: { start: string; end: string; startMs: number; endMs: number };
  requestsPerSec: { mean: number; stddev: number; min: number; max: number };
  /** Requests sent per second over the window (what was offered, answered or not). */
  sentPerSec: number;
  /** 2xx answers per second over the window: what was accepted, refusals (503, 429) left out. */
  ok2xxPerSec: number;
  /**
   * 2xx latency (autocannon records only 2xx in its histogram), whole milliseconds; with several instances,
   * from our own per-response samples (fractional), mean over those.
   */
  latencyMs: { mean: number; p50: number; p90: number; p99: number; max: number };
  requests: number;
  responses2xx: number;
  non2xx: number;
  statusCodes: Record<string, number>;
  errors: number;
  timeouts: number;
  throughputBytesPerSec: number;
  /**
   * CPU used during the run, in % of one core (100 = one core busy): the server process(es), autocannon in this
   * process, the whole machine, and what is left for everything else (should be near 0 on a quiet machine).
   */
  cpuPct: { server: number | null; loadGenerator: number; machine: number; other: number | null };
  responses?: ResponseRecord;
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

export function percentiles(values: number[]): Percentiles | null {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  const at = (q: number) => round(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!);
  return { count: sorted.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: round(sorted[sorted.length - 1]!) };
}

/** CPU milliseconds all cores have spent busy since boot. */
export function machineCpuMs(): number {
  return cpus().reduce((a, c) => a + c.times.user + c.times.nice + c.times.sys + c.times.irq, 0);
}

const ID_IN_BODY = /"id"\s*:\s*"([^"]+)"/;

export async function runLoad(plan: LoadPlan): Promise<LoadFigures> {
  const n = plan.urls.length;
  const split = (total: number, i: number) => Math.floor(total / n) + (i < total % n ? 1 : 0);
  const record = plan.recordResponses || n > 1;
  const lat2xx: number[] = [];
  const latOther: number[] = [];
  const byStatus: Record<string, { count: number; withRetryAfter: number }> = {};
  const acceptedIds: string[] = [];

  const headers = {
    authorization: `Bearer ${plan.token}`,
    'content-type': 'application/json',
    'idempotency-key': 'bench-[<id>]',
  };
  const body = ORDER_BODY(plan.sku);
  const onResponse = (status: number, resBody: string, _ctx: object, resHeaders: Record<string, unknown> | undefined) => {
    const entry = (byStatus[status] ??= { count: 0, withRetryAfter: 0 });
    entry.count++;
    if (resHeaders && Object.keys(resHeaders).some((k) => k.toLowerCase() === 'retry-after')) entry.withRetryAfter++;
    if (status === 201) {
      const id = ID_IN_BODY.exec(resBody)?.[1];
      if (id) acceptedIds.push(id);
    }
  };
  const options = plan.urls.map((url, i): autocannon.Options => {
    const connections = Math.max(1, split(plan.connections, i));
    const rate = plan.overallRate ? Math.max(1, split(plan.overallRate, i)) : undefined;
    return {
      url: url + plan.path,
      method: 'POST',
      connections,
      duration: plan.durationS,
      ...(rate ? { overallRate: rate } : {}),
      ...(plan.recordResponses
        ? { requests: [{ method: 'POST', path: plan.path, body, headers, onResponse: onResponse as unknown as autocannon.Request['onResponse'] }] }
        : { body, headers }),
      idReplacement: true, // a fresh idempotency key per request: every request is a new order
    };
  });

  const pids = plan.serverPids.filter((p): p is number => p !== undefined);
  const serverCpu = () => cpuSecondsOfAll(pids);
  const serverBefore = serverCpu();
  const selfBefore = process.cpuUsage();
  const machineBefore = machineCpuMs();
  const wallBefore = performance.now();
  const results = await Promise.all(
    options.map(
      (o) =>
        new Promise<autocannon.Result>((done, fail) => {
          const instance = autocannon(o, (error, result) => (error ? fail(error) : done(result)));
          if (record) {
            instance.on('response', (_client: unknown, statusCode: number, _bytes: number, ms: number) => {
              (statusCode >= 200 && statusCode < 300 ? lat2xx : latOther).push(ms);
            });
          }
        }),
    ),
  );
  const wallS = (performance.now() - wallBefore) / 1000;
  const serverAfter = serverCpu();
  const self = process.cpuUsage(selfBefore);
  const machineAfter = machineCpuMs();
  const pctOfOneCore = (seconds: number) => Math.round((seconds / wallS) * 1000) / 10;
  const server = serverBefore === undefined || serverAfter === undefined ? null : pctOfOneCore(serverAfter - serverBefore);
  const loadGenerator = pctOfOneCore((self.user + self.system) / 1e6);
  const machine = pctOfOneCore((machineAfter - machineBefore) / 1000);
  const cpuPct = { server, loadGenerator, machine, other: server === null ? null : Math.max(0, round(machine - server - loadGenerator, 1)) };

  const sum = (f: (r: autocannon.Result) => number) => results.reduce((a, r) => a + f(r), 0);
  const statusCodes: Record<string, number> = {};
  for (const r of results) for (const [code, s] of Object.entries(r.statusCodeStats ?? {})) statusCodes[code] = (statusCodes[code] ?? 0) + (s.count ?? 0);
  const startMs = Math.min(...results.map((r) => new Date(r.start).getTime()));
  const endMs = Math.max(...results.map((r) => new Date(r.finish).getTime()));
  const first = results[0]!;
  const own = percentiles(lat2xx);
  const latencyMs =
    n === 1
      ? { mean: round(first.latency.average), p50: first.latency.p50, p90: first.latency.p90, p99: first.latency.p99, max: first.latency.max }
      : own
        ? { mean: round(lat2xx.reduce((a, b) => a + b, 0) / lat2xx.length), p50: own.p50, p90: own.p90, p99: own.p99, max: own.max }
        : { mean: 0, p50: 0, p90: 0, p99: 0, max: 0 };
  const figures: LoadFigures = {
    url: first.url,
    ...(n > 1 ? { urls: results.map((r) => r.url) } : {}),
    method: 'POST',
    durationS: round(Math.max(...results.map((r) => r.duration))),
    connections: sum((r) => r.connections),
    ...(plan.overallRate ? { overallRate: plan.overallRate } : {}),
    window: { start: new Date(startMs).toISOString(), end: new Date(endMs).toISOString(), startMs, endMs },
    requestsPerSec: { mean: round(sum((r) => r.requests.average)), stddev: round(Math.sqrt(sum((r) => r.requests.stddev ** 2))), min: sum((r) => r.requests.min), max: sum((r) => r.requests.max) },
    sentPerSec: round(sum((r) => r.requests.sent) / Math.max(0.001, (endMs - startMs) / 1000)),
    ok2xxPerSec: round(sum((r) => r['2xx']) / Math.max(0.001, (endMs - startMs) / 1000)),
    latencyMs,
    requests: sum((r) => r.requests.total),
    responses2xx: sum((r) => r['2xx']),
    non2xx: sum((r) => r.non2xx),
    statusCodes,
    errors: sum((r) => r.errors),
    timeouts: sum((r) => r.timeouts),
    throughputBytesPerSec: round(sum((r) => r.throughput.average), 0),
    cpuPct,
  };
  if (plan.recordResponses) figures.responses = { byStatus, latency2xxMs: own, latencyNon2xxMs: percentiles(latOther), acceptedIds };
  return figures;
}
