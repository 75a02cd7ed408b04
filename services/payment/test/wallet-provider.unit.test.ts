import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { simulatedOutcome } from '../provider/wallet-provider.js';

describe('the simulated wallet provider decides an outcome per payment', () => {
  const refs = Array.from({ length: 4000 }, () => `WLT${randomUUID()}`);

  it('gives the same answer for a payment each time it is asked, as after a restart', () => {
    for (const ref of refs.slice(0, 100)) expect(simulatedOutcome(ref, 0.5)).toBe(simulatedOutcome(ref, 0.5));
  });

  it('fails none at rate 0, all at rate 1, and about the rate in between', () => {
    expect(refs.every((r) => simulatedOutcome(r, 0) === 'success')).toBe(true);
    expect(refs.every((r) => simulatedOutcome(r, 1) === 'failure')).toBe(true);
    const failed = refs.filter((r) => simulatedOutcome(r, 0.3) === 'failure').length / refs.length;
    expect(failed).toBeGreaterThan(0.26);
    expect(failed).toBeLessThan(0.34);
  });
});
