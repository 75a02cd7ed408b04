import type { MetricValueWithName, Registry } from 'prom-client';

/** One label set's figures: how many, their sum, and how many fell in each bucket (not cumulative; the last is +Inf). */
interface Series {
  labels: string[];
  count: number;
  sum: number;
  buckets: Float64Array;
}

type Labels = Record<string, string | number>;

/**
 * A counter and a latency histogram of the same events, recorded on the hot
 * path with one Map lookup and a few number writes (prom-client's own counter
 * and histogram hash their labels on every call: about ten times the cost).
 * The counter has every label; the histogram the first `histogramLabels` of
 * them (a latency by route, not by route and status). Both are exposed
 * through prom-client's registry as metrics of its shape, read when scraped.
 */
export class CountedLatency {
  private readonly series = new Map<string, Series>();
  private readonly bounds: Float64Array;

  constructor(
    registry: Registry,
    private readonly opts: { counter: string; counterHelp: string; histogram: string; histogramHelp: string; labelNames: string[]; histogramLabels: number; buckets: number[] },
  ) {
    this.bounds = Float64Array.from(opts.buckets);
    registry.registerMetric(this.metric(opts.counter, opts.counterHelp, 'counter', () => this.counterValues()) as never);
    registry.registerMetric(this.metric(opts.histogram, opts.histogramHelp, 'histogram', () => this.histogramValues()) as never);
  }

  /** `key` names the label values (any string unique to them); `labels` is read only the first time a key is seen. */
  record(key: string, labels: () => string[], seconds: number): void {
    let s = this.series.get(key);
    if (!s) {
      s = { labels: labels(), count: 0, sum: 0, buckets: new Float64Array(this.bounds.length + 1) };
      this.series.set(key, s);
    }
    s.count++;
    s.sum += seconds;
    let i = 0;
    while (i < this.bounds.length && seconds > this.bounds[i]!) i++;
    s.buckets[i]!++;
  }

  private metric(name: string, help: string, type: 'counter' | 'histogram', values: () => MetricValueWithName<string>[]) {
    const get = () => ({ name, help, type, values: values(), aggregator: 'sum' });
    return { name, help, type, aggregator: 'sum', get, reset: () => this.series.clear() };
  }

  private labelsOf(values: string[], count: number): Labels {
    const labels: Labels = {};
    for (let i = 0; i < count; i++) labels[this.opts.labelNames[i]!] = values[i]!;
    return labels;
  }

  private counterValues(): MetricValueWithName<string>[] {
    return [...this.series.values()].map((s) => ({ value: s.count, labels: this.labelsOf(s.labels, s.labels.length), metricName: this.opts.counter }));
  }

  private histogramValues(): MetricValueWithName<string>[] {
    const n = this.opts.histogramLabels;
    const merged = new Map<string, { labels: string[]; count: number; sum: number; buckets: Float64Array }>();
    for (const s of this.series.values()) {
      const key = s.labels.slice(0, n).join('\u0000');
      let m = merged.get(key);
      if (!m) merged.set(key, (m = { labels: s.labels.slice(0, n), count: 0, sum: 0, buckets: new Float64Array(s.buckets.length) }));
      m.count += s.count;
      m.sum += s.sum;
      for (let i = 0; i < s.buckets.length; i++) m.buckets[i]! += s.buckets[i]!;
    }
    const name = this.opts.histogram;
    const out: MetricValueWithName<string>[] = [];
    for (const m of merged.values()) {
      const labels = this.labelsOf(m.labels, n);
      let cumulative = 0;
      for (let i = 0; i < m.buckets.length; i++) {
        cumulative += m.buckets[i]!;
        out.push({ value: cumulative, labels: { ...labels, le: i < this.bounds.length ? this.bounds[i]! : '+Inf' }, metricName: `${name}_bucket` });
      }
      out.push({ value: m.sum, labels, metricName: `${name}_sum` }, { value: m.count, labels, metricName: `${name}_count` });
    }
    return out;
  }
}
