import { describe, expect, it } from 'vitest';
import { admission } from '../src/service/admission.js';

/** Runs `inFlight` requests a window, each taking `latencyMs`, and returns how many were refused. */
function window(gate: ReturnType<typeof admission>, clock: { t: number }, offered: number, latencyMs: number): number {
  let refused = 0;
  const admitted: number[] = [];
  for (let i = 0; i < offered; i++) {
    if (gate.tryAcquire()) admitted.push(i);
    else refused++;
  }
  for (const _ of admitted) gate.release(latencyMs);
  clock.t += 300;
  return refused;
}

describe('admission control', () => {
  it('admits everything while requests are fast', () => {
    const clock = { t: 0 };
    const gate = admission({ targetMs: 50, now: () => clock.t });
    for (let i = 0; i < 10; i++) expect(window(gate, clock, 150, 5)).toBe(0);
    expect(gate.inFlight).toBe(0);
  });

  it('falls within a window or two to the concurrency that meets the target, and refuses the rest at once', () => {
    const clock = { t: 0 };
    const gate = admission({ targetMs: 50, now: () => clock.t });
    // 150 in flight took 200 ms: about a quarter of that would have taken 50.
    window(gate, clock, 150, 200);
    gate.tryAcquire(); // the next request closes the window
    gate.release(1);
    expect(gate.limit).toBeLessThanOrEqual(Math.floor(150 * (50 / 200)));
    expect(gate.limit).toBeGreaterThanOrEqual(8);
    expect(window(gate, clock, 150, 40)).toBe(150 - gate.limit);
  });

  it('rises again once admitted requests are fast and the limit is what turns others away, but never past max or under min', () => {
    const clock = { t: 0 };
    const gate = admission({ targetMs: 50, min: 4, max: 60, now: () => clock.t });
    for (let i = 0; i < 20; i++) window(gate, clock, 100, 5000);
    window(gate, clock, 100, 5000);
    expect(gate.limit).toBe(4);
    const low = gate.limit;
    for (let i = 0; i < 5; i++) window(gate, clock, 100, 10);
    expect(gate.limit).toBeGreaterThan(low);
    for (let i = 0; i < 100; i++) window(gate, clock, 100, 10);
    expect(gate.limit).toBe(60);
  });
});
