import type { InChargeTables } from '@omnishop/in-charge';
import type { Generated, Insertable } from 'kysely';
import { handlerFor, routeFor, statement, type KitTables } from '@omnishop/kit';
import type { OrderStatus, PaymentMethod } from './domain/order.js';
import type { StoreRegisterTables } from '@omnishop/store-register';

export interface OrderTables extends KitTables, StoreRegisterTables, InChargeTables {
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
