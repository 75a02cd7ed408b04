import { SkuCreated, SkuPriceChanged } from '@omnishop/catalog/events';
import { OrderCollected, OrderReceived } from '@omnishop/fulfilment/events';
import { ReservationExpired, StockRejected, StockReserved } from '@omnishop/inventory/events';
import { applyCommand, on } from '../db.js';
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

// Stale events (stock reserved for an order already cancelled) find no
// transition and change nothing; the inventory side settles on the cancel.
// A hold that ran out before we heard of it confirms nothing: ReservationExpired follows and rejects the order.
export const onStockReserved = on(StockReserved, async (event, tx) => {
  if (!holdIsLive(event.data.expiresAt, new Date())) return;
  await applyCommand(tx, event.tenant, event.data.orderId, 'confirm');
});

export const onStockRejected = on(StockRejected, async (event, tx) => {
  await applyCommand(tx, event.tenant, event.data.orderId, 'reject', `${event.data.reason}: ${event.data.sku}`);
});

/** A pending order whose stock hold ran out is rejected; a confirmed one (a rare race) is cancelled. */
export const onReservationExpired = on(ReservationExpired, async (event, tx) => {
  const rejected = await applyCommand(tx, event.tenant, event.data.orderId, 'reject', 'reservation_expired');
  if (!rejected.ok) await applyCommand(tx, event.tenant, event.data.orderId, 'cancel', 'reservation_expired');
});

/** The order is handed over when the customer confirms receipt, or collects it in store: its held stock is sold. */
export const onOrderReceived = on(OrderReceived, async (event, tx) => {
  await applyCommand(tx, event.tenant, event.data.orderId, 'complete');
});

export const onOrderCollected = on(OrderCollected, async (event, tx) => {
  await applyCommand(tx, event.tenant, event.data.orderId, 'complete');
});
