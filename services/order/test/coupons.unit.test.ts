import { describe, expect, it } from 'vitest';
import { usableCoupon } from '../domain/coupons.js';

describe('a coupon an order names, told at once', () => {
  it('is usable when the brand issued it to this customer and it is not used', () => {
    expect(usableCoupon({ customerId: 'ivy', redeemedOrder: null }, 'ivy')).toEqual({ ok: true, value: true });
  });

  it('is refused when the brand never issued it, it is someone else’s, or it was used', () => {
    expect(usableCoupon(undefined, 'ivy')).toEqual({ ok: false, error: 'is not a coupon of this brand' });
    expect(usableCoupon({ customerId: 'dave', redeemedOrder: null }, 'ivy')).toEqual({ ok: false, error: "is not in this customer's wallet" });
    expect(usableCoupon({ customerId: 'ivy', redeemedOrder: 'o-1' }, 'ivy')).toEqual({ ok: false, error: 'was already used' });
  });

  it('names ownership before use: someone else’s used coupon says only that it is not theirs', () => {
    expect(usableCoupon({ customerId: 'dave', redeemedOrder: 'o-1' }, 'ivy')).toEqual({ ok: false, error: "is not in this customer's wallet" });
  });
});
