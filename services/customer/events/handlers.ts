import { OrderCompleted, OrderConfirmed, WALK_IN_CUSTOMER } from '@omnishop/order/contract';
import { PaymentRefunded } from '@omnishop/payment/contract';
import { earning, reversal } from '../domain/points.js';
import { join, recordEntry } from '../commands.js';
import { keepPaidOrder, on, paidFor, paidOrder, standingFor } from '../db.js';
import { PointsEarned, PointsReversed } from '../contract.js';

/**
 * Keeps who each paid order is for and what was paid, after coupons:
 * OrderCompleted names only the order. A walk-in till sale is kept too, so
 * that its completion is told apart from one whose confirmation is missing.
 * A row copied from OrderPlaced before migration 0002 takes the paid total.
 */
export const onOrderConfirmed = on(OrderConfirmed, async (event, tx) => {
  const { orderId, customerId, total } = event.data;
  await keepPaidOrder.run(tx.db, { tenant: event.tenant, orderId, customerId, total });
});

/**
 * A completed order earns its customer points, making them a member on first
 * sight; a walk-in till sale earns nothing. What was refunded before it
 * completed is not earned. The consumer records each event id with its effect,
 * and the ledger's unique "earned once per order" backs that up.
 */
export const onOrderCompleted = on(OrderCompleted, async (event, tx) => {
  const { tenant } = event;
  const { orderId } = event.data;
  const order = await paidOrder(tx.db, tenant, orderId);
  // OrderConfirmed has the order's key, so it is handled first; without it there is no total to earn
  // from. Failing retries it, then parks it as a dead letter an operator can replay.
  if (!order) throw new Error(`order ${orderId} completed, but its OrderConfirmed was never seen`);
  if (order.customer_id === WALK_IN_CUSTOMER) return;
  const memberId = order.customer_id;
  await join(tx, tenant, memberId, null);
  const entry = earning(await standingFor(tx.db, tenant, memberId, orderId), orderId, await paidFor(tx.db, tenant, order));
  if (!entry.ok) return; // already earned, or nothing left to earn: nothing to record
  const after = await recordEntry(tx, tenant, memberId, entry.value, null);
  tx.emit(PointsEarned, memberId, { memberId, orderId, points: entry.value.delta, balance: after.balance, tier: after.tier });
});

/**
 * A refund takes back the refunded share of the points its order earned.
 * Each refund counts once, by its id. A refund of an order that did not
 * complete yet (or never will) reverses nothing, but is kept: if the order
 * completes later, it earns only on what was not refunded.
 */
export const onPaymentRefunded = on(PaymentRefunded, async (event, tx) => {
  const { tenant } = event;
  const { orderId, refundId, refundedTotal, reason } = event.data;
  const kept = await tx.db
    .insertInto('order_refund')
    .values({ tenant, refund_id: refundId, order_id: orderId, refunded_total: refundedTotal })
    .onConflict((oc) => oc.columns(['tenant', 'refund_id']).doNothing())
    .returning('refund_id')
    .executeTakeFirst();
  if (!kept) return; // this refund was counted already
  const order = await paidOrder(tx.db, tenant, orderId);
  if (!order || order.customer_id === WALK_IN_CUSTOMER) return; // never confirmed, or nobody's points
  const memberId = order.customer_id;
  const entry = reversal(await standingFor(tx.db, tenant, memberId, orderId), orderId, await paidFor(tx.db, tenant, order));
  if (!entry.ok) return; // not earned yet, nothing more due, or no balance left to take from
  const after = await recordEntry(tx, tenant, memberId, entry.value, reason);
  tx.emit(PointsReversed, memberId, { memberId, orderId, points: -entry.value.delta, reason, balance: after.balance, tier: after.tier });
});
