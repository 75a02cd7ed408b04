import { afterEach, describe, expect, it, vi } from 'vitest';
import { probedInBackground } from '../src/lifecycle/index.js';

describe('probedInBackground: a neighbour asked in the background, answered from its latest outcome', () => {
  afterEach(() => vi.useRealTimers());

  it('fails until the first probe ends, then follows each probe, without waiting on a slow one', async () => {
    vi.useFakeTimers();
    let healthy = true;
    let calls = 0;
    let finish: (() => void) | undefined;
    const probe = probedInBackground(() => {
      calls++;
      return new Promise<void>((resolve, reject) => (finish = () => (healthy ? resolve() : reject(new Error('down')))));
    }, 500);
    await expect(probe.check()).rejects.toThrow('not probed yet');
    finish!();
    await vi.advanceTimersByTimeAsync(0);
    await expect(probe.check()).resolves.toBeUndefined();

    healthy = false;
    await vi.advanceTimersByTimeAsync(500);
    await vi.advanceTimersByTimeAsync(1500); // the probe hangs: no second one starts meanwhile, and the last outcome stands
    expect(calls).toBe(2);
    await expect(probe.check()).resolves.toBeUndefined();
    finish!();
    await vi.advanceTimersByTimeAsync(0);
    await expect(probe.check()).rejects.toThrow('down');

    probe.stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(calls).toBe(2);
  });
});
