import type { Tx } from '@omnishop/kit';
import { SkuCreated, SkuPriceChanged } from '@omnishop/catalog/events';
import { OrderCancelled, OrderRejected } from '@omnishop/order/events';
import { on, releaseForOrder, type PromotionTables } from '../db.js';

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
