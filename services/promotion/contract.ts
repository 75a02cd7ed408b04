import { Type } from '@sinclair/typebox';
import { defineEvent } from '@omnishop/kit';

const Redemption = {
  code: Type.String({ description: 'the coupon code' }),
  template: Type.String({ description: 'the coupon template' }),
  campaign: Type.String({ description: 'the campaign whose budget pays for it' }),
  customerId: Type.String({ description: 'whose wallet it is in' }),
  orderId: Type.String(),
  discount: Type.Integer({ description: 'minor units (fen) charged to, or given back to, the campaign budget' }),
};

export const CouponIssued = defineEvent(
  'CouponIssued',
  1,
  "A coupon was put in a customer's wallet; it is theirs to redeem once, online or at the till.",
  Type.Object({
    code: Type.String({ description: 'the coupon code' }),
    template: Type.String({ description: 'the coupon template' }),
    customerId: Type.String({ description: 'whose wallet it is in' }),
    issuedAt: Type.String({ description: 'ISO instant' }),
  }),
);

export const CouponRedeemed = defineEvent(
  'CouponRedeemed',
  1,
  "A coupon was redeemed for an order (at most once, across every channel); its discount was charged to its campaign's budget.",
  Type.Object({ ...Redemption, redeemedAt: Type.String({ description: 'ISO instant' }) }),
);

export const CouponReleased = defineEvent(
  'CouponReleased',
  1,
  "The order a coupon was redeemed for was cancelled or rejected: the coupon is back in the customer's wallet and its discount back in the campaign budget.",
  Type.Object({ ...Redemption, reason: Type.String({ description: 'e.g. "order cancelled: cancelled by customer"' }) }),
);

export const CouponsApplied = defineEvent(
  'CouponsApplied',
  1,
  "Every coupon an order named was redeemed for it (or it named none): the discount on each line, which the order's amount due subtracts.",
  Type.Object({
    orderId: Type.String(),
    coupons: Type.Array(Type.Object({ code: Type.String(), discount: Type.Integer({ minimum: 0 }) })),
    lines: Type.Array(Type.Object({ sku: Type.String(), discount: Type.Integer({ minimum: 0, description: "this line's share of the discounts, minor units" }) })),
    discount: Type.Integer({ minimum: 0, description: 'all discounts together, minor units' }),
  }),
);

export const CouponsRefused = defineEvent(
  'CouponsRefused',
  1,
  'A coupon an order named cannot be redeemed for it (unknown, not the customer\'s, used, expired, below its threshold, budget spent); none of its coupons was redeemed.',
  Type.Object({ orderId: Type.String(), code: Type.String(), reason: Type.String({ description: 'why, in words' }) }),
);

export const promotionEvents = [CouponIssued, CouponRedeemed, CouponReleased, CouponsApplied, CouponsRefused];
