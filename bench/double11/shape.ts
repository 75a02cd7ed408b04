/**
 * The shape of the night: a quiet baseline before midnight, a spike to the
 * peak within a few seconds at 00:00, a plateau at the peak, and a tail
 * falling back. Plain functions over plain data: the driver asks rateAt()
 * how many requests per second to offer at each moment.
 */

export interface Shape {
  /** Seconds of the whole run. */
  durationS: number;
  /** Requests per second at the top. */
  peak: number;
  /** Share of the run before midnight, at the baseline rate. */
  baselineShare: number;
  /** The baseline, as a share of the peak (Singles' Day: a hundredth). */
  baselineRatio: number;
  /** Seconds from the baseline to the peak at 00:00. */
  rampS: number;
  /** Share of the run after the ramp at the peak. */
  plateauShare: number;
  /** The rate the tail ends at, as a share of the peak. */
  tailRatio: number;
}

export type ProfileName = 'smoke' | 'midnight';

/** The profiles: smoke is under a minute end to end (CI); midnight is the full rehearsal. */
export const PROFILES: Record<ProfileName, Shape & { drainTimeoutS: number; workers: number; customers: number; stores: number }> = {
  smoke: { durationS: 20, peak: 150, baselineShare: 0.2, baselineRatio: 0.05, rampS: 2, plateauShare: 0.4, tailRatio: 0.2, drainTimeoutS: 20, workers: 1, customers: 60, stores: 12 },
  midnight: { durationS: 180, peak: 1200, baselineShare: 0.15, baselineRatio: 0.01, rampS: 3, plateauShare: 0.45, tailRatio: 0.1, drainTimeoutS: 120, workers: 2, customers: 400, stores: 40 },
};

/** The phases of a shape, in seconds from the start: midnight (the spike starts), the top of the ramp, the end of the plateau. */
export function phases(s: Shape): { midnightS: number; peakS: number; tailS: number } {
  const midnightS = s.durationS * s.baselineShare;
  const peakS = Math.min(s.durationS, midnightS + s.rampS);
  const tailS = Math.min(s.durationS, peakS + s.durationS * s.plateauShare);
  return { midnightS, peakS, tailS };
}

/** Requests per second to offer `t` seconds into the run (0 outside it). */
export function rateAt(s: Shape, t: number): number {
  if (t < 0 || t >= s.durationS) return 0;
  const { midnightS, peakS, tailS } = phases(s);
  const base = s.peak * s.baselineRatio;
  if (t < midnightS) return base;
  if (t < peakS) return base + ((s.peak - base) * (t - midnightS)) / Math.max(peakS - midnightS, 1e-9);
  if (t < tailS) return s.peak;
  const left = (t - tailS) / Math.max(s.durationS - tailS, 1e-9);
  return s.peak - (s.peak - s.peak * s.tailRatio) * left;
}

/** Which phase a moment belongs to, for the report and the live line. */
export function phaseAt(s: Shape, t: number): 'baseline' | 'spike' | 'plateau' | 'tail' {
  const { midnightS, peakS, tailS } = phases(s);
  if (t < midnightS) return 'baseline';
  if (t < peakS) return 'spike';
  if (t < tailS) return 'plateau';
  return 'tail';
}

/** Requests the shape offers over [from, to) seconds (trapezoids of 10 ms): what a tick should send. */
export function requestsBetween(s: Shape, from: number, to: number): number {
  let total = 0;
  const step = 0.01;
  for (let t = from; t < to; t += step) {
    const dt = Math.min(step, to - t);
    total += ((rateAt(s, t) + rateAt(s, t + dt)) / 2) * dt;
  }
  return total;
}
