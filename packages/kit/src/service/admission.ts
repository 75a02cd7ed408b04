/**
 * Admission control: how many requests a process works on at once, adapted
 * so that their latency stays near a target. On a saturated event loop every
 * admitted request waits behind every other, so admitting all of them makes
 * all of them late; past the limit a request is refused at once (503 with
 * Retry-After) at the cost of a few microseconds, and the client can retry
 * elsewhere or later. The limit is measured per window: when the slowest
 * tenth of the window's requests took longer than the target, it falls to
 * what was in flight scaled by target / latency (the concurrency that would
 * have met it, as TCP Vegas and Netflix's concurrency-limits reason), so a
 * burst is met within a window or two; while it is what turns requests away
 * and they are fast, it rises by a tenth per window.
 */
export interface AdmissionOptions {
  /** The latency admitted requests should stay under (their 90th percentile over a window). */
  targetMs: number;
  /** Never fewer in flight than this, nor more than `max`. */
  min?: number;
  max?: number;
  /** How long one window of measurements is. */
  windowMs?: number;
  now?: () => number;
}

export interface Admission {
  /** True when the request may go on; it must then call `release` exactly once. */
  tryAcquire(): boolean;
  release(latencyMs: number): void;
  readonly limit: number;
  readonly inFlight: number;
}

/** A window over target lowers the limit by at least this factor. */
const MIN_DECREASE = 0.9;
const INCREASE = 1.1;

export function admission(opts: AdmissionOptions): Admission {
  const min = opts.min ?? 8;
  const max = opts.max ?? 1000;
  const windowMs = opts.windowMs ?? 250;
  const now = opts.now ?? (() => performance.now());
  let limit = max;
  let inFlight = 0;
  let windowStart = now();
  let latencies: number[] = [];
  // The most in flight this window, and whether the limit turned a request away (only then is raising it worth anything).
  let peak = 0;
  let bound = false;
  const clamp = (n: number) => Math.min(max, Math.max(min, Math.floor(n)));

  function closeWindow(at: number): void {
    if (latencies.length > 0) {
      latencies.sort((a, b) => a - b);
      const p90 = latencies[Math.floor(latencies.length * 0.9)]!;
      if (p90 > opts.targetMs) limit = clamp(Math.min(limit, peak) * Math.min(MIN_DECREASE, opts.targetMs / p90));
      else if (bound) limit = clamp(Math.max(limit + 1, limit * INCREASE));
    }
    latencies = [];
    bound = false;
    peak = inFlight;
    windowStart = at;
  }

  return {
    tryAcquire() {
      const at = now();
      if (at - windowStart >= windowMs) closeWindow(at);
      if (inFlight >= limit) {
        bound = true;
        return false;
      }
      peak = Math.max(peak, ++inFlight);
      return true;
    },
    release(latencyMs) {
      inFlight--;
      latencies.push(latencyMs);
    },
    get limit() {
      return limit;
    },
    get inFlight() {
      return inFlight;
    },
  };
}
