import { newId, type Tx } from '@omnishop/kit';
import { SkuCreated } from '@omnishop/catalog/contract';
import { OrderCancelled, OrderCompleted, OrderConfirmed, OrderPlaced, OrderRejected, OrderReturned } from '@omnishop/order/contract';
import { allocate, receive, reserve, type ReservationStatus } from '../domain/stock.js';
import { recordMovement, settleFrom, settleReservation } from '../commands.js';
import { on, queries, type InventoryTables } from '../db.js';
import { StockRejected, StockReserved } from '../contract.js';

type T = InventoryTables;

const reservationOf = (tx: Tx<T>, tenant: string, orderId: string) => queries.reservation.first(tx.db, { tenant, orderId });

export const onSkuCreated = on(SkuCreated, async (event, tx) => {
  await tx.db
    .insertInto('sku')
    .values({ tenant: event.tenant, sku: event.data.sku })
    .onConflict((oc) => oc.doNothing())
    .execute();
});

/** Holds stock for every line of a new order, all or nothing; a till sale's at its store only. */
export const reserveForOrder = (ttlSeconds: number) =>
  on(OrderPlaced, async (event, tx) => {
    const { tenant } = event;
    const { orderId, lines, store } = event.data;
    if (await reservationOf(tx, tenant, orderId)) return;
    const skus = [...new Set(lines.map((l) => l.sku))];
    const rows: Awaited<ReturnType<typeof queries.balances.all>> = [];
    for (const sku of skus) {
      if (!(await queries.sku.first(tx.db, { tenant, sku }))) {
        tx.emit(StockRejected, orderId, { orderId, reason: 'unknown_sku', sku });
        return;
      }
      // A till sale takes its store's stock only.
      if (!store) rows.push(...(await queries.balances.all(tx.db, { tenant, sku })));
      else {
        const atStore = await queries.balance.first(tx.db, { tenant, sku, location: store });
        if (atStore) rows.push(atStore);
      }
    }
    const allocation = allocate(lines, (sku) =>
      rows.filter((r) => r.sku === sku).map((r) => ({ location: r.location, balance: { onHand: r.on_hand, reserved: r.reserved } })),
    );
    if (!allocation.ok) {
      tx.emit(StockRejected, orderId, { orderId, reason: 'insufficient_stock', sku: allocation.error.sku });
      return;
    }
    const id = newId();
    const now = new Date();
    const expiresAt = new Date(now.getTime() + ttlSeconds * 1000).toISOString();
    await queries.hold.run(tx.db, { tenant, id, orderId, expiresAt, at: now.toISOString() });
    for (const a of allocation.value) await queries.holdLine.run(tx.db, { tenant, id, sku: a.sku, location: a.location, qty: a.qty });
    for (const a of allocation.value) {
      const row = rows.find((r) => r.sku === a.sku && r.location === a.location);
      const movement = reserve({ onHand: row?.on_hand ?? 0, reserved: row?.reserved ?? 0 }, a.qty);
      if (!movement.ok) throw new Error(`allocation chose ${a.location} for ${a.sku} without stock`);
      await recordMovement(tx, { tenant, sku: a.sku, location: a.location }, movement.value, `order:${orderId}`);
    }
    tx.emit(StockReserved, orderId, { orderId, reservationId: id, lines: allocation.value, expiresAt });
  });

/** A confirmed order keeps its stock until it is completed or cancelled: the reservation no longer expires. */
export const onOrderConfirmed = on(OrderConfirmed, async (event, tx) => {
  await queries.commit.run(tx.db, { tenant: event.tenant, orderId: event.data.orderId });
});

/** Settles an order's reservation if its status is one of `from`, reading again when another handler changed it meanwhile. */
const settleOnOrder = (from: ReservationStatus[], outcome: 'released' | 'sold') => async (tenant: string, orderId: string, tx: Tx<T>) => {
  await settleFrom(from, () => reservationOf(tx, tenant, orderId), (reservation) => settleReservation(tx, reservation, outcome), `order ${orderId}'s stock ${outcome}`);
};

const releaseHeld = settleOnOrder(['held', 'committed'], 'released');

/**
 * Gives back an ended order's stock. With replicas, the order's rejection (a coupon refused at once) may be handled
 * before its OrderPlaced: there is nothing to release yet, and the stock held afterwards would stay unsellable until
 * the hold expired. So a reservation without lines, already released, is written in its place, and the late
 * OrderPlaced, finding the order has a reservation, holds nothing (found by npm run double11 in distributed mode).
 */
const releaseForOrder = async (tenant: string, orderId: string, tx: Tx<T>) => {
  if (await reservationOf(tx, tenant, orderId)) return releaseHeld(tenant, orderId, tx);
  const now = new Date().toISOString();
  await tx.db.insertInto('reservation').values({ id: newId(), tenant, order_id: orderId, status: 'released', expires_at: now, created_at: now }).execute();
};
// A completed order was confirmed, whether or not its OrderConfirmed was handled yet: with replicas, events of one
// order may be handled out of order, and a completion ignored for a reservation still 'held' left its stock reserved
// for good (found by npm run double11 in distributed mode). The late OrderConfirmed then commits nothing.
const sellForOrder = settleOnOrder(['held', 'committed'], 'sold');

export const onOrderCancelled = on(OrderCancelled, (event, tx) =>
  releaseForOrder(event.tenant, event.data.orderId, tx),
);

/** Rejected after its stock was held (a coupon refused, say): the stock goes back. */
export const onOrderRejected = on(OrderRejected, (event, tx) =>
  releaseForOrder(event.tenant, event.data.orderId, tx),
);

/** Returned goods are stock again, where they came back. */
export const onOrderReturned = on(OrderReturned, async (event, tx) => {
  const { tenant } = event;
  const { location, lines, returnId, orderId } = event.data;
  for (const line of lines) {
    const movement = receive(line.qty);
    if (!movement.ok) throw new Error(`return ${returnId} of order ${orderId}: ${movement.error} quantity for ${line.sku}`);
    await recordMovement(tx, { tenant, sku: line.sku, location }, movement.value, `return:${returnId}`);
  }
});

export const onOrderCompleted = on(OrderCompleted, (event, tx) =>
  sellForOrder(event.tenant, event.data.orderId, tx),
);
