import { nowIso, type Tx } from '@omnishop/kit';
import { MemberJoined } from './contract.js';
import { pointsOf, type CustomerTables } from './db.js';
import { tierFor, type PointsEntry } from './domain/points.js';

/** The write side of membership and points: each command writes with the event it emits, in the caller's transaction. */

/**
 * Makes the customer a member if they are not one yet (first completed order,
 * or first PUT /me), and says so (MemberJoined); true when they just joined.
 */
export async function join(tx: Tx<CustomerTables>, tenant: string, id: string, name: string | null): Promise<boolean> {
  const joinedAt = nowIso();
  const joined = await tx.db
    .insertInto('member')
    .values({ tenant, id, name, tier: 'bronze', joined_at: joinedAt })
    .onConflict((oc) => oc.columns(['tenant', 'id']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (joined) tx.emit(MemberJoined, id, { memberId: id, joinedAt });
  return joined !== undefined;
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
