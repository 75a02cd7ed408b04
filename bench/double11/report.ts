/**
 * The report of a night: the figures (requests, answers by status, peak and
 * sustained rates, p99, drain), the timeline the charts draw, the platform
 * samples, the reconciliation, and the settings of the run; written as
 * report.json and report.html (html.ts), with what clients were told
 * (client.json) so the reconciliation can be run again on the data.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderHtml } from './html.js';
import type { Gauge } from './probe.js';
import type { Check } from './reconcile.js';
import type { ClientRecord } from './record.js';
import { phaseAt, phases, type Shape } from './shape.js';
import { merge, meanRate, peakRate, quantile, totals, type Histogram, type Second } from './stats.js';

export interface Settings {
  profile: string;
  target: string;
  mode: 'embedded' | 'distributed';
  tenant: string;
  durationS: number;
  peak: number;
  workers: number;
  seed: number;
  drainTimeoutS: number;
  midnightS: number;
  shape: Shape;
  [more: string]: unknown;
}

export interface TimelinePoint {
  second: number;
  target: number;
  sent: number;
  answered: number;
  ok: number;
  skipped: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  /** Non-2xx answers by status (and "error": no answer). */
  errors: Record<string, number>;
}

export interface Report {
  ok: boolean;
  startedAt: string;
  finishedAt: string;
  settings: Settings;
  requests: number;
  skipped: number;
  byStatus: Record<string, number>;
  byKind: Record<string, number>;
  peakRps: number;
  sustainedRps: number;
  p50Ms: number | null;
  p99Ms: number | null;
  drainS: number | null;
  /** Each phase of the night: how long, the rate offered and answered, latency, refusals and requests the client skipped. */
  byPhase: Record<string, PhaseFigures>;
  orders: { accepted: number; byStatus: Record<string, number> };
  reconciliation: Check[];
  sources: Record<string, string>;
  timeline: TimelinePoint[];
  gauges: Gauge[];
}

export interface PhaseFigures {
  seconds: number;
  targetPerS: number;
  answeredPerS: number;
  p50Ms: number | null;
  p99Ms: number | null;
  skipped: number;
  refused: number;
}

/** The figures of each phase (baseline, spike, plateau, tail), from the seconds of the load. */
export function phaseFigures(shape: Shape, seconds: Second[]): Record<string, PhaseFigures> {
  const out: Record<string, PhaseFigures & { latency: Histogram }> = {};
  for (const s of seconds) {
    if (s.second >= shape.durationS) continue;
    const phase = phaseAt(shape, s.second + 0.5);
    const f = (out[phase] ??= { seconds: 0, targetPerS: 0, answeredPerS: 0, p50Ms: null, p99Ms: null, skipped: 0, refused: 0, latency: {} });
    f.seconds++;
    f.targetPerS += s.target;
    f.answeredPerS += s.answered;
    f.skipped += s.skipped;
    f.refused += (s.byStatus['503'] ?? 0) + (s.byStatus['429'] ?? 0);
    merge(f.latency, s.latency);
  }
  const result: Record<string, PhaseFigures> = {};
  for (const [phase, { latency, ...f }] of Object.entries(out)) {
    const per = (n: number) => Math.round((n / Math.max(1, f.seconds)) * 10) / 10;
    result[phase] = { ...f, targetPerS: per(f.targetPerS), answeredPerS: per(f.answeredPerS), p50Ms: quantile(latency, 0.5), p99Ms: quantile(latency, 0.99) };
  }
  return result;
}

export function timelineOf(seconds: Second[]): TimelinePoint[] {
  return seconds.map((s) => {
    const errors: Record<string, number> = {};
    let ok = 0;
    for (const [status, n] of Object.entries(s.byStatus)) {
      if (/^2\d\d$/.test(status)) ok += n;
      else errors[status] = n;
    }
    return {
      second: s.second,
      target: Math.round(s.target),
      sent: s.sent,
      answered: s.answered,
      ok,
      skipped: s.skipped,
      p50: quantile(s.latency, 0.5),
      p90: quantile(s.latency, 0.9),
      p99: quantile(s.latency, 0.99),
      errors,
    };
  });
}

export function buildReport(input: {
  startedAt: string;
  settings: Settings;
  seconds: Second[];
  gauges: Gauge[];
  checks: Check[];
  drainS: number | null;
  accepted: number;
  ordersByStatus: Record<string, number>;
  sources: Record<string, string>;
}): Report {
  const all = totals(input.seconds);
  const { peakS, tailS } = phases(input.settings.shape);
  return {
    ok: input.checks.length > 0 && input.checks.every((c) => c.ok),
    startedAt: input.startedAt,
    finishedAt: new Date().toISOString(),
    settings: input.settings,
    requests: all.sent,
    skipped: all.skipped,
    byStatus: all.byStatus,
    byKind: all.byKind,
    peakRps: peakRate(input.seconds),
    sustainedRps: meanRate(input.seconds, Math.ceil(peakS), Math.floor(tailS)),
    p50Ms: quantile(all.latency, 0.5),
    p99Ms: quantile(all.latency, 0.99),
    drainS: input.drainS,
    byPhase: phaseFigures(input.settings.shape, input.seconds),
    orders: { accepted: input.accepted, byStatus: input.ordersByStatus },
    reconciliation: input.checks,
    sources: input.sources,
    timeline: timelineOf(input.seconds),
    gauges: input.gauges,
  };
}

export function writeReport(dir: string, report: Report, record?: ClientRecord): { json: string; html: string } {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, 'report.json');
  const html = join(dir, 'report.html');
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(html, renderHtml(report));
  if (record) writeFileSync(join(dir, 'client.json'), `${JSON.stringify(record)}\n`);
  return { json, html };
}

/** The reconciliation as a table for the terminal. */
export function checksTable(checks: Check[]): string {
  const lines = checks.map((c) => `  ${c.ok ? 'ok  ' : 'FAIL'}  ${c.check} (${c.items.toLocaleString('en-US')} compared)${c.ok ? '' : `\n${c.failures.map((f) => `          - ${f}`).join('\n')}`}`);
  return ['reconciliation:', ...lines].join('\n');
}
