import { Changed } from '@omnishop/kit';
import { isTillSale, OrderCancelled, OrderConfirmed, OrderPlaced } from '@omnishop/order/contract';
import { StockReserved } from '@omnishop/inventory/contract';
import { recordOffer } from '../commands.js';
import { on, queries } from '../db.js';
import { transition } from '../domain/fulfilment.js';
import { FulfilmentCancelled, OrderOffered } from '../contract.js';

/** Keeps who owns the order, so only they can confirm receipt. */
export const onOrderPlaced = on(OrderPlaced, async (event, tx) => {
  await queries.keepOwner.run(tx.db, { tenant: event.tenant, orderId: event.data.orderId, customerId: event.data.customerId });
});

/** Keeps where the order's stock is held: the stores offered the order first. */
export const onStockReserved = on(StockReserved, async (event, tx) => {
  const { orderId, lines } = event.data;
  for (const l of lines) await queries.keepHeld.run(tx.db, { tenant: event.tenant, orderId, sku: l.sku, location: l.location, qty: l.qty });
});

/** A paid online order is offered at once to the stores and warehouses holding its stock (round 1); a till sale was handed over at the till. */
export const onOrderConfirmed = on(OrderConfirmed, async (event, tx) => {
  const { tenant } = event;
  const { orderId, channel } = event.data;
  if (isTillSale(channel)) return;
  if (await queries.fulfilment.first(tx.db, { tenant, orderId })) return;
  const held = await queries.heldAt.first(tx.db, { tenant, orderId });
  // StockReserved comes before OrderConfirmed; if it has not been seen, retry (and dead-letter if it never comes).
  if (!held) throw new Error(`no reservation seen for confirmed order ${orderId}`);
  const now = new Date().toISOString();
  await queries.offer.run(tx.db, { tenant, orderId, now });
  const locations = await recordOffer(tx, tenant, orderId, 1);
  tx.emit(OrderOffered, orderId, { orderId, round: 1, locations });
});

/** A cancelled order is no longer offered or worked on, unless it has already left the store. */
export const onOrderCancelled = on(OrderCancelled, async (event, tx) => {
  const { tenant } = event;
  const { orderId, reason } = event.data;
  const current = await queries.fulfilment.first(tx.db, { tenant, orderId });
  if (!current || !transition(current.status, 'cancel').ok) return;
  const moved = await tx.db
    .updateTable('fulfilment')
    .set({ status: 'cancelled', updated_at: new Date().toISOString() })
    .where('tenant', '=', tenant)
    .where('order_id', '=', orderId)
    .where('status', '=', current.status)
    .executeTakeFirst();
  // A store moved it meanwhile: retry, and the next look decides again.
  if (Number(moved.numUpdatedRows) !== 1) throw new Changed('fulfilment-changed', `fulfilment of ${orderId} changed while being cancelled`);
  tx.emit(FulfilmentCancelled, orderId, { orderId, reason });
});
