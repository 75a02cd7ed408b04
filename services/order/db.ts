import type { Generated, Kysely } from 'kysely';
import { err, handlerFor, ok, routeFor, type Result, type Tx } from '@omnishop/kit';
import { amountDue, step, type OrderStatus, type SagaInput, type SagaState } from './domain/order.js';
import { OrderCancelled, OrderCompleted, OrderConfirmed, OrderRejected, PaymentRequested } from './events/index.js';

export type PaymentMethod = 'wallet' | 'cash';

export interface OrderTables {
  sku_price: { tenant: string; sku: string; price: number; currency: string };
  orders: {
    seq: Generated<number>;
    id: string;
    tenant: string;
    customer_id: string;
    channel: string;
    status: OrderStatus;
    /** Before coupons. */
    subtotal: number;
    discount: number;
    /** What is due: the subtotal less coupons. */
    total: number;
    currency: string;
    payment_method: PaymentMethod;
    /** A till sale's store; null online. */
    store: string | null;
    stock_held: number;
    coupons_settled: number;
    /** While awaiting payment: when it times out. */
    payment_due_by: string | null;
    reason: string | null;
    created_at: string;
    updated_at: string;
  };
  order_line: { tenant: string; order_id: string; line_no: number; sku: string; qty: number; unit_price: number; discount: number; returned_qty: number };
  order_coupon: { tenant: string; order_id: string; code: string; discount: number | null };
  order_history: { seq: Generated<number>; tenant: string; order_id: string; status: OrderStatus; reason: string | null; at: string };
  order_return: {
    seq: Generated<number>;
    id: string;
    tenant: string;
    order_id: string;
    location: string;
    lines: string;
    amount: number;
    reason: string;
    taken_by: string;
    created_at: string;
  };
}

export const route = routeFor<OrderTables>();
export const on = handlerFor<OrderTables>();

export interface OrderView {
  id: string;
  customerId: string;
  channel: string;
  store: string | null;
  status: OrderStatus;
  reason: string | null;
  subtotal: number;
  discount: number;
  total: number;
  currency: string;
  paymentMethod: PaymentMethod;
  lines: { sku: string; qty: number; unitPrice: number; discount: number; returnedQty: number }[];
  coupons: { code: string; discount: number | null }[];
  history: { status: OrderStatus; reason: string | null; at: string }[];
  returns: { id: string; location: string; lines: { sku: string; qty: number }[]; amount: number; reason: string; at: string }[];
  createdAt: string;
  updatedAt: string;
}

/** Loads an order of the tenant with its lines, coupons, history and returns; undefined when the tenant has no such order. */
export async function loadOrder(db: Kysely<OrderTables>, tenant: string, id: string): Promise<OrderView | undefined> {
  const order = await db.selectFrom('orders').selectAll().where('tenant', '=', tenant).where('id', '=', id).executeTakeFirst();
  if (!order) return undefined;
  const [lines, coupons, history, returns] = await Promise.all([
    db.selectFrom('order_line').selectAll().where('tenant', '=', tenant).where('order_id', '=', id).orderBy('line_no').execute(),
    db.selectFrom('order_coupon').selectAll().where('tenant', '=', tenant).where('order_id', '=', id).orderBy('code').execute(),
    db.selectFrom('order_history').selectAll().where('tenant', '=', tenant).where('order_id', '=', id).orderBy('seq').execute(),
    db.selectFrom('order_return').selectAll().where('tenant', '=', tenant).where('order_id', '=', id).orderBy('seq').execute(),
  ]);
  return {
    id: order.id,
    customerId: order.customer_id,
    channel: order.channel,
    store: order.store,
    status: order.status,
    reason: order.reason,
    subtotal: Number(order.subtotal),
    discount: Number(order.discount),
    total: Number(order.total),
    currency: order.currency,
    paymentMethod: order.payment_method,
    lines: lines.map((l) => ({ sku: l.sku, qty: l.qty, unitPrice: Number(l.unit_price), discount: Number(l.discount), returnedQty: l.returned_qty })),
    coupons: coupons.map((c) => ({ code: c.code, discount: c.discount === null ? null : Number(c.discount) })),
    history: history.map((h) => ({ status: h.status, reason: h.reason, at: h.at })),
    returns: returns.map((r) => ({ id: r.id, location: r.location, lines: JSON.parse(r.lines) as { sku: string; qty: number }[], amount: Number(r.amount), reason: r.reason, at: r.created_at })),
    createdAt: order.created_at,
    updatedAt: order.updated_at,
  };
}

/** Another writer moved the order between our read and our write: an event handler retries; a caller gets a 409. */
export class OrderChanged extends Error {}

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
  const row = await tx.db.selectFrom('orders').selectAll().where('tenant', '=', tenant).where('id', '=', id).executeTakeFirst();
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
  const updated = await tx.db
    .updateTable('orders')
    .set({
      status: state.status,
      discount: state.discount,
      total: amountDue(state),
      stock_held: state.stockHeld ? 1 : 0,
      coupons_settled: state.couponsSettled ? 1 : 0,
      payment_due_by: state.status === 'awaiting_payment' ? new Date(now.getTime() + opts.paymentTimeoutSeconds * 1000).toISOString() : null,
      ...(last ? { reason: last.reason } : {}),
      updated_at: at,
    })
    .where('tenant', '=', tenant)
    .where('id', '=', id)
    .where('status', '=', row.status)
    .where('stock_held', '=', row.stock_held)
    .where('coupons_settled', '=', row.coupons_settled)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) !== 1) throw new OrderChanged(`order ${id} changed while being updated; look again and retry`);
  for (const d of lineDiscounts) {
    await tx.db.updateTable('order_line').set({ discount: d.discount }).where('tenant', '=', tenant).where('order_id', '=', id).where('sku', '=', d.sku).execute();
  }
  if (statuses.length) await tx.db.insertInto('order_history').values(statuses.map((s) => ({ tenant, order_id: id, status: s.status, reason: s.reason, at }))).execute();

  const due = amountDue(state);
  for (const effect of effects) {
    const opt = { tenant };
    const reason = last?.reason ?? effect;
    if (effect === 'PaymentRequested') {
      tx.emit(PaymentRequested, id, { orderId: id, customerId: row.customer_id, amount: due, currency: row.currency, method: row.payment_method }, opt);
    } else if (effect === 'OrderConfirmed') {
      tx.emit(OrderConfirmed, id, { orderId: id, customerId: row.customer_id, channel: row.channel, total: due, currency: row.currency }, opt);
    } else if (effect === 'OrderRejected') tx.emit(OrderRejected, id, { orderId: id, reason }, opt);
    else if (effect === 'OrderCancelled') tx.emit(OrderCancelled, id, { orderId: id, reason }, opt);
    else tx.emit(OrderCompleted, id, { orderId: id }, opt);
  }
  return ok(state.status);
}
