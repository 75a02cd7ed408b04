import type { Generated, Kysely } from 'kysely';
import { err, handlerFor, ok, routeFor, type Result, type Tx } from '@omnishop/kit';
import { transition, type OrderCommand, type OrderStatus } from './domain/order.js';
import { OrderCancelled, OrderCompleted, OrderConfirmed, OrderRejected } from './events/index.js';

export interface OrderTables {
  sku_price: { tenant: string; sku: string; price: number; currency: string };
  orders: {
    seq: Generated<number>;
    id: string;
    tenant: string;
    customer_id: string;
    channel: string;
    status: OrderStatus;
    total: number;
    currency: string;
    reason: string | null;
    created_at: string;
    updated_at: string;
  };
  order_line: { tenant: string; order_id: string; line_no: number; sku: string; qty: number; unit_price: number };
  order_history: { seq: Generated<number>; tenant: string; order_id: string; status: OrderStatus; reason: string | null; at: string };
}

export const route = routeFor<OrderTables>();
export const on = handlerFor<OrderTables>();

export interface OrderView {
  id: string;
  customerId: string;
  channel: string;
  status: OrderStatus;
  reason: string | null;
  total: number;
  currency: string;
  lines: { sku: string; qty: number; unitPrice: number }[];
  history: { status: OrderStatus; reason: string | null; at: string }[];
  createdAt: string;
  updatedAt: string;
}

/** Loads an order of the tenant with its lines and history; undefined when the tenant has no such order. */
export async function loadOrder(db: Kysely<OrderTables>, tenant: string, id: string): Promise<OrderView | undefined> {
  const order = await db.selectFrom('orders').selectAll().where('tenant', '=', tenant).where('id', '=', id).executeTakeFirst();
  if (!order) return undefined;
  const [lines, history] = await Promise.all([
    db.selectFrom('order_line').selectAll().where('tenant', '=', tenant).where('order_id', '=', id).orderBy('line_no').execute(),
    db.selectFrom('order_history').selectAll().where('tenant', '=', tenant).where('order_id', '=', id).orderBy('seq').execute(),
  ]);
  return {
    id: order.id,
    customerId: order.customer_id,
    channel: order.channel,
    status: order.status,
    reason: order.reason,
    total: order.total,
    currency: order.currency,
    lines: lines.map((l) => ({ sku: l.sku, qty: l.qty, unitPrice: l.unit_price })),
    history: history.map((h) => ({ status: h.status, reason: h.reason, at: h.at })),
    createdAt: order.created_at,
    updatedAt: order.updated_at,
  };
}

const EMITS = { confirm: OrderConfirmed, complete: OrderCompleted } as const;

/**
 * Moves an order through the state machine and emits what happened, in one
 * transaction. The update is conditional on the status it read, so two
 * writers racing on one order cannot both win.
 */
export async function applyCommand(
  tx: Tx<OrderTables>,
  tenant: string,
  id: string,
  command: OrderCommand,
  reason: string | null = null,
): Promise<Result<OrderStatus, string>> {
  const order = await tx.db.selectFrom('orders').select(['status']).where('tenant', '=', tenant).where('id', '=', id).executeTakeFirst();
  if (!order) return err('no such order');
  const next = transition(order.status, command);
  if (!next.ok) return next;
  const at = new Date().toISOString();
  const updated = await tx.db
    .updateTable('orders')
    .set({ status: next.value, reason, updated_at: at })
    .where('tenant', '=', tenant)
    .where('id', '=', id)
    .where('status', '=', order.status)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) !== 1) throw new Error(`order ${id} changed while being updated; retry`);
  await tx.db.insertInto('order_history').values({ tenant, order_id: id, status: next.value, reason, at }).execute();
  if (command === 'reject') tx.emit(OrderRejected, id, { orderId: id, reason: reason ?? 'rejected' }, { tenant });
  else if (command === 'cancel') tx.emit(OrderCancelled, id, { orderId: id, reason: reason ?? 'cancelled' }, { tenant });
  else tx.emit(EMITS[command], id, { orderId: id }, { tenant });
  return ok(next.value);
}
