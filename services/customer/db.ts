import type { Generated, Kysely, Selectable } from 'kysely';
import { handlerFor, notFound, routeFor, statement, type KitTables } from '@omnishop/kit';
import type { Paid, PointsReason, Standing, Tier } from './domain/points.js';

export interface CustomerTables extends KitTables {
  /** A customer of the brand; `id` is their token subject. The name is unknown until they give it. */
  member: { tenant: string; id: string; name: string | null; tier: Tier; joined_at: string };
  points_entry: {
    /** Ledger order, for stable pages. */
    seq: Generated<number>;
    tenant: string;
    member_id: string;
    order_id: string | null;
    delta: number;
    reason: PointsReason;
    /** Why, for a reversal (the refund's reason) or adjustment. */
    note: string | null;
    at: string;
  };
  /** Replica of OrderConfirmed: who each paid order is for (WALK_IN_CUSTOMER for a till sale to a non-member), and what was paid. */
  order_total: { tenant: string; order_id: string; customer_id: string; total: number };
  /** Each refund of an order's payment, with everything refunded on it once the refund was made. */
  order_refund: { tenant: string; refund_id: string; order_id: string; refunded_total: number };
}

export type MemberRow = Selectable<CustomerTables['member']>;
export type EntryRow = Selectable<CustomerTables['points_entry']>;

export const route = routeFor<CustomerTables>();
export const on = handlerFor<CustomerTables>();

/** What each paid order is for and what was paid; one per confirmed order, so compiled once (see statement). */
export const keepPaidOrder = statement<CustomerTables, { orderId: string; customerId: string; total: number }>()((db, p) =>
  db
    .insertInto('order_total')
    .values({ tenant: p.tenant, order_id: p.orderId, customer_id: p.customerId, total: p.total })
    .onConflict((oc) => oc.columns(['tenant', 'order_id']).doUpdateSet({ customer_id: p.customerId, total: p.total })),
);

type Db = Kysely<CustomerTables>;

/** A member of the tenant; another brand's member, like a missing one, is not found. */
export async function memberOf(db: Db, tenant: string, id: string): Promise<MemberRow> {
  const row = await db.selectFrom('member').selectAll().where('tenant', '=', tenant).where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('member', id);
  return row;
}

/** Balance and lifetime points, summed from the ledger (PostgreSQL returns sums as strings). */
export async function pointsOf(db: Db, tenant: string, memberId: string): Promise<{ balance: number; lifetime: number }> {
  const sums = await db
    .selectFrom('points_entry')
    .select((eb) => ['reason', eb.fn.sum<number | string>('delta').as('points')])
    .where('tenant', '=', tenant)
    .where('member_id', '=', memberId)
    .groupBy('reason')
    .execute();
  const of = (reason: PointsReason) => Number(sums.find((s) => s.reason === reason)?.points ?? 0);
  return { balance: of('earned') + of('reversed') + of('adjusted'), lifetime: of('earned') + of('reversed') };
}

/** Where a member stands with one order: the same as the domain's `standingOf`, by query. */
export async function standingFor(db: Db, tenant: string, memberId: string, orderId: string): Promise<Standing> {
  const ofOrder = await db
    .selectFrom('points_entry')
    .select(['reason', 'delta'])
    .where('tenant', '=', tenant)
    .where('member_id', '=', memberId)
    .where('order_id', '=', orderId)
    .execute();
  const { balance } = await pointsOf(db, tenant, memberId);
  return { balance, earned: ofOrder.find((e) => e.reason === 'earned')?.delta, held: ofOrder.reduce((sum, e) => sum + e.delta, 0) };
}

/** The replica of a paid order: who it is for and what was paid; undefined until its OrderConfirmed is seen. */
export const paidOrder = (db: Db, tenant: string, orderId: string) =>
  db.selectFrom('order_total').selectAll().where('tenant', '=', tenant).where('order_id', '=', orderId).executeTakeFirst();

/**
 * What was paid for an order and refunded of it so far. Refunds may be seen
 * out of order, so the most refunded total seen counts, not the latest.
 */
export async function paidFor(db: Db, tenant: string, order: { order_id: string; total: number }): Promise<Paid> {
  const refunds = await db
    .selectFrom('order_refund')
    .select((eb) => eb.fn.max<number | string | null>('refunded_total').as('refunded'))
    .where('tenant', '=', tenant)
    .where('order_id', '=', order.order_id)
    .executeTakeFirst();
  return { paid: Number(order.total), refunded: Number(refunds?.refunded ?? 0) };
}
