import { randomUUID } from 'node:crypto';
import type { Tx } from '@omnishop/kit';
import { SkuCreated } from '@omnishop/catalog/events';
import { OrderCancelled, OrderCompleted, OrderConfirmed, OrderPlaced, OrderRejected, OrderReturned } from '@omnishop/order/events';
import { allocate, receive, reserve, type ReservationStatus } from '../domain/stock.js';
import { on, recordMovement, settleReservation, type InventoryTables } from '../db.js';
import { StockRejected, StockReserved } from './index.js';

type T = InventoryTables;

const reservationOf = (tx: Tx<T>, tenant: string, orderId: string) =>
  tx.db.selectFrom('reservation').selectAll().where('tenant', '=', tenant).where('order_id', '=', orderId).executeTakeFirst();

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
    const skus = lines.map((l) => l.sku);
    const known = new Set((await tx.db.selectFrom('sku').select('sku').where('tenant', '=', tenant).where('sku', 'in', skus).execute()).map((r) => r.sku));
    const unknown = skus.find((s) => !known.has(s));
    if (unknown) {
      tx.emit(StockRejected, orderId, { orderId, reason: 'unknown_sku', sku: unknown });
      return;
    }
    let balances = tx.db.selectFrom('balance').selectAll().where('tenant', '=', tenant).where('sku', 'in', skus);
    if (store) balances = balances.where('location', '=', store);
    const rows = await balances.execute();
    const allocation = allocate(lines, (sku) =>
      rows.filter((r) => r.sku === sku).map((r) => ({ location: r.location, balance: { onHand: r.on_hand, reserved: r.reserved } })),
    );
    if (!allocation.ok) {
      tx.emit(StockRejected, orderId, { orderId, reason: 'insufficient_stock', sku: allocation.error.sku });
      return;
    }
    const id = randomUUID();
    const now = new Date();
    const expiresAt = new Date(now.getTime() + ttlSeconds * 1000).toISOString();
    await tx.db.insertInto('reservation').values({ id, tenant, order_id: orderId, status: 'held', expires_at: expiresAt, created_at: now.toISOString() }).execute();
    await tx.db.insertInto('reservation_line').values(allocation.value.map((a) => ({ tenant, reservation_id: id, ...a }))).execute();
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
  await tx.db
    .updateTable('reservation')
    .set({ status: 'committed' })
    .where('tenant', '=', event.tenant)
    .where('order_id', '=', event.data.orderId)
    .where('status', '=', 'held')
    .execute();
});

const settleOnOrder = (from: ReservationStatus[], outcome: 'released' | 'sold') => async (tenant: string, orderId: string, tx: Tx<T>) => {
  const reservation = await reservationOf(tx, tenant, orderId);
  if (reservation && from.includes(reservation.status)) await settleReservation(tx, reservation, outcome);
};

const releaseForOrder = settleOnOrder(['held', 'committed'], 'released');
const sellForOrder = settleOnOrder(['committed'], 'sold');

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
