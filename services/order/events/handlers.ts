import { SkuCreated, SkuPriceChanged } from '@omnishop/catalog/contract';
import { OrderCollected, OrderReceived } from '@omnishop/fulfilment/contract';
import { ReservationExpired, StockRejected, StockReserved } from '@omnishop/inventory/contract';
import { PaymentCancelled, PaymentCaptured, PaymentFailed } from '@omnishop/payment/contract';
import { MemberJoined } from '@omnishop/customer/contract';
import { CouponIssued, CouponRedeemed, CouponReleased, CouponsApplied, CouponsRefused } from '@omnishop/promotion/contract';
import { defineReadModel } from '@omnishop/kit';
import { advance, type SagaOptions } from '../commands.js';
import { on } from '../db.js';
import { holdIsLive } from '../domain/order.js';

/** The order service keeps its own copy of prices, so placing an order needs no call to the catalogue. */
export const onSkuCreated = on(SkuCreated, async (event, tx) => {
  const { sku, price, currency } = event.data;
  await tx.db
    .insertInto('sku_price')
    .values({ tenant: event.tenant, sku, price, currency })
    .onConflict((oc) => oc.columns(['tenant', 'sku']).doUpdateSet({ price, currency }))
    .execute();
});

export const onSkuPriceChanged = on(SkuPriceChanged, async (event, tx) => {
  const { sku, price, currency } = event.data;
  await tx.db.updateTable('sku_price').set({ price, currency }).where('tenant', '=', event.tenant).where('sku', '=', sku).execute();
});

/** The copy of prices as a read model, rebuilt by replaying the catalogue's events (POST /api/orders/admin/read-models/prices/rebuild). */
export const pricesReadModel = defineReadModel({
  name: 'prices',
  description: "each SKU's price, from SkuCreated and SkuPriceChanged, so placing an order calls no other service",
  tables: ['sku_price'],
  events: [SkuCreated, SkuPriceChanged],
});

/** Whom a till sale may be for: the brand's members. */
export const onMemberJoined = on(MemberJoined, async (event, tx) => {
  await tx.db.insertInto('member_ref').values({ tenant: event.tenant, customer_id: event.data.memberId }).onConflict((oc) => oc.doNothing()).execute();
});

/** The brand's coupons, whose they are and whether used, so an order naming a made-up or spent one is told at once. */
export const couponHandlers = [
  on(CouponIssued, async (event, tx) => {
    const { code, customerId } = event.data;
    await tx.db.insertInto('coupon_ref').values({ tenant: event.tenant, code, customer_id: customerId, redeemed_order: null }).onConflict((oc) => oc.doNothing()).execute();
  }),
  on(CouponRedeemed, async (event, tx) => {
    const { code, orderId } = event.data;
    await tx.db.updateTable('coupon_ref').set({ redeemed_order: orderId }).where('tenant', '=', event.tenant).where('code', '=', code).execute();
  }),
  // Released only from the order it was redeemed for: a late release cannot free a coupon redeemed again since.
  on(CouponReleased, async (event, tx) => {
    const { code, orderId } = event.data;
    await tx.db.updateTable('coupon_ref').set({ redeemed_order: null }).where('tenant', '=', event.tenant).where('code', '=', code).where('redeemed_order', '=', orderId).execute();
  }),
];

/**
 * The saga's answers. Each moves the order one step (see domain/order.ts);
 * an answer that no longer applies (stock reserved for an order already
 * cancelled, a second payment callback) changes nothing: the other services
 * settle on the rejection or cancellation the order emitted.
 */
export const sagaHandlers = (opts: SagaOptions) => [
  // A hold that ran out before we heard of it holds nothing: ReservationExpired follows and rejects the order.
  on(StockReserved, async (event, tx) => {
    if (holdIsLive(event.data.expiresAt, new Date())) await advance(tx, event.tenant, event.data.orderId, { kind: 'stock_held' }, opts);
  }),
  on(StockRejected, async (event, tx) => {
    await advance(tx, event.tenant, event.data.orderId, { kind: 'stock_refused', reason: `${event.data.reason}: ${event.data.sku}` }, opts);
  }),
  on(ReservationExpired, async (event, tx) => {
    await advance(tx, event.tenant, event.data.orderId, { kind: 'hold_expired' }, opts);
  }),
  on(CouponsApplied, async (event, tx) => {
    const { orderId, discount, lines, coupons } = event.data;
    const moved = await advance(tx, event.tenant, orderId, { kind: 'coupons_redeemed', discount }, opts, lines);
    if (!moved.ok) return;
    for (const c of coupons) {
      await tx.db.updateTable('order_coupon').set({ discount: c.discount }).where('tenant', '=', event.tenant).where('order_id', '=', orderId).where('code', '=', c.code).execute();
    }
  }),
  on(CouponsRefused, async (event, tx) => {
    const { orderId, code, reason } = event.data;
    const moved = await advance(tx, event.tenant, orderId, { kind: 'coupons_refused', reason }, opts);
    if (moved.ok) await tx.db.updateTable('order_coupon').set({ refusal: reason }).where('tenant', '=', event.tenant).where('order_id', '=', orderId).where('code', '=', code).execute();
  }),
  on(PaymentCaptured, async (event, tx) => {
    await advance(tx, event.tenant, event.data.orderId, { kind: 'paid' }, opts);
  }),
  on(PaymentFailed, async (event, tx) => {
    await advance(tx, event.tenant, event.data.orderId, { kind: 'payment_failed', reason: `payment_failed: ${event.data.reason}` }, opts);
  }),
  on(PaymentCancelled, async (event, tx) => {
    await advance(tx, event.tenant, event.data.orderId, { kind: 'payment_failed', reason: 'payment_cancelled' }, opts);
  }),
  // Handed over when the customer confirms receipt, or collects it in store: its held stock is sold.
  on(OrderReceived, async (event, tx) => {
    await advance(tx, event.tenant, event.data.orderId, { kind: 'hand_over' }, opts);
  }),
  on(OrderCollected, async (event, tx) => {
    await advance(tx, event.tenant, event.data.orderId, { kind: 'hand_over' }, opts);
  }),
];
