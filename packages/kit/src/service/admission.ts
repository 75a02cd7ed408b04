import { monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * Admission control: how many requests a process works on at once, adapted
 * so that its event loop keeps up. On a saturated loop every admitted
 * request waits behind every other (health checks included), so admitting
 * all of them makes all of them late; past the limit a request is refused at
 * once (503 with Retry-After) at the cost of a few microseconds, and the
 * client can retry elsewhere or later.
 *
 * The signal is the loop's own lateness (its delay, 90th percentile over a
 * window), not request latency: a request also waits for the disk flush that
 * makes it durable, which more load does not lengthen and refusing would not
 * shorten. When the loop ran later than the target, the limit falls to what
 * was in flight scaled by target / delay (the concurrency that would have
 * met it, as TCP Vegas and Netflix's concurrency-limits reason), so a burst
 * is met within a window or two; while the limit is what turns requests away
 * and the loop keeps up, it rises by a tenth per window.
 */
export interface AdmissionOptions {
  /** How late the event loop may run (its 90th percentile over a window) before fewer requests are let in. */
  loopDelayMs: number;
  /** Never fewer in flight than this, nor more than `max`. */
  min?: number;
  max?: number;
  /** How long one window of measurement is. */
  windowMs?: number;
  now?: () => number;
  /** The loop's delay over the window that just ended, in ms; starts the next window. The process's own by default. */
  windowDelay?: { read(): number; stop(): void };
}

export interface Admission {
  /** True when the request may go on; it must then call `release` exactly once. */
  tryAcquire(): boolean;
  release(): void;
  readonly limit: number;
  readonly inFlight: number;
  /** Stops measuring (the server closed). */
  stop(): void;
}

/** A window over target lowers the limit by at least this factor. */
const MIN_DECREASE = 0.9;
const INCREASE = 1.1;

function processLoopDelay(): NonNullable<AdmissionOptions['windowDelay']> {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  return {
    read() {
      const p90 = histogram.count > 0 ? histogram.percentile(90) / 1e6 : 0;
      histogram.reset();
      return p90;
    },
    stop: () => histogram.disable(),
  };
}

export function admission(opts: AdmissionOptions): Admission {
  const min = opts.min ?? 8;
  const max = opts.max ?? 1000;
  const windowMs = opts.windowMs ?? 250;
  const now = opts.now ?? (() => performance.now());
  const windowDelay = opts.windowDelay ?? processLoopDelay();
  let limit = max;
  let inFlight = 0;
  let windowStart = now();
  // The most in flight this window, and whether the limit turned a request away (only then is raising it worth anything).
  let peak = 0;
  let bound = false;
  const clamp = (n: number) => Math.min(max, Math.max(min, Math.floor(n)));

  function closeWindow(at: number): void {
    const delay = windowDelay.read();
    if (delay > opts.loopDelayMs) limit = clamp(Math.min(limit, Math.max(peak, min)) * Math.min(MIN_DECREASE, opts.loopDelayMs / delay));
    else if (bound) limit = clamp(Math.max(limit + 1, limit * INCREASE));
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
    release() {
      inFlight--;
    },
    get limit() {
      return limit;
    },
    get inFlight() {
      return inFlight;
    },
    stop: () => windowDelay.stop(),
  };
}
