import type { Tx } from '@omnishop/kit';
import { SkuCreated, SkuPriceChanged } from '@omnishop/catalog/contract';
import { OrderCancelled, OrderPlaced, OrderRejected } from '@omnishop/order/contract';
import { redeemForOrder, releaseForOrder } from '../commands.js';
import { on, type PromotionTables } from '../db.js';
import { CouponsApplied, CouponsRefused } from '../contract.js';

/** Pricing a cart reads this copy of the catalogue's prices, so the till's pricing call depends on no other service. */
async function keepPrice(tx: Tx<PromotionTables>, tenant: string, p: { sku: string; price: number; currency: string }): Promise<void> {
  await tx.db
    .insertInto('price')
    .values({ tenant, sku: p.sku, price: p.price, currency: p.currency })
    .onConflict((oc) => oc.columns(['tenant', 'sku']).doUpdateSet({ price: p.price, currency: p.currency }))
    .execute();
}

export const onSkuCreated = on(SkuCreated, (event, tx) => keepPrice(tx, event.tenant, event.data));
export const onSkuPriceChanged = on(SkuPriceChanged, (event, tx) => keepPrice(tx, event.tenant, event.data));

export const onOrderCancelled = on(OrderCancelled, (event, tx) =>
  releaseForOrder(tx, event.tenant, event.data.orderId, `order cancelled: ${event.data.reason}`),
);

/** A rejected order (no stock, or its hold expired) never happened: its coupons come back as for a cancellation. */
export const onOrderRejected = on(OrderRejected, (event, tx) =>
  releaseForOrder(tx, event.tenant, event.data.orderId, `order rejected: ${event.data.reason}`),
);

/**
 * The saga's coupon step: the coupons an order names are redeemed for it, all
 * or none, at the prices the order was placed at; the order hears which
 * (CouponsApplied, with each line's discount) or why not (CouponsRefused).
 * An order naming no coupon needs no answer.
 */
export const onOrderPlaced = on(OrderPlaced, async (event, tx) => {
  const { orderId, customerId, lines, coupons = [] } = event.data;
  if (!coupons.length) return;
  const redeemed = await redeemForOrder(tx, event.tenant, { orderId, customerId, lines, codes: coupons });
  if (redeemed.ok) {
    const { coupons: applied, lines: discounts, discount } = redeemed.value;
    tx.emit(CouponsApplied, orderId, { orderId, coupons: applied, lines: discounts, discount });
  } else if (redeemed.error.kind === 'coupon') {
    tx.emit(CouponsRefused, orderId, { orderId, code: redeemed.error.outcome.code, reason: redeemed.error.outcome.reason });
  }
  // A closed order (cancelled before its coupons were looked at) needs no answer.
});
