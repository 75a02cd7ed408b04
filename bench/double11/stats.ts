/**
 * What the load saw, a second at a time: requests sent and answered, answers
 * by status and by kind of request, latency as a histogram of logarithmic
 * buckets (mergeable across workers, percentiles within 2 %). Plain data, so
 * a worker posts its seconds to the main thread and the report reads them.
 */

/** Bucket i holds latencies in [GROWTH^(i-1), GROWTH^i) ms; bucket 0 everything under 1 ms. */
const GROWTH = 1.04;
const LOG_GROWTH = Math.log(GROWTH);

export type Histogram = Record<number, number>;

export function bucketOf(ms: number): number {
  return ms < 1 ? 0 : Math.floor(Math.log(ms) / LOG_GROWTH) + 1;
}

/** The upper bound of a bucket, in ms: what a percentile falling in it reports. */
export function bucketTop(bucket: number): number {
  return bucket === 0 ? 1 : GROWTH ** bucket;
}

export function record(h: Histogram, ms: number): void {
  const b = bucketOf(ms);
  h[b] = (h[b] ?? 0) + 1;
}

export function merge(into: Histogram, from: Histogram): Histogram {
  for (const [b, n] of Object.entries(from)) into[Number(b)] = (into[Number(b)] ?? 0) + n;
  return into;
}

export function countOf(h: Histogram): number {
  return Object.values(h).reduce((a, n) => a + n, 0);
}

/** The q-quantile (0..1) in ms, rounded to 0.1 ms; null when empty. */
export function quantile(h: Histogram, q: number): number | null {
  const total = countOf(h);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const b of Object.keys(h).map(Number).sort((x, y) => x - y)) {
    seen += h[b]!;
    if (seen >= rank) return Math.round(bucketTop(b) * 10) / 10;
  }
  return null;
}

/** One second of the run (second = whole seconds since the load started). */
export interface Second {
  second: number;
  /** Requests the shape asked for in this second. */
  target: number;
  sent: number;
  /** Requests the generator had to skip: too many in flight (the client could not keep up). */
  skipped: number;
  answered: number;
  /** Network errors and timeouts: no HTTP answer. */
  failed: number;
  byStatus: Record<string, number>;
  byKind: Record<string, number>;
  latency: Histogram;
}

export const emptySecond = (second: number): Second => ({ second, target: 0, sent: 0, skipped: 0, answered: 0, failed: 0, byStatus: {}, byKind: {}, latency: {} });

export function mergeSecond(into: Second, from: Second): Second {
  into.target += from.target;
  into.sent += from.sent;
  into.skipped += from.skipped;
  into.answered += from.answered;
  into.failed += from.failed;
  for (const [k, n] of Object.entries(from.byStatus)) into.byStatus[k] = (into.byStatus[k] ?? 0) + n;
  for (const [k, n] of Object.entries(from.byKind)) into.byKind[k] = (into.byKind[k] ?? 0) + n;
  merge(into.latency, from.latency);
  return into;
}

/** Seconds by number, merged from every worker. */
export class Timeline {
  private readonly seconds = new Map<number, Second>();

  add(s: Second): void {
    const have = this.seconds.get(s.second);
    if (have) mergeSecond(have, s);
    else this.seconds.set(s.second, mergeSecond(emptySecond(s.second), s));
  }

  all(): Second[] {
    return [...this.seconds.values()].sort((a, b) => a.second - b.second);
  }

  get(second: number): Second | undefined {
    return this.seconds.get(second);
  }
}

/** The whole run as one second: everything sent and answered, merged. */
export function totals(seconds: Second[]): Second {
  return seconds.reduce((acc, s) => mergeSecond(acc, s), emptySecond(-1));
}

/**
 * The highest rate of answers held over `windowS` consecutive seconds (a
 * sliding mean, so one lucky second is not the peak), and the mean over a
 * stretch of seconds (the plateau: the sustained rate).
 */
export function peakRate(seconds: Second[], windowS = 3): number {
  const answered = seconds.map((s) => s.answered);
  let best = 0;
  for (let i = 0; i + windowS <= answered.length; i++) best = Math.max(best, answered.slice(i, i + windowS).reduce((a, n) => a + n, 0) / windowS);
  if (answered.length && answered.length < windowS) best = answered.reduce((a, n) => a + n, 0) / answered.length;
  return Math.round(best * 10) / 10;
}

export function meanRate(seconds: Second[], fromS: number, toS: number): number {
  const inside = seconds.filter((s) => s.second >= fromS && s.second < toS);
  if (!inside.length) return 0;
  return Math.round((inside.reduce((a, s) => a + s.answered, 0) / Math.max(1, toS - fromS)) * 10) / 10;
}
