import type { Generated, Insertable, Kysely } from 'kysely';
import { err, handlerFor, ok, routeFor, statement, type Result, type Tx } from '@omnishop/kit';
import { amountDue, step, type OrderStatus, type SagaInput, type SagaState } from './domain/order.js';
import { OrderCancelled, OrderCompleted, OrderConfirmed, OrderRejected, PaymentRequested } from './contract.js';
import type { StoreRegisterTables } from '@omnishop/store-register';

export type PaymentMethod = 'wallet' | 'cash';

export interface OrderTables extends StoreRegisterTables {
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
  /** refusal: why promotion refused it, when it rejected the order. */
  order_coupon: { tenant: string; order_id: string; code: string; discount: number | null; refusal: string | null };
  /** Replica of the brand's members (MemberJoined): whom a till sale may be for. */
  member_ref: { tenant: string; customer_id: string };
  /** Replica of the brand's coupons (CouponIssued, CouponRedeemed, CouponReleased): what an order's coupons are, told at once. */
  coupon_ref: { tenant: string; code: string; customer_id: string; redeemed_order: string | null };
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
const prepare = <P extends Record<string, unknown>>() => statement<OrderTables, P>();

/** The hot queries of placing and advancing orders, compiled once (see statement). */
export const queries = {
  price: prepare<{ sku: string }>()((db, p) => db.selectFrom('sku_price').selectAll().where('sku', '=', p.sku)),
  order: prepare<{ id: string }>()((db, p) => db.selectFrom('orders').selectAll().where('id', '=', p.id)),
  lines: prepare<{ id: string }>()((db, p) => db.selectFrom('order_line').selectAll().where('order_id', '=', p.id).orderBy('line_no')),
  coupons: prepare<{ id: string }>()((db, p) => db.selectFrom('order_coupon').selectAll().where('order_id', '=', p.id).orderBy('code')),
  history: prepare<{ id: string }>()((db, p) => db.selectFrom('order_history').selectAll().where('order_id', '=', p.id).orderBy('seq')),
  returns: prepare<{ id: string }>()((db, p) => db.selectFrom('order_return').selectAll().where('order_id', '=', p.id).orderBy('seq')),
  insertOrder: prepare<Omit<Insertable<OrderTables['orders']>, 'seq' | 'tenant'>>()((db, p) =>
    db.insertInto('orders').values({
      id: p.id,
      tenant: p.tenant,
      customer_id: p.customer_id,
      channel: p.channel,
      status: p.status,
      subtotal: p.subtotal,
      discount: p.discount,
      total: p.total,
      currency: p.currency,
      payment_method: p.payment_method,
      store: p.store,
      stock_held: p.stock_held,
      coupons_settled: p.coupons_settled,
      payment_due_by: p.payment_due_by,
      reason: p.reason,
      created_at: p.created_at,
      updated_at: p.updated_at,
    }),
  ),
  insertLine: prepare<Omit<OrderTables['order_line'], 'tenant'>>()((db, p) =>
    db.insertInto('order_line').values({
      tenant: p.tenant,
      order_id: p.order_id,
      line_no: p.line_no,
      sku: p.sku,
      qty: p.qty,
      unit_price: p.unit_price,
      discount: p.discount,
      returned_qty: p.returned_qty,
    }),
  ),
  insertCoupon: prepare<{ order_id: string; code: string }>()((db, p) =>
    db.insertInto('order_coupon').values({ tenant: p.tenant, order_id: p.order_id, code: p.code, discount: null, refusal: null }),
  ),
  member: prepare<{ customerId: string }>()((db, p) => db.selectFrom('member_ref').select('customer_id').where('customer_id', '=', p.customerId)),
  coupon: prepare<{ code: string }>()((db, p) => db.selectFrom('coupon_ref').select(['customer_id', 'redeemed_order']).where('code', '=', p.code)),
  insertHistory: prepare<{ order_id: string; status: OrderStatus; reason: string | null; at: string }>()((db, p) =>
    db.insertInto('order_history').values({ tenant: p.tenant, order_id: p.order_id, status: p.status, reason: p.reason, at: p.at }),
  ),
  /** Conditional on the state read, so two writers racing on one order cannot both win. */
  moveOrder: prepare<{
    id: string;
    status: OrderStatus;
    discount: number;
    total: number;
    stock_held: number;
    coupons_settled: number;
    payment_due_by: string | null;
    reason: string | null;
    updated_at: string;
    was_status: OrderStatus;
    was_stock_held: number;
    was_coupons_settled: number;
  }>()((db, p) =>
    db
      .updateTable('orders')
      .set({
        status: p.status,
        discount: p.discount,
        total: p.total,
        stock_held: p.stock_held,
        coupons_settled: p.coupons_settled,
        payment_due_by: p.payment_due_by,
        reason: p.reason,
        updated_at: p.updated_at,
      })
      .where('id', '=', p.id)
      .where('status', '=', p.was_status)
      .where('stock_held', '=', p.was_stock_held)
      .where('coupons_settled', '=', p.was_coupons_settled),
  ),
  lineDiscount: prepare<{ id: string; sku: string; discount: number }>()((db, p) =>
    db.updateTable('order_line').set({ discount: p.discount }).where('order_id', '=', p.id).where('sku', '=', p.sku),
  ),
};

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
  coupons: { code: string; discount: number | null; refusal: string | null }[];
  history: { status: OrderStatus; reason: string | null; at: string }[];
  returns: { id: string; location: string; lines: { sku: string; qty: number }[]; amount: number; reason: string; at: string }[];
  createdAt: string;
  updatedAt: string;
}

/** Loads an order of the tenant with its lines, coupons, history and returns; undefined when the tenant has no such order. */
export async function loadOrder(db: Kysely<OrderTables>, tenant: string, id: string): Promise<OrderView | undefined> {
  const order = await queries.order.first(db, { tenant, id });
  if (!order) return undefined;
  const [lines, coupons, history, returns] = await Promise.all([
    queries.lines.all(db, { tenant, id }),
    queries.coupons.all(db, { tenant, id }),
    queries.history.all(db, { tenant, id }),
    queries.returns.all(db, { tenant, id }),
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
    coupons: coupons.map((c) => ({ code: c.code, discount: c.discount === null ? null : Number(c.discount), refusal: c.refusal })),
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
  if (updated !== 1) throw new OrderChanged(`order ${id} changed while being updated; look again and retry`);
  for (const d of lineDiscounts) await queries.lineDiscount.run(tx.db, { tenant, id, sku: d.sku, discount: d.discount });
  for (const s of statuses) await queries.insertHistory.run(tx.db, { tenant, order_id: id, status: s.status, reason: s.reason, at });

  const due = amountDue(state);
  for (const effect of effects) {
    const opt = { tenant };
    const reason = last?.reason ?? effect;
    if (effect === 'PaymentRequested') {
      tx.emit(
        PaymentRequested,
        id,
        { orderId: id, customerId: row.customer_id, amount: due, currency: row.currency, method: row.payment_method, ...(row.store ? { store: row.store } : {}) },
        opt,
      );
    } else if (effect === 'OrderConfirmed') {
      tx.emit(OrderConfirmed, id, { orderId: id, customerId: row.customer_id, channel: row.channel, total: due, currency: row.currency }, opt);
    } else if (effect === 'OrderRejected') tx.emit(OrderRejected, id, { orderId: id, reason }, opt);
    else if (effect === 'OrderCancelled') tx.emit(OrderCancelled, id, { orderId: id, reason }, opt);
    else tx.emit(OrderCompleted, id, { orderId: id }, opt);
  }
  return ok(state.status);
}
