import type { Generated, Kysely, Selectable } from 'kysely';
import { handlerFor, notFound, nowIso, routeFor, type Tx } from '@omnishop/kit';
import { tierFor, type PointsEntry, type PointsReason, type Standing, type Tier } from './domain/points.js';

export interface CustomerTables {
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
    /** Why, for a reversal or adjustment. */
    note: string | null;
    at: string;
  };
  /** Replica of OrderPlaced: who placed each order and for how much. */
  order_total: { tenant: string; order_id: string; customer_id: string; total: number };
}

export type MemberRow = Selectable<CustomerTables['member']>;
export type EntryRow = Selectable<CustomerTables['points_entry']>;

export const route = routeFor<CustomerTables>();
export const on = handlerFor<CustomerTables>();

type Db = Kysely<CustomerTables>;

/** A member of the tenant; another brand's member, like a missing one, is not found. */
export async function memberOf(db: Db, tenant: string, id: string): Promise<MemberRow> {
  const row = await db.selectFrom('member').selectAll().where('tenant', '=', tenant).where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('member', id);
  return row;
}

/** Makes the customer a member if they are not one yet (first completed order, or first PUT /me). */
export async function ensureMember(db: Db, tenant: string, id: string): Promise<void> {
  await db
    .insertInto('member')
    .values({ tenant, id, name: null, tier: 'bronze', joined_at: nowIso() })
    .onConflict((oc) => oc.columns(['tenant', 'id']).doNothing())
    .execute();
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
  return { balance, earned: ofOrder.find((e) => e.reason === 'earned')?.delta, reversed: ofOrder.some((e) => e.reason === 'reversed') };
}

/**
 * Appends an entry to a member's ledger and brings their tier up to date, in
 * the caller's transaction; returns the entry and the member's standing after it.
 */
export async function recordEntry(tx: Tx<CustomerTables>, tenant: string, memberId: string, entry: PointsEntry, note: string | null) {
  const row = await tx.db
    .insertInto('points_entry')
    .values({ tenant, member_id: memberId, order_id: entry.orderId, delta: entry.delta, reason: entry.reason, note, at: nowIso() })
    .returningAll()
    .executeTakeFirstOrThrow();
  const points = await pointsOf(tx.db, tenant, memberId);
  const tier = tierFor(points.lifetime);
  await tx.db.updateTable('member').set({ tier }).where('tenant', '=', tenant).where('id', '=', memberId).execute();
  return { entry: row, ...points, tier };
}

/** A unique-key violation: a concurrent writer recorded the same order's entry first. */
export const isDuplicate = (e: unknown): boolean => ['SQLITE_CONSTRAINT_UNIQUE', '23505'].includes((e as { code?: string }).code ?? '');
