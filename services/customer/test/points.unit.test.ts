import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  adjustment,
  balanceOf,
  earning,
  pointsFor,
  pointsKept,
  reversal,
  standingOf,
  tierFor,
  type PointsEntry,
  type Standing,
} from '../domain/points.js';

const standing = (over: Partial<Standing> = {}): Standing => ({ balance: 0, earned: undefined, held: 0, ...over });
const paid = (total: number, refunded = 0) => ({ paid: total, refunded });

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

describe('pointsKept', () => {
  it.each([
    [12_345, 0, 123],
    [12_345, 12_345, 0],
    [12_345, 6_000, 64], // 123 - floor(123 × 6000 / 12345) = 123 - 59
    [12_345, 99_999, 0],
    [12_345, -5, 123],
    [99, 0, 0],
    [0, 0, 0],
  ])('an order paid %i fen, %i of it refunded, keeps %i points', (total, refunded, kept) => {
    expect(pointsKept(total, refunded)).toBe(kept);
  });
});

describe('earning', () => {
  it('a completed order earns floor(paid / 100) points', () => {
    expect(earning(standing(), 'o1', paid(12_345))).toEqual({ ok: true, value: { orderId: 'o1', delta: 123, reason: 'earned' } });
  });

  it('what was refunded before it completed is not earned', () => {
    expect(earning(standing(), 'o1', paid(12_345, 6_000))).toEqual({ ok: true, value: { orderId: 'o1', delta: 64, reason: 'earned' } });
    expect(earning(standing(), 'o1', paid(12_345, 12_345))).toEqual({ ok: false, error: 'nothing_to_earn' });
  });

  it('an order earns once', () => {
    expect(earning(standing({ earned: 123, held: 123 }), 'o1', paid(12_345))).toEqual({ ok: false, error: 'already_earned' });
  });

  it('an order under one yuan earns nothing, and no entry', () => {
    expect(earning(standing(), 'o1', paid(99))).toEqual({ ok: false, error: 'nothing_to_earn' });
  });
});

describe('reversal', () => {
  const earned = (over: Partial<Standing> = {}) => standing({ balance: 500, earned: 123, held: 123, ...over });

  it('a partial refund takes back its share, rounded down', () => {
    expect(reversal(earned(), 'o1', paid(12_345, 6_000))).toEqual({ ok: true, value: { orderId: 'o1', delta: -59, reason: 'reversed' } });
  });

  it('a later refund takes what its cumulative total adds: at a full refund, exactly what was earned', () => {
    expect(reversal(earned({ balance: 441, held: 64 }), 'o1', paid(12_345, 12_345))).toEqual({ ok: true, value: { orderId: 'o1', delta: -64, reason: 'reversed' } });
  });

  it('thirds refunded one by one take 33, 33 and 34 of 100 points', () => {
    let s = standing({ balance: 100, earned: 100, held: 100 });
    const taken = [3_333, 6_666, 10_000].map((refunded) => {
      const r = reversal(s, 'o1', paid(10_000, refunded));
      if (!r.ok) throw new Error(r.error);
      s = { ...s, balance: s.balance + r.value.delta, held: s.held + r.value.delta };
      return -r.value.delta;
    });
    expect(taken).toEqual([33, 33, 34]);
  });

  it('never takes the balance below zero; what it could not take, the next refund of the order takes', () => {
    expect(reversal(earned({ balance: 30 }), 'o1', paid(12_345, 6_000))).toEqual({ ok: true, value: { orderId: 'o1', delta: -30, reason: 'reversed' } });
    // The member earned more since; the full refund takes the 29 still due and the 64 kept till now.
    expect(reversal(earned({ balance: 200, held: 93 }), 'o1', paid(12_345, 12_345))).toEqual({ ok: true, value: { orderId: 'o1', delta: -93, reason: 'reversed' } });
  });

  it('reverses nothing for an order that earned nothing, once the share is taken, or from an empty balance', () => {
    expect(reversal(standing({ balance: 30 }), 'o1', paid(12_345, 6_000))).toEqual({ ok: false, error: 'not_earned' });
    expect(reversal(earned({ held: 64 }), 'o1', paid(12_345, 6_000))).toEqual({ ok: false, error: 'nothing_due' });
    expect(reversal(earned({ held: 64 }), 'o1', paid(12_345, 3_000))).toEqual({ ok: false, error: 'nothing_due' });
    expect(reversal(earned({ balance: 0 }), 'o1', paid(12_345, 6_000))).toEqual({ ok: false, error: 'nothing_left' });
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
  it('standingOf reads what an order earned and what it holds after reversals', () => {
    const entries: PointsEntry[] = [
      { orderId: 'a', delta: 100, reason: 'earned' },
      { orderId: 'b', delta: 50, reason: 'earned' },
      { orderId: 'a', delta: -30, reason: 'reversed' },
      { orderId: 'a', delta: -70, reason: 'reversed' },
      { orderId: null, delta: 7, reason: 'adjusted' },
    ];
    expect(standingOf(entries, 'a')).toEqual({ balance: 57, earned: 100, held: 0 });
    expect(standingOf(entries, 'b')).toEqual({ balance: 57, earned: 50, held: 50 });
    expect(standingOf(entries, 'c')).toEqual({ balance: 57, earned: undefined, held: 0 });
  });

  const ORDERS = 5;
  type Op = { kind: 'complete'; order: number } | { kind: 'refund'; order: number; amount: number } | { kind: 'adjust'; delta: number };
  const order = fc.integer({ min: 0, max: ORDERS - 1 });
  const ops = (spends: boolean): fc.Arbitrary<Op[]> =>
    fc.array(
      fc.oneof(
        fc.record({ kind: fc.constant('complete' as const), order }),
        fc.record({ kind: fc.constant('refund' as const), order, amount: fc.integer({ min: 1, max: 400_000 }) }),
        fc.record({ kind: fc.constant('adjust' as const), delta: fc.integer({ min: spends ? -20_000 : 1, max: 20_000 }) }),
      ),
      { maxLength: 60 },
    );
  const totals = fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: ORDERS, maxLength: ORDERS });

  /** Plays completions, refunds (each adding to its order's refunded total, up to what was paid) and adjustments through the rules. */
  function play(paidTotals: number[], operations: Op[]) {
    const entries: PointsEntry[] = [];
    const refunded = paidTotals.map(() => 0);
    for (const o of operations) {
      const id = o.kind === 'adjust' ? '' : `o${o.order}`;
      if (o.kind === 'refund') refunded[o.order] = Math.min(paidTotals[o.order]!, refunded[o.order]! + o.amount);
      const s = standingOf(entries, id);
      const result =
        o.kind === 'adjust'
          ? adjustment(balanceOf(entries), o.delta)
          : (o.kind === 'complete' ? earning : reversal)(s, id, paid(paidTotals[o.order]!, refunded[o.order]!));
      if (!result.ok) continue;
      entries.push(result.value);
      expect(balanceOf(entries)).toBeGreaterThanOrEqual(0);
    }
    return { entries, refunded };
  }

  it('whatever happens, the balance is never negative, an order earns once, and keeps between its due and what it earned', () => {
    fc.assert(
      fc.property(totals, ops(true), (paidTotals, operations) => {
        const { entries, refunded } = play(paidTotals, operations);
        for (let n = 0; n < ORDERS; n++) {
          const earned = entries.filter((e) => e.orderId === `o${n}` && e.reason === 'earned');
          expect(earned.length).toBeLessThanOrEqual(1);
          const { held } = standingOf(entries, `o${n}`);
          if (earned[0]) {
            expect(held).toBeLessThanOrEqual(earned[0].delta);
            expect(held).toBeGreaterThanOrEqual(pointsKept(paidTotals[n]!, refunded[n]!));
          } else expect(held).toBe(0);
        }
      }),
    );
  });

  it('with no points spent, a completed order holds exactly what its refunds leave it, whether they came before or after completion', () => {
    fc.assert(
      fc.property(totals, ops(false), (paidTotals, operations) => {
        const { entries, refunded } = play(paidTotals, operations);
        for (let n = 0; n < ORDERS; n++) {
          const completed = operations.some((o) => o.kind === 'complete' && o.order === n);
          expect(standingOf(entries, `o${n}`).held).toBe(completed ? pointsKept(paidTotals[n]!, refunded[n]!) : 0);
        }
      }),
    );
  });
});
