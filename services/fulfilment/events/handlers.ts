import { isTillSale, OrderCancelled, OrderConfirmed, OrderPlaced } from '@omnishop/order/contract';
import { StockReserved } from '@omnishop/inventory/contract';
import { cancelFulfilment, offerOrder } from '../commands.js';
import { on, queries } from '../db.js';

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
  if (!isTillSale(event.data.channel)) await offerOrder(tx, event.tenant, event.data.orderId);
});

/** A cancelled order is no longer offered or worked on, unless it has already left the store. */
export const onOrderCancelled = on(OrderCancelled, (event, tx) => cancelFulfilment(tx, event.tenant, event.data.orderId, event.data.reason));
