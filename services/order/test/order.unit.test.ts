import { describe, expect, it } from 'vitest';
import { holdIsLive, isFinal, priceOrder, transition, type OrderCommand, type OrderStatus } from '../domain/order.js';

describe('order state machine', () => {
  // Every status × every command; null means the command is refused.
  const TABLE: Record<OrderStatus, Record<OrderCommand, OrderStatus | null>> = {
    pending: { confirm: 'confirmed', reject: 'rejected', cancel: 'cancelled', complete: null },
    confirmed: { confirm: null, reject: null, cancel: 'cancelled', complete: 'completed' },
    rejected: { confirm: null, reject: null, cancel: null, complete: null },
    cancelled: { confirm: null, reject: null, cancel: null, complete: null },
    completed: { confirm: null, reject: null, cancel: null, complete: null },
  };
  const cases = Object.entries(TABLE).flatMap(([from, row]) =>
    Object.entries(row).map(([command, to]) => ({ from: from as OrderStatus, command: command as OrderCommand, to })),
  );

  it('covers all 5 statuses × 4 commands', () => {
    expect(cases).toHaveLength(20);
  });

  it.each(cases.filter((c) => c.to !== null))('$command on a $from order makes it $to', ({ from, command, to }) => {
    expect(transition(from, command)).toEqual({ ok: true, value: to });
  });

  it.each(cases.filter((c) => c.to === null))('$command on a $from order is refused, saying why', ({ from, command }) => {
    expect(transition(from, command)).toEqual({ ok: false, error: `cannot ${command} an order that is ${from}` });
  });

  it.each<[OrderStatus, boolean]>([
    ['pending', false],
    ['confirmed', false],
    ['rejected', true],
    ['cancelled', true],
    ['completed', true],
  ])('isFinal(%s) is %s', (status, final) => {
    expect(isFinal(status)).toBe(final);
  });

  it('a final status accepts no command at all', () => {
    for (const c of cases.filter((c) => isFinal(c.from))) expect(transition(c.from, c.command).ok).toBe(false);
  });
});

describe('holdIsLive', () => {
  const expiresAt = '2025-03-01T12:00:00.000Z';

  it('a hold is live before it expires', () => {
    expect(holdIsLive(expiresAt, new Date('2025-03-01T11:59:59.999Z'))).toBe(true);
  });

  it('a hold is no longer live at the instant it expires (the same instant inventory treats it as expired)', () => {
    expect(holdIsLive(expiresAt, new Date(expiresAt))).toBe(false);
  });

  it('a hold is not live after it expires', () => {
    expect(holdIsLive(expiresAt, new Date('2025-03-01T12:00:01.000Z'))).toBe(false);
  });

  it('compares instants, not strings: an offset timestamp is understood', () => {
    // 14:00 at +02:00 is 12:00Z
    expect(holdIsLive('2025-03-01T14:00:00+02:00', new Date('2025-03-01T11:59:00.000Z'))).toBe(true);
    expect(holdIsLive('2025-03-01T14:00:00+02:00', new Date('2025-03-01T12:01:00.000Z'))).toBe(false);
  });

  it('an unreadable expiry never counts as live', () => {
    expect(holdIsLive('not a date', new Date('2000-01-01T00:00:00.000Z'))).toBe(false);
  });
});

describe('priceOrder', () => {
  const CATALOGUE: Record<string, { price: number; currency: string }> = {
    'TS1001-BLK-M': { price: 19_900, currency: 'CNY' },
    'TS1001-WHT-L': { price: 5_990, currency: 'CNY' },
    'JK2001-NVY-M': { price: 129_900, currency: 'CNY' },
    'US9001-RED-S': { price: 2_500, currency: 'USD' },
  };
  const priceOf = (sku: string) => CATALOGUE[sku];

  it('prices each line at the current catalogue price and totals the order in minor units', () => {
    const result = priceOrder(
      [
        { sku: 'TS1001-BLK-M', qty: 2 },
        { sku: 'TS1001-WHT-L', qty: 3 },
      ],
      priceOf,
    );
    expect(result).toEqual({
      ok: true,
      value: {
        lines: [
          { sku: 'TS1001-BLK-M', qty: 2, unitPrice: 19_900 },
          { sku: 'TS1001-WHT-L', qty: 3, unitPrice: 5_990 },
        ],
        total: 2 * 19_900 + 3 * 5_990, // 57_770 fen
        currency: 'CNY',
      },
    });
  });

  it('totals are exact integers even for large orders', () => {
    const big: Record<string, { price: number; currency: string }> = {};
    const lines = Array.from({ length: 50 }, (_, i) => {
      big[`SKU${i}`] = { price: 99_999_999 - i, currency: 'CNY' };
      return { sku: `SKU${i}`, qty: 999 };
    });
    const result = priceOrder(lines, (sku) => big[sku]);
    const expected = lines.reduce((sum, _l, i) => sum + (99_999_999 - i) * 999, 0);
    expect(result.ok && result.value.total).toBe(expected);
    expect(result.ok && Number.isSafeInteger(result.value.total)).toBe(true);
  });

  it('takes the currency from the prices', () => {
    const result = priceOrder([{ sku: 'US9001-RED-S', qty: 1 }], priceOf);
    expect(result).toMatchObject({ ok: true, value: { currency: 'USD', total: 2_500 } });
  });

  it('names the index of a line whose SKU the brand does not sell', () => {
    const result = priceOrder(
      [
        { sku: 'TS1001-BLK-M', qty: 1 },
        { sku: 'XX0000-ZZZ-Q', qty: 1 },
      ],
      priceOf,
    );
    expect(result).toEqual({ ok: false, error: { index: 1, message: 'is not a SKU of this brand' } });
  });

  it('rejects a SKU that appears twice, naming the repeated line', () => {
    const result = priceOrder(
      [
        { sku: 'TS1001-BLK-M', qty: 1 },
        { sku: 'JK2001-NVY-M', qty: 1 },
        { sku: 'TS1001-BLK-M', qty: 2 },
      ],
      priceOf,
    );
    expect(result).toEqual({ ok: false, error: { index: 2, message: expect.stringContaining('repeats an earlier line') } });
  });

  it('rejects mixed currencies, naming the first line in a different currency and both currencies', () => {
    const result = priceOrder(
      [
        { sku: 'TS1001-BLK-M', qty: 1 },
        { sku: 'TS1001-WHT-L', qty: 1 },
        { sku: 'US9001-RED-S', qty: 1 },
      ],
      priceOf,
    );
    expect(result).toEqual({ ok: false, error: { index: 2, message: 'is priced in USD, the order in CNY' } });
  });
});
