import { describe, expect, it } from 'vitest';
import { chooseArrival, DEFAULT_MIX } from '../mix.js';
import { drained, metricByLabel } from '../probe.js';
import { phaseAt, phases, PROFILES, rateAt, requestsBetween } from '../shape.js';
import { countOf, emptySecond, meanRate, peakRate, quantile, record, Timeline, type Histogram } from '../stats.js';
import { random } from '../world.js';

describe('the shape of the night', () => {
  const s = PROFILES.midnight;

  it('is quiet before midnight, reaches the peak within the ramp, holds it, then falls to the tail', () => {
    const { midnightS, peakS, tailS } = phases(s);
    expect(rateAt(s, 1)).toBeCloseTo(s.peak * s.baselineRatio);
    expect(rateAt(s, midnightS - 0.01)).toBeCloseTo(s.peak * s.baselineRatio);
    expect(peakS - midnightS).toBe(s.rampS);
    expect(rateAt(s, peakS)).toBe(s.peak);
    expect(rateAt(s, (peakS + tailS) / 2)).toBe(s.peak);
    expect(rateAt(s, s.durationS - 0.001)).toBeCloseTo(s.peak * s.tailRatio, 0);
    expect(rateAt(s, s.durationS)).toBe(0);
    expect(phaseAt(s, 0)).toBe('baseline');
    expect(phaseAt(s, midnightS + 1)).toBe('spike');
    expect(phaseAt(s, peakS + 1)).toBe('plateau');
    expect(phaseAt(s, tailS + 1)).toBe('tail');
  });

  it('offers a hundredfold jump at midnight (midnight profile)', () => {
    const { midnightS, peakS } = phases(s);
    expect(rateAt(s, peakS) / rateAt(s, midnightS - 1)).toBe(100);
  });

  it('counts the requests of a stretch as the area under the rate', () => {
    const { peakS, tailS } = phases(s);
    expect(requestsBetween(s, peakS, peakS + 2)).toBeCloseTo(2 * s.peak, 0);
    expect(requestsBetween(s, 0, 1)).toBeCloseTo(s.peak * s.baselineRatio, 1);
    expect(requestsBetween(s, tailS, tailS)).toBe(0);
  });

  it('keeps the smoke profile under a minute with its drain', () => {
    expect(PROFILES.smoke.durationS + PROFILES.smoke.drainTimeoutS).toBeLessThan(60);
  });
});

describe('latency histograms and seconds', () => {
  it('reports percentiles within the bucket width', () => {
    const h: Histogram = {};
    for (let ms = 1; ms <= 1000; ms++) record(h, ms);
    expect(countOf(h)).toBe(1000);
    expect(quantile(h, 0.5)!).toBeGreaterThanOrEqual(500);
    expect(quantile(h, 0.5)!).toBeLessThan(500 * 1.05);
    expect(quantile(h, 0.99)!).toBeGreaterThanOrEqual(990);
    expect(quantile(h, 0.99)!).toBeLessThan(990 * 1.05);
    expect(quantile({}, 0.99)).toBeNull();
  });

  it('merges the seconds of several workers', () => {
    const t = new Timeline();
    const a = { ...emptySecond(3), sent: 10, answered: 9, byStatus: { 201: 9 } };
    const b = { ...emptySecond(3), sent: 5, answered: 5, byStatus: { 201: 4, 503: 1 } };
    record(a.latency, 2);
    record(b.latency, 200);
    t.add(a);
    t.add(b);
    const s = t.get(3)!;
    expect([s.sent, s.answered, s.byStatus]).toEqual([15, 14, { 201: 13, 503: 1 }]);
    expect(countOf(s.latency)).toBe(2);
  });

  it('takes the peak over a window of seconds and the mean over a stretch', () => {
    const seconds = [10, 100, 200, 190, 180, 20].map((answered, second) => ({ ...emptySecond(second), answered }));
    expect(peakRate(seconds, 3)).toBe(190);
    expect(meanRate(seconds, 1, 5)).toBe(167.5);
  });
});

describe('the mix', () => {
  it('chooses arrivals in proportion to their weights', () => {
    const rnd = random(1);
    const counts: Record<string, number> = {};
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const k = chooseArrival(DEFAULT_MIX, rnd());
      counts[k] = (counts[k] ?? 0) + 1;
    }
    const total = Object.values(DEFAULT_MIX.arrivals).reduce((a, w) => a + w, 0);
    for (const [k, w] of Object.entries(DEFAULT_MIX.arrivals)) expect(counts[k]! / n).toBeCloseTo(w / total, 1);
  });
});

describe('the platform\'s gauges', () => {
  it('reads lag and backlog from Prometheus text, the largest figure where replicas repeat a label', () => {
    const text = [
      '# HELP omnishop_consumer_lag_events Events ...',
      '# TYPE omnishop_consumer_lag_events gauge',
      'omnishop_consumer_lag_events{group="order"} 12',
      'omnishop_consumer_lag_events{group="inventory"} 0',
      'omnishop_consumer_lag_events{group="order"} 7',
      'omnishop_outbox_backlog_events{service="order",thread="main"} 3',
    ].join('\n');
    expect(metricByLabel(text, 'omnishop_consumer_lag_events', 'group')).toEqual({ order: 12, inventory: 0 });
    expect(metricByLabel(text, 'omnishop_outbox_backlog_events', 'service')).toEqual({ order: 3 });
    expect(metricByLabel(text, 'omnishop_dead_letters', 'service')).toEqual({});
  });

  it('calls the platform drained when no order is in its saga, no outbox holds events and no group is behind', () => {
    const g = { t: 1, ordersByStatus: { completed: 5, confirmed: 2 }, outbox: { order: 0 }, lag: { order: 0 } };
    expect(drained(g)).toBe(true);
    expect(drained({ ...g, ordersByStatus: { ...g.ordersByStatus, awaiting_payment: 1 } })).toBe(false);
    expect(drained({ ...g, outbox: { order: 2 } })).toBe(false);
    expect(drained({ ...g, lag: { payment: 1 } })).toBe(false);
  });
});
