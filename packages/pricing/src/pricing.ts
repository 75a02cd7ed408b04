import { err, ok, type Result } from '@omnishop/kit';
import { money, wording, type Campaign, type CouponStatus, type Template } from './terms.js';

/**
 * Cart pricing: one function for the online checkout and the till, so a
 * coupon is worth the same everywhere. The rules, in the order they apply:
 *
 * 1. Each line costs unit price × qty; the subtotal is their sum (the spend).
 * 2. Each coupon is checked on its own: it must be a coupon of the brand,
 *    the customer's, neither void nor redeemed, inside its campaign's window
 *    [startsAt, endsAt), and a threshold coupon needs a spend (the
 *    undiscounted subtotal) of at least its threshold. One coupon per template
 *    per order: a second one of the same template is not applied.
 * 3. Coupons that pass are stacked percent first, then fixed and threshold
 *    amounts (by code within each group, so the caller's order never changes
 *    the price). A percent coupon takes its percent of what is left after any
 *    earlier percent coupon, rounded down to the whole minor unit (never more
 *    than it says); so 10% off is 10% of the goods, and 20.00 off is 20.00
 *    off. An amount never takes the total below zero; a coupon that would
 *    discount nothing is not applied.
 * 4. A coupon applies only when its whole discount fits in what is left of
 *    its campaign's budget, counting coupons of the same campaign earlier in
 *    this cart; it is never applied in part.
 * 5. Each discount is an order-level amount shared over the lines in
 *    proportion to what is left of each (largest remainder), so the lines'
 *    shares add up exactly and no line goes below zero.
 */
export interface CartLine {
  sku: string;
  qty: number;
  unitPrice: number;
}

/** A code offered for a cart, with what the brand knows about it: nothing, for a code it never issued. */
export interface OfferedCoupon {
  code: string;
  held?: { customerId: string; status: CouponStatus; template: Template; campaign: Campaign };
}

export type Rejection =
  | 'unknown'
  | 'not_customers_coupon'
  | 'void'
  | 'already_redeemed'
  | 'not_started'
  | 'expired'
  | 'below_threshold'
  | 'same_template'
  | 'nothing_to_discount'
  | 'budget_exhausted';

export interface CouponOutcome {
  code: string;
  applied: boolean;
  discount: number;
  /** Why, in words: "COUPON X: 10% off", or why it does not apply. */
  reason: string;
  rejection?: Rejection;
}

export interface PricedLine extends CartLine {
  subtotal: number;
  discount: number;
  total: number;
  /** The share of each applied coupon's discount this line carries. */
  discounts: { coupon: string; amount: number }[];
}

export interface PricedCart {
  lines: PricedLine[];
  /** In the order the coupons were offered. */
  coupons: CouponOutcome[];
  subtotal: number;
  discount: number;
  total: number;
}

export interface Cart {
  lines: CartLine[];
  coupons: OfferedCoupon[];
  /** Whose cart it is; undefined (an anonymous cart) makes every coupon someone else's. */
  customerId?: string | undefined;
  now: Date;
}

const applied = (code: string, discount: number, template: Template): CouponOutcome => ({
  code,
  applied: true,
  discount,
  reason: `COUPON ${code}: ${wording(template)}`,
});

const refused = (code: string, rejection: Rejection, why: string): CouponOutcome => ({
  code,
  applied: false,
  discount: 0,
  reason: `COUPON ${code}: not applied, ${why}`,
  rejection,
});

type Held = NonNullable<OfferedCoupon['held']>;

/** Rule 2: why a coupon the brand issued may not apply to this cart, whatever else is in it. */
function refusal(code: string, held: Held, customerId: string | undefined, now: Date, subtotal: number): CouponOutcome | undefined {
  // Ownership first: someone else's coupon says nothing more about itself.
  if (held.customerId !== customerId) return refused(code, 'not_customers_coupon', "not this customer's coupon");
  if (held.status === 'void') return refused(code, 'void', 'the coupon was voided');
  if (held.status === 'redeemed') return refused(code, 'already_redeemed', 'already redeemed');
  const { campaign, template } = held;
  const at = now.toISOString();
  if (at < campaign.startsAt) return refused(code, 'not_started', `outside the campaign window: ${campaign.code} starts ${campaign.startsAt}`);
  if (at >= campaign.endsAt) return refused(code, 'expired', `expired: campaign ${campaign.code} ended ${campaign.endsAt}`);
  if (template.threshold !== null && subtotal < template.threshold) {
    return refused(code, 'below_threshold', `spend ${money(subtotal)} is below the threshold ${money(template.threshold)}`);
  }
  return undefined;
}

/** Rule 3: percent coupons before amounts. */
const STACKING: Record<Template['kind'], number> = { percent: 0, fixed: 1, threshold: 1 };

/** A percent of an amount in minor units, rounded down, in integers (no binary fractions). */
export function percentOf(amount: number, percent: number): number {
  const scaled = amount * percent;
  return (scaled - (scaled % 100)) / 100;
}

/**
 * Shares `amount` over `weights` in proportion (largest remainder): the
 * shares add up to `amount` exactly, each is within one unit of its exact
 * proportion and never more than its weight. Ties go to the earlier line.
 * Products can pass 2^53 (5e12 × 5e12), so the arithmetic is in BigInt.
 */
export function allocate(amount: number, weights: number[]): number[] {
  const total = weights.reduce((s, w) => s + w, 0);
  if (amount < 0 || amount > total) throw new Error(`cannot share ${amount} over a total of ${total}`);
  if (amount === 0) return weights.map(() => 0);
  const a = BigInt(amount);
  const t = BigInt(total);
  const exact = weights.map((w) => ({ floor: (a * BigInt(w)) / t, rest: (a * BigInt(w)) % t }));
  const shares = exact.map((e) => Number(e.floor));
  let left = amount - shares.reduce((s, x) => s + x, 0);
  const byRest = exact.map((e, i) => ({ rest: e.rest, i })).sort((x, y) => (x.rest === y.rest ? x.i - y.i : x.rest > y.rest ? -1 : 1));
  for (const { i } of byRest) {
    if (left === 0) break;
    shares[i]! += 1;
    left -= 1;
  }
  return shares;
}

export function priceCart(cart: Cart): PricedCart {
  const lines: PricedLine[] = cart.lines.map((l) => ({ ...l, subtotal: l.unitPrice * l.qty, discount: 0, total: l.unitPrice * l.qty, discounts: [] }));
  const subtotal = lines.reduce((s, l) => s + l.subtotal, 0);
  const outcomes: CouponOutcome[] = [];
  const stack: { index: number; code: string; template: Template; campaign: Campaign }[] = [];
  const templates = new Set<string>();
  for (const [index, { code, held }] of cart.coupons.entries()) {
    if (!held) {
      outcomes[index] = refused(code, 'unknown', 'not a coupon of this brand');
      continue;
    }
    const no =
      refusal(code, held, cart.customerId, cart.now, subtotal) ??
      (templates.has(held.template.code) ? refused(code, 'same_template', `only one coupon of ${held.template.code} per order`) : undefined);
    if (no) {
      outcomes[index] = no;
      continue;
    }
    templates.add(held.template.code);
    stack.push({ index, code, template: held.template, campaign: held.campaign });
  }
  stack.sort((x, y) => STACKING[x.template.kind] - STACKING[y.template.kind] || (x.code < y.code ? -1 : x.code > y.code ? 1 : 0));

  let left = subtotal;
  const spent = new Map<string, number>();
  for (const { index, code, template, campaign } of stack) {
    const face = template.kind === 'percent' ? percentOf(left, template.percent ?? 0) : (template.amount ?? 0);
    const discount = Math.min(face, left);
    const used = spent.get(campaign.code) ?? campaign.spent;
    if (discount === 0) {
      outcomes[index] = refused(code, 'nothing_to_discount', 'nothing is left to discount');
    } else if (used + discount > campaign.budget) {
      outcomes[index] = refused(code, 'budget_exhausted', `the budget of campaign ${campaign.code} is exhausted`);
    } else {
      spent.set(campaign.code, used + discount);
      left -= discount;
      const shares = allocate(discount, lines.map((l) => l.total));
      for (const [i, line] of lines.entries()) {
        const share = shares[i]!;
        if (share === 0) continue;
        line.discount += share;
        line.total -= share;
        line.discounts.push({ coupon: code, amount: share });
      }
      outcomes[index] = applied(code, discount, template);
    }
  }
  return { lines, coupons: outcomes, subtotal, discount: subtotal - left, total: left };
}

export interface LineRequest {
  sku: string;
  qty: number;
}

/**
 * Puts the current price on each requested line, the way the order service
 * prices an order: one currency per cart, each SKU once, only SKUs the brand sells.
 */
export function linePrices(
  lines: LineRequest[],
  priceOf: (sku: string) => { price: number; currency: string } | undefined,
): Result<{ lines: CartLine[]; currency: string }, { index: number; message: string }> {
  const seen = new Set<string>();
  const priced: CartLine[] = [];
  let currency: string | undefined;
  for (const [index, line] of lines.entries()) {
    if (seen.has(line.sku)) return err({ index, message: 'repeats an earlier line; use one line with the total quantity' });
    seen.add(line.sku);
    const price = priceOf(line.sku);
    if (!price) return err({ index, message: 'is not a SKU of this brand' });
    if (currency && price.currency !== currency) return err({ index, message: `is priced in ${price.currency}, the cart in ${currency}` });
    currency = price.currency;
    priced.push({ sku: line.sku, qty: line.qty, unitPrice: price.price });
  }
  return ok({ lines: priced, currency: currency ?? 'CNY' });
}
