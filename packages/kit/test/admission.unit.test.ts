import { describe, expect, it } from 'vitest';
import { admission } from '../src/service/admission.js';

/** A gate on a fake clock and a fake event loop whose delay over each window the test sets. */
function gateWith(opts: { min?: number; max?: number } = {}) {
  const clock = { t: 0, delayMs: 0 };
  const gate = admission({ loopDelayMs: 20, ...opts, now: () => clock.t, windowDelay: { read: () => clock.delayMs, stop: () => undefined } });
  /** Offers requests in one window with the loop that late, all answered within it; returns how many were refused. */
  const window = (offered: number, delayMs: number) => {
    clock.delayMs = delayMs;
    let refused = 0;
    let admitted = 0;
    for (let i = 0; i < offered; i++) {
      if (gate.tryAcquire()) admitted++;
      else refused++;
    }
    for (let i = 0; i < admitted; i++) gate.release();
    clock.t += 300;
    return refused;
  };
  return { gate, window };
}

describe('admission control', () => {
  it('admits everything while the event loop keeps up, however long requests take', () => {
    const { gate, window } = gateWith();
    for (let i = 0; i < 10; i++) expect(window(150, 5)).toBe(0);
    expect(gate.inFlight).toBe(0);
  });

  it('falls within a window to the concurrency the loop keeps up with, and refuses the rest at once', () => {
    const { gate, window } = gateWith();
    // 150 in flight and the loop 80 ms late: a quarter of them would have kept it within 20.
    window(150, 80);
    window(1, 80); // the next request closes the window
    expect(gate.limit).toBe(Math.floor(150 * (20 / 80)));
    expect(window(150, 10)).toBe(150 - gate.limit);
  });

  it('rises again once the loop keeps up and the limit is what turns requests away, but never past max or under min', () => {
    const { gate, window } = gateWith({ min: 4, max: 60 });
    for (let i = 0; i < 20; i++) window(100, 5000);
    expect(gate.limit).toBe(4);
    for (let i = 0; i < 5; i++) window(100, 5);
    expect(gate.limit).toBeGreaterThan(4);
    for (let i = 0; i < 100; i++) window(100, 5);
    expect(gate.limit).toBe(60);
  });
});
