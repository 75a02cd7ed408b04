import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  adjustment,
  balanceOf,
  earning,
  lifetimeOf,
  pointsFor,
  reversal,
  standingOf,
  tierFor,
  type PointsEntry,
  type Standing,
} from '../domain/points.js';

const standing = (over: Partial<Standing> = {}): Standing => ({ balance: 0, earned: undefined, reversed: false, ...over });

describe('pointsFor', () => {
  it.each([
    [0, 0],
    [99, 0],
    [100, 1],
    [19_999, 199],
    [20_000, 200],
  ])('an order of %i fen earns %i points', (total, points) => {
    expect(pointsFor(total)).toBe(points);
  });

  it('a negative or non-finite total earns nothing', () => {
    expect(pointsFor(-500)).toBe(0);
    expect(pointsFor(Number.NaN)).toBe(0);
  });
});

describe('tierFor', () => {
  it.each([
    [0, 'bronze'],
    [999, 'bronze'],
    [1000, 'silver'],
    [4999, 'silver'],
    [5000, 'gold'],
    [1_000_000, 'gold'],
    [-10, 'bronze'],
  ])('%i lifetime points is %s', (lifetime, tier) => {
    expect(tierFor(lifetime)).toBe(tier);
  });
});

describe('earning', () => {
  it('a completed order earns floor(total / 100) points', () => {
    expect(earning(standing(), 'o1', 12_345)).toEqual({ ok: true, value: { orderId: 'o1', delta: 123, reason: 'earned' } });
  });

  it('an order earns once', () => {
    expect(earning(standing({ earned: 123 }), 'o1', 12_345)).toEqual({ ok: false, error: 'already_earned' });
  });

  it('an order under one yuan earns nothing, and no entry', () => {
    expect(earning(standing(), 'o1', 99)).toEqual({ ok: false, error: 'nothing_to_earn' });
  });
});

describe('reversal', () => {
  it('takes back what the order earned', () => {
    expect(reversal(standing({ balance: 500, earned: 120 }), 'o1')).toEqual({ ok: true, value: { orderId: 'o1', delta: -120, reason: 'reversed' } });
  });

  it('never takes the balance below zero: only what is left', () => {
    expect(reversal(standing({ balance: 30, earned: 120 }), 'o1')).toEqual({ ok: true, value: { orderId: 'o1', delta: -30, reason: 'reversed' } });
  });

  it('an order that earned nothing, or was reversed already, cannot be reversed', () => {
    expect(reversal(standing({ balance: 30 }), 'o1')).toEqual({ ok: false, error: 'not_earned' });
    expect(reversal(standing({ balance: 30, earned: 120, reversed: true }), 'o1')).toEqual({ ok: false, error: 'already_reversed' });
  });
});

describe('adjustment', () => {
  it('may add, or take away down to zero, but not below', () => {
    expect(adjustment(10, 5)).toEqual({ ok: true, value: { orderId: null, delta: 5, reason: 'adjusted' } });
    expect(adjustment(10, -10).ok).toBe(true);
    expect(adjustment(10, -11)).toEqual({ ok: false, error: 'below_zero' });
    expect(adjustment(10, 0)).toEqual({ ok: false, error: 'not_whole' });
  });
});

describe('the ledger', () => {
  it('standingOf reads what an order earned and whether it was reversed', () => {
    const entries: PointsEntry[] = [
      { orderId: 'a', delta: 100, reason: 'earned' },
      { orderId: 'b', delta: 50, reason: 'earned' },
      { orderId: 'a', delta: -100, reason: 'reversed' },
      { orderId: null, delta: 7, reason: 'adjusted' },
    ];
    expect(standingOf(entries, 'a')).toEqual({ balance: 57, earned: 100, reversed: true });
    expect(standingOf(entries, 'b')).toEqual({ balance: 57, earned: 50, reversed: false });
    expect(lifetimeOf(entries)).toBe(50);
  });

  type Op = { kind: 'earn'; order: number; total: number } | { kind: 'reverse'; order: number } | { kind: 'adjust'; delta: number };
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ kind: fc.constant('earn' as const), order: fc.integer({ min: 0, max: 9 }), total: fc.integer({ min: 0, max: 1_000_000 }) }),
    fc.record({ kind: fc.constant('reverse' as const), order: fc.integer({ min: 0, max: 9 }) }),
    fc.record({ kind: fc.constant('adjust' as const), delta: fc.integer({ min: -20_000, max: 20_000 }) }),
  );

  it('whatever happens, the balance is the sum of the entries, never negative, and each order earns and reverses at most once', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const entries: PointsEntry[] = [];
        let balance = 0;
        for (const o of ops) {
          const orderId = o.kind === 'adjust' ? '' : `o${o.order}`;
          const s = standingOf(entries, orderId);
          const result =
            o.kind === 'earn' ? earning(s, orderId, o.total) : o.kind === 'reverse' ? reversal(s, orderId) : adjustment(balance, o.delta);
          if (!result.ok) continue;
          entries.push(result.value);
          balance += result.value.delta;
          expect(balance).toBe(balanceOf(entries));
          expect(balance).toBeGreaterThanOrEqual(0);
        }
        for (let n = 0; n < 10; n++) {
          const ofOrder = entries.filter((e) => e.orderId === `o${n}`);
          const earned = ofOrder.filter((e) => e.reason === 'earned');
          const reversed = ofOrder.filter((e) => e.reason === 'reversed');
          expect(earned.length).toBeLessThanOrEqual(1);
          expect(reversed.length).toBeLessThanOrEqual(earned.length);
          // A reversal takes back at most what its order earned.
          if (reversed[0]) expect(-reversed[0].delta).toBeLessThanOrEqual(earned[0]!.delta);
        }
      }),
    );
  });
});
