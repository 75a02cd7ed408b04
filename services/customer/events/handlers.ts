import { OrderCompleted, OrderPlaced } from '@omnishop/order/events';
import { earning } from '../domain/points.js';
import { ensureMember, on, recordEntry, standingFor } from '../db.js';
import { PointsEarned } from './index.js';

/** Keeps who placed each order and its total: OrderCompleted names only the order. */
export const onOrderPlaced = on(OrderPlaced, async (event, tx) => {
  const { orderId, customerId, total } = event.data;
  await tx.db
    .insertInto('order_total')
    .values({ tenant: event.tenant, order_id: orderId, customer_id: customerId, total })
    .onConflict((oc) => oc.columns(['tenant', 'order_id']).doNothing())
    .execute();
});

/**
 * A completed order earns its customer points, making them a member on first
 * sight. The consumer records each event id with its effect, and the ledger's
 * unique (tenant, order, reason) key backs that up: a redelivered completion
 * earns nothing twice.
 *
 * Reversal has no event yet: an order cannot be cancelled after it is
 * completed, and refunds do not exist. Until a refund service emits one, a
 * brand admin reverses through POST /members/{id}/points/reverse.
 */
export const onOrderCompleted = on(OrderCompleted, async (event, tx) => {
  const { tenant } = event;
  const { orderId } = event.data;
  const order = await tx.db.selectFrom('order_total').selectAll().where('tenant', '=', tenant).where('order_id', '=', orderId).executeTakeFirst();
  // OrderPlaced has the order's key, so it is handled first; without it there is no total to earn
  // from. Failing parks the event as a dead letter an operator can replay once the replica has it.
  if (!order) throw new Error(`order ${orderId} completed, but its OrderPlaced was never seen`);
  const memberId = order.customer_id;
  await ensureMember(tx.db, tenant, memberId);
  const entry = earning(await standingFor(tx.db, tenant, memberId, orderId), orderId, Number(order.total));
  if (!entry.ok) return; // already earned, or under one yuan: nothing to record
  const after = await recordEntry(tx, tenant, memberId, entry.value, null);
  tx.emit(PointsEarned, memberId, { memberId, orderId, points: entry.value.delta, balance: after.balance, tier: after.tier });
});
