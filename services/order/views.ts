import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { Kysely, Selectable } from 'kysely';
import { choice, notFound, type Principal } from '@omnishop/kit';
import { queries, type OrderTables } from './db.js';
import { ORDER_STATUSES, PAYMENT_METHODS } from './domain/order.js';

/** What the order service answers: each view once, as its schema and the type it describes, and how it is read. */

export const Status = choice(ORDER_STATUSES, { title: 'OrderStatus' });
export const PaymentMethod = choice(PAYMENT_METHODS);
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const OrderView = Type.Object({
  id: Type.String(),
  customerId: Type.String(),
  channel: Type.String(),
  store: Nullable(Type.String()),
  status: Status,
  reason: Nullable(Type.String()),
  subtotal: Type.Integer({ description: 'before coupons' }),
  discount: Type.Integer(),
  total: Type.Integer({ description: 'what is due: the subtotal less coupons' }),
  currency: Type.String(),
  paymentMethod: PaymentMethod,
  lines: Type.Array(Type.Object({ sku: Type.String(), qty: Type.Integer(), unitPrice: Type.Integer(), discount: Type.Integer(), returnedQty: Type.Integer() })),
  coupons: Type.Array(Type.Object({ code: Type.String(), discount: Nullable(Type.Integer()), refusal: Nullable(Type.String({ description: 'why promotion refused it, when it rejected the order' })) })),
  history: Type.Array(Type.Object({ status: Status, reason: Nullable(Type.String()), at: Type.String() })),
  returns: Type.Array(
    Type.Object({ id: Type.String(), location: Type.String(), lines: Type.Array(Type.Object({ sku: Type.String(), qty: Type.Integer() })), amount: Type.Integer(), reason: Type.String(), at: Type.String() }),
  ),
  createdAt: Type.String(),
  updatedAt: Type.String(),
}, { title: 'Order', description: 'An order with its lines, coupons, status history and returns' });
export type OrderView = Static<typeof OrderView>;

export const OrderSummary = Type.Omit(OrderView, ['lines', 'coupons', 'history', 'returns'], { title: 'OrderSummary', description: 'An order without its lines, coupons, history and returns' });
export type OrderSummary = Static<typeof OrderSummary>;

/** An order's row as its summary: the view without lines, coupons, history and returns (bigint columns come back as strings on PostgreSQL). */
export const orderSummary = (o: Selectable<OrderTables['orders']>): OrderSummary => ({
  id: o.id,
  customerId: o.customer_id,
  channel: o.channel,
  store: o.store,
  status: o.status,
  reason: o.reason,
  subtotal: Number(o.subtotal),
  discount: Number(o.discount),
  total: Number(o.total),
  currency: o.currency,
  paymentMethod: o.payment_method,
  createdAt: o.created_at,
  updatedAt: o.updated_at,
});

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
    ...orderSummary(order),
    lines: lines.map((l) => ({ sku: l.sku, qty: l.qty, unitPrice: Number(l.unit_price), discount: Number(l.discount), returnedQty: l.returned_qty })),
    coupons: coupons.map((c) => ({ code: c.code, discount: c.discount === null ? null : Number(c.discount), refusal: c.refusal })),
    history: history.map((h) => ({ status: h.status, reason: h.reason, at: h.at })),
    returns: returns.map((r) => ({ id: r.id, location: r.location, lines: JSON.parse(r.lines) as { sku: string; qty: number }[], amount: Number(r.amount), reason: r.reason, at: r.created_at })),
  };
}

/** A customer sees only their own orders; staff see every order of their brand. Someone else's order is simply not found. */
export async function visibleOrder(db: Kysely<OrderTables>, principal: Principal, id: string) {
  const order = await loadOrder(db, principal.tenant, id);
  if (!order || (principal.role === 'customer' && order.customerId !== principal.subject)) throw notFound('order', id);
  return order;
}
