import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  adjust,
  allocate,
  apply,
  available,
  balanceOf,
  EMPTY,
  hold,
  receive,
  release,
  reserve,
  sellReserved,
  type Balance,
  type Movement,
} from '../domain/stock.js';

/** Unwraps an accepted movement, failing the test with the rejection otherwise. */
function accepted<T>(result: { ok: true; value: T } | { ok: false; error: unknown }): T {
  if (!result.ok) throw new Error(`expected the movement to be accepted, got ${JSON.stringify(result.error)}`);
  return result.value;
}

const balance = (onHand: number, reserved: number): Balance => ({ onHand, reserved });

describe('receive', () => {
  it('puts goods on the shelf without promising them to anyone', () => {
    expect(receive(12)).toEqual({ ok: true, value: { kind: 'receive', qty: 12, onHandDelta: 12, reservedDelta: 0 } });
  });

  it.each([0, -1, -100])('refuses to receive %i units', (qty) => {
    expect(receive(qty)).toEqual({ ok: false, error: 'not_positive' });
  });
});

describe('adjust', () => {
  it('a positive count correction adds to on-hand and records the size of the correction', () => {
    const m = accepted(adjust(balance(5, 2), 3));
    expect(m).toEqual({ kind: 'adjust', qty: 3, onHandDelta: 3, reservedDelta: 0 });
  });

  it('a negative correction records a positive qty and a negative on-hand delta', () => {
    const m = accepted(adjust(balance(10, 0), -4));
    expect(m).toEqual({ kind: 'adjust', qty: 4, onHandDelta: -4, reservedDelta: 0 });
  });

  it('may take on-hand down to exactly what is reserved', () => {
    const b = balance(10, 6);
    const after = apply(b, accepted(adjust(b, -4)));
    expect(after).toEqual({ onHand: 6, reserved: 6 });
    expect(available(after)).toBe(0);
  });

  it('may not take on-hand below what is promised to orders', () => {
    expect(adjust(balance(10, 6), -5)).toEqual({ ok: false, error: 'below_reserved' });
  });

  it('may not take on-hand below zero when nothing is reserved', () => {
    expect(adjust(balance(3, 0), -4)).toEqual({ ok: false, error: 'below_reserved' });
  });
});

describe('reserve', () => {
  it('promises stock without moving it off the shelf', () => {
    expect(reserve(balance(10, 3), 4)).toEqual({ ok: true, value: { kind: 'reserve', qty: 4, onHandDelta: 0, reservedDelta: 4 } });
  });

  it('may promise every available unit', () => {
    const b = balance(10, 3);
    expect(available(apply(b, accepted(reserve(b, 7))))).toBe(0);
  });

  it('cannot promise more than is available (on-hand minus already reserved)', () => {
    expect(reserve(balance(10, 3), 8)).toEqual({ ok: false, error: 'insufficient_stock' });
  });

  it('cannot promise anything from an empty location', () => {
    expect(reserve(EMPTY, 1)).toEqual({ ok: false, error: 'insufficient_stock' });
  });
});

describe('release', () => {
  it('returns promised stock to available', () => {
    const b = balance(10, 6);
    const m = accepted(release(b, 4));
    expect(m).toEqual({ kind: 'release', qty: 4, onHandDelta: 0, reservedDelta: -4 });
    expect(apply(b, m)).toEqual({ onHand: 10, reserved: 2 });
  });

  it('cannot release more than is reserved', () => {
    expect(release(balance(10, 2), 3)).toEqual({ ok: false, error: 'not_reserved' });
  });
});

describe('sellReserved', () => {
  it('takes sold goods off the shelf and the promise together, leaving available unchanged', () => {
    const b = balance(10, 4);
    const m = accepted(sellReserved(b, 3));
    expect(m).toEqual({ kind: 'sell', qty: 3, onHandDelta: -3, reservedDelta: -3 });
    const after = apply(b, m);
    expect(after).toEqual({ onHand: 7, reserved: 1 });
    expect(available(after)).toBe(available(b));
  });

  it('cannot sell stock that was never reserved', () => {
    expect(sellReserved(balance(10, 2), 3)).toEqual({ ok: false, error: 'not_reserved' });
  });
});

describe('balanceOf', () => {
  it('an empty ledger is an empty balance', () => {
    expect(balanceOf([])).toEqual({ onHand: 0, reserved: 0 });
  });

  it('adds a ledger of movements up to the current balance', () => {
    const ledger: Movement[] = [];
    const step = (f: (b: Balance) => ReturnType<typeof reserve>) => ledger.push(accepted(f(balanceOf(ledger))));
    step(() => receive(10));
    step((b) => reserve(b, 4));
    step((b) => sellReserved(b, 3));
    step((b) => release(b, 1));
    step((b) => adjust(b, -2));
    expect(ledger.map((m) => m.kind)).toEqual(['receive', 'reserve', 'sell', 'release', 'adjust']);
    expect(balanceOf(ledger)).toEqual({ onHand: 5, reserved: 0 });
  });

  it('does not change the shared EMPTY balance', () => {
    balanceOf([accepted(receive(5))]);
    expect(EMPTY).toEqual({ onHand: 0, reserved: 0 });
  });
});

describe('allocate', () => {
  type Stock = { location: string; balance: Balance }[];
  const stockFrom = (bySku: Record<string, Stock>) => (sku: string) => bySku[sku] ?? [];

  it('sends a line to the location with the most available stock, not the most on hand', () => {
    const stockOf = stockFrom({
      'TS1001-BLK-M': [
        { location: 'WH1', balance: balance(20, 18) }, // 2 available
        { location: 'S01', balance: balance(6, 0) }, // 6 available
        { location: 'S02', balance: balance(5, 1) }, // 4 available
      ],
    });
    expect(allocate([{ sku: 'TS1001-BLK-M', qty: 2 }], stockOf)).toEqual({
      ok: true,
      value: [{ sku: 'TS1001-BLK-M', location: 'S01', qty: 2 }],
    });
  });

  it('breaks ties between equally stocked locations by location code', () => {
    const stockOf = stockFrom({
      A: [
        { location: 'S02', balance: balance(5, 0) },
        { location: 'S01', balance: balance(5, 0) },
      ],
    });
    expect(allocate([{ sku: 'A', qty: 1 }], stockOf)).toEqual({ ok: true, value: [{ sku: 'A', location: 'S01', qty: 1 }] });
  });

  it('accepts a location whose available stock exactly covers the line', () => {
    const stockOf = stockFrom({ A: [{ location: 'S01', balance: balance(5, 2) }] });
    expect(allocate([{ sku: 'A', qty: 3 }], stockOf)).toEqual({ ok: true, value: [{ sku: 'A', location: 'S01', qty: 3 }] });
  });

  it('keeps each line whole: stock spread over locations does not add up to a fulfilment', () => {
    const stockOf = stockFrom({
      A: [
        { location: 'S01', balance: balance(3, 0) },
        { location: 'S02', balance: balance(3, 0) },
      ],
    });
    expect(allocate([{ sku: 'A', qty: 5 }], stockOf)).toEqual({ ok: false, error: { sku: 'A' } });
  });

  it('allocates every line of an order independently, each from its own best location', () => {
    const stockOf = stockFrom({
      A: [
        { location: 'S01', balance: balance(9, 0) },
        { location: 'S02', balance: balance(2, 0) },
      ],
      B: [
        { location: 'S01', balance: balance(1, 0) },
        { location: 'S02', balance: balance(8, 0) },
      ],
    });
    expect(allocate([{ sku: 'A', qty: 2 }, { sku: 'B', qty: 2 }], stockOf)).toEqual({
      ok: true,
      value: [
        { sku: 'A', location: 'S01', qty: 2 },
        { sku: 'B', location: 'S02', qty: 2 },
      ],
    });
  });

  it('names the first SKU that cannot be supplied, all or nothing', () => {
    const stockOf = stockFrom({
      A: [{ location: 'S01', balance: balance(9, 0) }],
      B: [{ location: 'S01', balance: balance(1, 0) }],
    });
    expect(allocate([{ sku: 'A', qty: 1 }, { sku: 'B', qty: 2 }, { sku: 'C', qty: 1 }], stockOf)).toEqual({ ok: false, error: { sku: 'B' } });
  });

  it('rejects a SKU that no location stocks', () => {
    expect(allocate([{ sku: 'NOPE', qty: 1 }], stockFrom({}))).toEqual({ ok: false, error: { sku: 'NOPE' } });
  });
});

describe('hold', () => {
  type Stock = { location: string; balance: Balance }[];
  const sold = (bySku: Record<string, Stock>) => (sku: string) => bySku[sku];

  it('reserves each line at the location allocate chooses, from the balance read there', () => {
    const stockOf = sold({
      A: [
        { location: 'S01', balance: balance(9, 1) },
        { location: 'S02', balance: balance(2, 0) },
      ],
      B: [{ location: 'S02', balance: balance(4, 0) }],
    });
    expect(hold([{ sku: 'A', qty: 2 }, { sku: 'B', qty: 3 }], stockOf)).toEqual({
      ok: true,
      value: [
        { sku: 'A', location: 'S01', qty: 2, movement: { kind: 'reserve', qty: 2, onHandDelta: 0, reservedDelta: 2 } },
        { sku: 'B', location: 'S02', qty: 3, movement: { kind: 'reserve', qty: 3, onHandDelta: 0, reservedDelta: 3 } },
      ],
    });
  });

  it('holds two lines of one SKU at one location when it has enough for both', () => {
    const held = hold([{ sku: 'A', qty: 2 }, { sku: 'A', qty: 3 }], sold({ A: [{ location: 'S01', balance: balance(5, 0) }] }));
    expect(held.ok && held.value.map((l) => [l.location, l.movement.reservedDelta])).toEqual([['S01', 2], ['S01', 3]]);
  });

  it('refuses the first SKU the brand does not sell, before weighing any stock', () => {
    const stockOf = sold({ A: [] });
    expect(hold([{ sku: 'A', qty: 1 }, { sku: 'NOPE', qty: 1 }, { sku: 'GONE', qty: 1 }], stockOf)).toEqual({ ok: false, error: { reason: 'unknown_sku', sku: 'NOPE' } });
  });

  it('refuses, all or nothing, when a line has no location with enough available stock', () => {
    const stockOf = sold({
      A: [{ location: 'S01', balance: balance(9, 0) }],
      B: [{ location: 'S01', balance: balance(5, 4) }],
    });
    expect(hold([{ sku: 'A', qty: 1 }, { sku: 'B', qty: 2 }], stockOf)).toEqual({ ok: false, error: { reason: 'insufficient_stock', sku: 'B' } });
  });

  it('refuses an SKU the brand sells but holds nowhere as short of stock', () => {
    expect(hold([{ sku: 'A', qty: 1 }], sold({ A: [] }))).toEqual({ ok: false, error: { reason: 'insufficient_stock', sku: 'A' } });
  });
});

describe('stock invariants (property)', () => {
  type Op =
    | { kind: 'receive'; qty: number }
    | { kind: 'adjust'; delta: number }
    | { kind: 'reserve' | 'release' | 'sell'; qty: number };

  // Quantities are what callers can send: the HTTP schema and the OrderPlaced event only
  // admit integers >= 1 (and a non-zero signed integer for adjust).
  const qty = fc.integer({ min: 1, max: 40 });
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ kind: fc.constant('receive' as const), qty }),
    fc.record({ kind: fc.constant('adjust' as const), delta: fc.integer({ min: -40, max: 40 }).filter((d) => d !== 0) }),
    fc.record({ kind: fc.constantFrom('reserve' as const, 'release' as const, 'sell' as const), qty }),
  );

  const run = (b: Balance, o: Op) => {
    switch (o.kind) {
      case 'receive':
        return receive(o.qty);
      case 'adjust':
        return adjust(b, o.delta);
      case 'reserve':
        return reserve(b, o.qty);
      case 'release':
        return release(b, o.qty);
      case 'sell':
        return sellReserved(b, o.qty);
    }
  };

  it('accepted movements never make available or reserved negative, and the ledger adds up to the running balance', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const ledger: Movement[] = [];
        let b: Balance = EMPTY;
        for (const o of ops) {
          const result = run(b, o);
          if (!result.ok) continue;
          ledger.push(result.value);
          b = apply(b, result.value);
          expect(available(b)).toBeGreaterThanOrEqual(0);
          expect(b.reserved).toBeGreaterThanOrEqual(0);
          expect(b.onHand).toBeGreaterThanOrEqual(0);
        }
        expect(balanceOf(ledger)).toEqual(b);
      }),
      { seed: 42, numRuns: 500 },
    );
  });

  it('a movement is refused only when accepting it would break an invariant', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        let b: Balance = EMPTY;
        for (const o of ops) {
          const result = run(b, o);
          const delta = o.kind === 'adjust' ? o.delta : o.qty;
          const wouldBe =
            o.kind === 'receive' || o.kind === 'adjust'
              ? balance(b.onHand + delta, b.reserved)
              : o.kind === 'reserve'
                ? balance(b.onHand, b.reserved + delta)
                : o.kind === 'release'
                  ? balance(b.onHand, b.reserved - delta)
                  : balance(b.onHand - delta, b.reserved - delta);
          const keepsInvariants = available(wouldBe) >= 0 && wouldBe.reserved >= 0;
          expect(result.ok).toBe(keepsInvariants);
          if (result.ok) b = apply(b, result.value);
        }
      }),
      { seed: 42, numRuns: 500 },
    );
  });
});
