/**
 * Campaigns, coupon templates and coupons as plain data. A campaign pays for
 * its coupons' discounts out of a budget and runs for a time window; a
 * template says what a coupon is worth; a coupon is one template issued to
 * one customer, used at most once.
 */
export type CouponKind = 'fixed' | 'percent' | 'threshold';
export type CouponStatus = 'issued' | 'redeemed' | 'void';

export interface Campaign {
  code: string;
  /** ISO instants, UTC; the window is [startsAt, endsAt). */
  startsAt: string;
  endsAt: string;
  /** Minor units: what its coupons may discount in total, and what they have so far. */
  budget: number;
  spent: number;
}

export interface Template {
  code: string;
  campaign: string;
  kind: CouponKind;
  /** fixed, threshold: minor units off. */
  amount: number | null;
  /** percent: whole percent off, 1 to 100. */
  percent: number | null;
  /** threshold: the least spend (undiscounted subtotal) the coupon needs. */
  threshold: number | null;
  perCustomerLimit: number;
}

/** Minor units as the customer reads them: 1990 → "19.90". */
export function money(minor: number): string {
  return `${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, '0')}`;
}

/** What a coupon of this template is worth, in words: the "why" beside a discount. */
export function wording(t: Pick<Template, 'kind' | 'amount' | 'percent' | 'threshold'>): string {
  if (t.kind === 'percent') return `${t.percent}% off`;
  if (t.kind === 'fixed') return `${money(t.amount ?? 0)} off`;
  return `${money(t.amount ?? 0)} off a spend of ${money(t.threshold ?? 0)} or more`;
}
