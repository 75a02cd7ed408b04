/**
 * Polls /health/live and /health/ready of some processes every `everyMs`
 * while a run goes on, without waiting for an answer before the next poll
 * (a stalled process shows as many slow answers, not as few polls).
 */
import { percentiles, type Percentiles } from './load.js';

export interface HealthFigures {
  everyMs: number;
  polls: number;
  /** Latency in ms of the answers (timeouts count as their timeout). */
  latencyMs: Percentiles | null;
  statuses: Record<string, number>;
  /** Answers slower than 100 ms (the bound). */
  over100Ms: number;
  failures: number;
}

export function pollHealth(urls: string[], everyMs = 100, timeoutMs = 10_000): { stop: () => Promise<Record<string, HealthFigures>> } {
  const kinds = ['live', 'ready'] as const;
  const lat: Record<string, number[]> = {};
  const statuses: Record<string, Record<string, number>> = {};
  const failures: Record<string, number> = {};
  for (const k of kinds) {
    lat[k] = [];
    statuses[k] = {};
    failures[k] = 0;
  }
  const inFlight = new Set<Promise<void>>();
  const poll = (kind: (typeof kinds)[number], url: string) => {
    const started = performance.now();
    const p = fetch(`${url}/health/${kind}`, { signal: AbortSignal.timeout(timeoutMs) })
      .then(async (res) => {
        await res.arrayBuffer();
        lat[kind]!.push(performance.now() - started);
        statuses[kind]![res.status] = (statuses[kind]![res.status] ?? 0) + 1;
      })
      .catch(() => {
        lat[kind]!.push(performance.now() - started);
        failures[kind]!++;
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  };
  const timer = setInterval(() => {
    for (const url of urls) for (const k of kinds) poll(k, url);
  }, everyMs);
  return {
    stop: async () => {
      clearInterval(timer);
      await Promise.all([...inFlight]);
      const out: Record<string, HealthFigures> = {};
      for (const k of kinds) {
        out[k] = {
          everyMs,
          polls: lat[k]!.length,
          latencyMs: percentiles(lat[k]!),
          statuses: statuses[k]!,
          over100Ms: lat[k]!.filter((ms) => ms > 100).length,
          failures: failures[k]!,
        };
      }
      return out;
    },
  };
}
