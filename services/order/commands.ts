import type { Kysely } from 'kysely';
import { audit, badRequest, Changed, conflict, err, forbidden, newId, ok, unprocessable, type Principal, type Result, type Tx } from '@omnishop/kit';
import { linePrices } from '@omnishop/pricing';
import { requireOpenLocation } from '@omnishop/store-register';
import { OrderCancelled, OrderCompleted, OrderConfirmed, OrderPlaced, OrderRejected, OrderReturned, PaymentRequested } from './contract.js';
import { queries, type OrderTables } from './db.js';
import { usableCoupon } from './domain/coupons.js';
import { amountDue, planReturn, step, type OrderStatus, type PaymentMethod, type SagaInput, type SagaState } from './domain/order.js';
import { visibleOrder, type OrderView } from './views.js';

/**
 * The write side of orders: each command loads what it decides on, decides
 * through the domain (the saga's step, a return's plan), and writes with the
 * events it emits, conditionally on what it read.
 */

export interface SagaOptions {
  /** How long an order may await payment before it is cancelled. */
  paymentTimeoutSeconds: number;
}

/** Line discounts from promotion, when coupons were redeemed. */
export type LineDiscounts = { sku: string; discount: number }[];

/**
 * Moves an order one step along its saga and emits what that step says, in
 * one transaction. The update is conditional on the state it read, so two
 * writers racing on one order cannot both win (the loser retries and finds
 * the input no longer applies). Returns the new status, or why the input
 * does not apply (a late or repeated answer: the caller ignores it).
 */
export async function advance(
  tx: Tx<OrderTables>,
  tenant: string,
  id: string,
  input: SagaInput,
  opts: SagaOptions,
  lineDiscounts: LineDiscounts = [],
): Promise<Result<OrderStatus, string>> {
  const row = await queries.order.first(tx.db, { tenant, id });
  if (!row) return err('no such order');
  const before: SagaState = {
    status: row.status,
    channel: row.channel,
    subtotal: Number(row.subtotal),
    discount: Number(row.discount),
    stockHeld: Boolean(row.stock_held),
    couponsSettled: Boolean(row.coupons_settled),
  };
  const next = step(before, input);
  if (!next.ok) return next;
  const { state, statuses, effects } = next.value;
  const now = new Date();
  const at = now.toISOString();
  const last = statuses.at(-1);
  const updated = await queries.moveOrder.run(tx.db, {
    tenant,
    id,
    status: state.status,
    discount: state.discount,
    total: amountDue(state),
    stock_held: state.stockHeld ? 1 : 0,
    coupons_settled: state.couponsSettled ? 1 : 0,
    payment_due_by: state.status === 'awaiting_payment' ? new Date(now.getTime() + opts.paymentTimeoutSeconds * 1000).toISOString() : null,
    reason: last ? last.reason : row.reason,
    updated_at: at,
    was_status: row.status,
    was_stock_held: row.stock_held,
    was_coupons_settled: row.coupons_settled,
  });
  if (updated !== 1) throw new Changed('order-changed', `order ${id} changed while being updated; look again and retry`);
  for (const d of lineDiscounts) await queries.lineDiscount.run(tx.db, { tenant, id, sku: d.sku, discount: d.discount });
  for (const s of statuses) await queries.insertHistory.run(tx.db, { tenant, order_id: id, status: s.status, reason: s.reason, at });

  const due = amountDue(state);
  for (const effect of effects) {
    const opt = { tenant };
    const reason = last?.reason ?? effect;
    switch (effect) {
      case 'PaymentRequested':
        tx.emit(
          PaymentRequested,
          id,
          { orderId: id, customerId: row.customer_id, amount: due, currency: row.currency, method: row.payment_method, ...(row.store ? { store: row.store } : {}) },
          opt,
        );
        break;
      case 'OrderConfirmed':
        tx.emit(OrderConfirmed, id, { orderId: id, customerId: row.customer_id, channel: row.channel, total: due, currency: row.currency }, opt);
        break;
      case 'OrderRejected':
        tx.emit(OrderRejected, id, { orderId: id, reason }, opt);
        break;
      case 'OrderCancelled':
        tx.emit(OrderCancelled, id, { orderId: id, reason }, opt);
        break;
      case 'OrderCompleted':
        tx.emit(OrderCompleted, id, { orderId: id }, opt);
        break;
      default: {
        // Every effect the domain can name has its event: a new one is a compile error here.
        const unknown: never = effect;
        throw new Error(`order ${id}: no event for the effect ${String(unknown)}`);
      }
    }
  }
  return ok(state.status);
}

export interface NewOrder {
  customerId: string;
  channel: string;
  lines: { sku: string; qty: number }[];
  coupons: string[];
  paymentMethod: PaymentMethod;
  store: string | null;
}

/**
 * A coupon the brand never issued, someone else's, or one already used is
 * refused at once (422 naming it), from this service's copy of the coupons;
 * the saga's redemption still decides the rest, and any race for one coupon.
 */
async function refuseUnusableCoupons(db: Kysely<OrderTables>, tenant: string, o: Pick<NewOrder, 'coupons' | 'customerId'>): Promise<void> {
  for (const [i, code] of o.coupons.entries()) {
    const known = await queries.coupon.first(db, { tenant, code });
    const usable = usableCoupon(known && { customerId: known.customer_id, redeemedOrder: known.redeemed_order }, o.customerId);
    if (!usable.ok) throw unprocessable(`body.coupons.${i}`, usable.error);
  }
}

/**
 * Writes a new order, priced from this service's copy of the catalogue (the
 * same line rules promotion prices carts by), and emits OrderPlaced: the
 * saga's first step. Stock and coupons are settled by the answers to it.
 */
export async function place(tx: Tx<OrderTables>, tenant: string, o: NewOrder): Promise<OrderView> {
  await refuseUnusableCoupons(tx.db, tenant, o);
  const prices = new Map<string, { price: number; currency: string }>();
  for (const sku of new Set(o.lines.map((l) => l.sku))) {
    const price = await queries.price.first(tx.db, { tenant, sku });
    if (price) prices.set(sku, price);
  }
  const priced = linePrices(o.lines, (sku) => prices.get(sku));
  if (!priced.ok) throw unprocessable(`body.lines.${priced.error.index}.sku`, priced.error.message);
  const { lines, currency } = priced.value;
  const subtotal = lines.reduce((sum, l) => sum + l.unitPrice * l.qty, 0);
  const id = newId();
  const now = new Date().toISOString();
  const order = {
    id,
    customer_id: o.customerId,
    channel: o.channel,
    status: 'pending' as const,
    subtotal,
    discount: 0,
    total: subtotal,
    currency,
    payment_method: o.paymentMethod,
    store: o.store,
    stock_held: 0,
    // No coupons: nothing to wait for from promotion.
    coupons_settled: o.coupons.length ? 0 : 1,
    payment_due_by: null,
    reason: null,
    created_at: now,
    updated_at: now,
  };
  await queries.insertOrder.run(tx.db, { tenant, ...order });
  for (const [i, l] of lines.entries()) {
    await queries.insertLine.run(tx.db, { tenant, order_id: id, line_no: i + 1, sku: l.sku, qty: l.qty, unit_price: l.unitPrice, discount: 0, returned_qty: 0 });
  }
  for (const code of o.coupons) await queries.insertCoupon.run(tx.db, { tenant, order_id: id, code });
  await queries.insertHistory.run(tx.db, { tenant, order_id: id, status: 'pending', reason: null, at: now });
  tx.emit(OrderPlaced, id, {
    orderId: id,
    customerId: o.customerId,
    channel: o.channel,
    lines,
    total: subtotal,
    currency,
    paymentMethod: o.paymentMethod,
    ...(o.coupons.length ? { coupons: o.coupons } : {}),
    ...(o.store ? { store: o.store } : {}),
  });
  // What was just written, as loadOrder would read it back.
  const view: OrderView = {
    id,
    customerId: o.customerId,
    channel: o.channel,
    store: o.store,
    status: 'pending',
    reason: null,
    subtotal,
    discount: 0,
    total: subtotal,
    currency,
    paymentMethod: o.paymentMethod,
    lines: lines.map((l) => ({ sku: l.sku, qty: l.qty, unitPrice: l.unitPrice, discount: 0, returnedQty: 0 })),
    coupons: [...o.coupons].sort().map((code) => ({ code, discount: null, refusal: null })),
    history: [{ status: 'pending', reason: null, at: now }],
    returns: [],
    createdAt: now,
    updatedAt: now,
  };
  return view;
}

export interface ReturnRequest {
  lines: { sku: string; qty: number }[];
  reason: string;
  /** Where the goods came back; store staff: their own store (the default). */
  location?: string | undefined;
}

/**
 * Takes back goods of a completed order at an open store or warehouse: the
 * lines' returned quantities move (conditionally on what was read, so two
 * returns racing on one line cannot both take it), the return is recorded
 * and audited, and OrderReturned tells inventory, payment and customer.
 */
export async function takeReturn(tx: Tx<OrderTables>, principal: Principal, orderId: string, body: ReturnRequest): Promise<void> {
  const tenant = principal.tenant;
  const now = new Date().toISOString();
  // Returns of one order take turns (the write locks its row on PostgreSQL), so each sees what the last took back.
  await tx.db.updateTable('orders').set({ updated_at: now }).where('tenant', '=', tenant).where('id', '=', orderId).where('status', '=', 'completed').execute();
  const order = await visibleOrder(tx.db, principal, orderId);
  const location = body.location ?? principal.store;
  if (!location) throw badRequest('body.location', 'is required: where did the goods come back?');
  if (principal.store && location !== principal.store) throw forbidden(`store staff take returns at their own store, ${principal.store}`);
  await requireOpenLocation(tx.db, body.location ? 'body.location' : 'token.store', location);
  const plan = planReturn(order.status, order.lines, body.lines);
  if (!plan.ok) throw plan.error.field === 'path.id' ? conflict('order-not-returnable', `order ${order.id} ${plan.error.message}`) : unprocessable(plan.error.field, plan.error.message);
  for (const l of plan.value.lines) {
    const moved = await tx.db
      .updateTable('order_line')
      .set({ returned_qty: l.returnedQty })
      .where('tenant', '=', tenant)
      .where('order_id', '=', order.id)
      .where('sku', '=', l.sku)
      .where('returned_qty', '=', l.returnedQty - l.qty)
      .executeTakeFirst();
    if (Number(moved.numUpdatedRows) !== 1) throw new Changed('order-changed', `order ${order.id} had goods returned meanwhile; look again and retry`);
  }
  const returnId = newId();
  const lines = body.lines.map((l) => ({ sku: l.sku, qty: l.qty }));
  await tx.db
    .insertInto('order_return')
    .values({ id: returnId, tenant, order_id: order.id, location, lines: JSON.stringify(lines), amount: plan.value.amount, reason: body.reason, taken_by: principal.subject, created_at: now })
    .execute();
  if (plan.value.wholly) {
    await tx.db.updateTable('orders').set({ status: 'returned', reason: body.reason, updated_at: now }).where('tenant', '=', tenant).where('id', '=', order.id).execute();
    await tx.db.insertInto('order_history').values({ tenant, order_id: order.id, status: 'returned', reason: body.reason, at: now }).execute();
  }
  await audit(tx.db, { action: 'order.return', target: `${order.id}: ${lines.map((l) => `${l.qty} × ${l.sku}`).join(', ')} at ${location}, refund ${plan.value.amount} ${order.currency}` });
  tx.emit(OrderReturned, order.id, {
    orderId: order.id,
    returnId,
    customerId: order.customerId,
    location,
    lines,
    amount: plan.value.amount,
    currency: order.currency,
    reason: body.reason,
    takenBy: { subject: principal.subject, role: principal.role },
  });
}
