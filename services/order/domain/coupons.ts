import { err, ok, type Result } from '@omnishop/kit';

/** A coupon as the order service knows it, from promotion's events: whose it is, and the order it was redeemed for, if any. */
export interface KnownCoupon {
  customerId: string;
  redeemedOrder: string | null;
}

/**
 * What can be told of a coupon the moment an order names it: that the brand
 * never issued it, that it is someone else's, or that it was used. The rest
 * (its campaign's window and budget, a threshold, a race for the same coupon)
 * is for promotion to decide when the saga redeems it.
 */
export function usableCoupon(known: KnownCoupon | undefined, customerId: string): Result<true, string> {
  if (!known) return err('is not a coupon of this brand');
  if (known.customerId !== customerId) return err("is not in this customer's wallet");
  if (known.redeemedOrder !== null) return err('was already used');
  return ok(true);
}
