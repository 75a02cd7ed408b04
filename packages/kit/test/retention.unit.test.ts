import { describe, expect, it } from 'vitest';
import { CLOCK_SKEW_MS, forgettableBefore } from '../src/index.js';

describe('when processed-event records may be forgotten', () => {
  const cutoff = new Date('2026-11-04T00:00:00.000Z'); // a retention of 7 days, on 11 November

  it('at the retention cutoff when the group has acknowledged everything', () => {
    expect(forgettableBefore(cutoff, undefined)).toEqual(cutoff);
  });

  it('at the cutoff when what is still due to the group was published after it, skew and all', () => {
    expect(forgettableBefore(cutoff, new Date('2026-11-10T23:59:00.000Z'))).toEqual(cutoff);
  });

  it('before the earliest event still due to the group, less the clock skew, when that is older than the cutoff', () => {
    const lagging = new Date('2026-11-01T12:00:00.000Z');
    expect(forgettableBefore(cutoff, lagging)).toEqual(new Date(lagging.getTime() - CLOCK_SKEW_MS));
    expect(forgettableBefore(cutoff, new Date(cutoff.getTime() + CLOCK_SKEW_MS / 2)).getTime()).toBe(cutoff.getTime() - CLOCK_SKEW_MS / 2);
  });
});
