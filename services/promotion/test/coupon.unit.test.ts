import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { money, wording } from '@omnishop/pricing';
import { campaignWindow, CODE_ALPHABET, CODE_PATTERN, instant, newCouponCode, templateTerms } from '../domain/coupon.js';

describe('newCouponCode', () => {
  it('is 12 characters of base32 without the look-alikes 0, O, 1 and I', () => {
    expect(CODE_ALPHABET).toHaveLength(32);
    expect(new Set(CODE_ALPHABET).size).toBe(32);
    for (const c of '01OI') expect(CODE_ALPHABET).not.toContain(c);
    for (let i = 0; i < 200; i++) expect(newCouponCode()).toMatch(new RegExp(CODE_PATTERN));
  });

  it('maps every byte onto the alphabet without bias (32 divides 256)', () => {
    const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => i * 32 + i);
    expect(newCouponCode(bytes)).toBe(CODE_ALPHABET.slice(0, 12));
    expect(newCouponCode((n) => new Uint8Array(n).fill(255))).toBe('Z'.repeat(12));
  });

  it('draws fresh randomness each time', () => {
    const codes = new Set(Array.from({ length: 1000 }, () => newCouponCode()));
    expect(codes.size).toBe(1000);
  });
});

describe('instant and campaignWindow', () => {
  it('normalises any offset to UTC, so instants compare as strings', () => {
    expect(instant('f', '2025-11-11T00:00:00+08:00')).toEqual({ ok: true, value: '2025-11-10T16:00:00.000Z' });
  });

  it('names the field of an instant no clock shows', () => {
    expect(instant('body.startsAt', '2025-12-31T23:59:60Z')).toEqual({ ok: false, error: { field: 'body.startsAt', message: 'is not a valid date-time' } });
  });

  it('accepts a window that ends after it starts', () => {
    expect(campaignWindow({ startsAt: '2025-11-11T00:00:00+08:00', endsAt: '2025-11-12T00:00:00+08:00' })).toEqual({
      ok: true,
      value: { startsAt: '2025-11-10T16:00:00.000Z', endsAt: '2025-11-11T16:00:00.000Z' },
    });
  });

  it.each([
    ['ends before it starts', '2025-11-12T00:00:00Z', '2025-11-11T00:00:00Z'],
    ['is empty', '2025-11-11T00:00:00Z', '2025-11-11T08:00:00+08:00'],
  ])('refuses a window that %s, naming endsAt', (_what, startsAt, endsAt) => {
    expect(campaignWindow({ startsAt, endsAt })).toEqual({ ok: false, error: { field: 'body.endsAt', message: 'must be after startsAt' } });
  });

  it('names startsAt when it is the unreadable one', () => {
    expect(campaignWindow({ startsAt: 'soon', endsAt: '2025-11-11T00:00:00Z' })).toMatchObject({ ok: false, error: { field: 'body.startsAt' } });
  });
});

describe('templateTerms', () => {
  it('a fixed coupon has an amount, a percent coupon a percent, a threshold coupon both an amount and a threshold', () => {
    expect(templateTerms({ kind: 'fixed', amount: 2000 })).toEqual({ ok: true, value: { kind: 'fixed', amount: 2000, percent: null, threshold: null } });
    expect(templateTerms({ kind: 'percent', percent: 15 })).toEqual({ ok: true, value: { kind: 'percent', amount: null, percent: 15, threshold: null } });
    expect(templateTerms({ kind: 'threshold', amount: 5000, threshold: 30000 })).toEqual({
      ok: true,
      value: { kind: 'threshold', amount: 5000, percent: null, threshold: 30000 },
    });
  });

  it.each([
    [{ kind: 'fixed' as const }, 'body.amount', 'is required for a fixed coupon'],
    [{ kind: 'fixed' as const, amount: 100, percent: 10 }, 'body.percent', 'does not apply to a fixed coupon'],
    [{ kind: 'fixed' as const, amount: 100, threshold: 1000 }, 'body.threshold', 'does not apply to a fixed coupon'],
    [{ kind: 'fixed' as const, amount: 0 }, 'body.amount', 'must be at least 1'],
    [{ kind: 'percent' as const }, 'body.percent', 'is required for a percent coupon'],
    [{ kind: 'percent' as const, percent: 10, amount: 100 }, 'body.amount', 'does not apply to a percent coupon'],
    [{ kind: 'threshold' as const, amount: 100 }, 'body.threshold', 'is required for a threshold coupon'],
    [{ kind: 'threshold' as const, threshold: 100 }, 'body.amount', 'is required for a threshold coupon'],
    [{ kind: 'threshold' as const, amount: 101, threshold: 100 }, 'body.amount', 'may not exceed the threshold it rewards'],
  ])('refuses %j, naming %s', (terms, field, message) => {
    expect(templateTerms(terms)).toEqual({ ok: false, error: { field, message } });
  });
});

describe('wording and money', () => {
  it('says what a coupon is worth in the words printed on it', () => {
    expect(wording({ kind: 'percent', percent: 10, amount: null, threshold: null })).toBe('10% off');
    expect(wording({ kind: 'fixed', amount: 2000, percent: null, threshold: null })).toBe('20.00 off');
    expect(wording({ kind: 'threshold', amount: 5000, threshold: 30000, percent: null })).toBe('50.00 off a spend of 300.00 or more');
  });

  it('formats minor units exactly, without binary fractions', () => {
    expect(money(0)).toBe('0.00');
    expect(money(5)).toBe('0.05');
    expect(money(1990)).toBe('19.90');
    expect(money(123_456_789_012)).toBe('1234567890.12');
    fc.assert(fc.property(fc.nat({ max: Number.MAX_SAFE_INTEGER }), (n) => money(n).replace('.', '') === String(n).padStart(3, '0')));
  });
});
