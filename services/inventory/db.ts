import type { Generated, Kysely, Selectable } from 'kysely';
import { handlerFor, Problem, routeFor, type Tx } from '@omnishop/kit';
import { release, sellReserved, type Balance, type Movement, type MovementKind, type ReservationStatus } from './domain/stock.js';

export interface InventoryTables {
  sku: { tenant: string; sku: string };
  balance: { tenant: string; sku: string; location: string; on_hand: number; reserved: number };
  movement: {
    seq: Generated<number>;
    tenant: string;
    sku: string;
    location: string;
    kind: MovementKind;
    qty: number;
    on_hand_delta: number;
    reserved_delta: number;
    reference: string;
    at: string;
  };
  reservation: { id: string; tenant: string; order_id: string; status: ReservationStatus; expires_at: string; created_at: string };
  reservation_line: { tenant: string; reservation_id: string; sku: string; location: string; qty: number };
}

export type MovementRow = Selectable<InventoryTables['movement']>;

export const route = routeFor<InventoryTables>();
export const on = handlerFor<InventoryTables>();

export async function balanceAt(db: Kysely<InventoryTables>, tenant: string, sku: string, location: string): Promise<Balance> {
  const row = await db
    .selectFrom('balance')
    .select(['on_hand', 'reserved'])
    .where('tenant', '=', tenant)
    .where('sku', '=', sku)
    .where('location', '=', location)
    .executeTakeFirst();
  return { onHand: row?.on_hand ?? 0, reserved: row?.reserved ?? 0 };
}

/** A check (would go negative) or key (two first receipts at once) violation: a concurrent writer won. */
const isRaceLost = (e: unknown): boolean =>
  ['SQLITE_CONSTRAINT_CHECK', 'SQLITE_CONSTRAINT_PRIMARYKEY', '23514', '23505'].includes((e as { code?: string }).code ?? '');

/**
 * Appends a movement to the ledger and applies it to the balance, in the
 * caller's transaction. The balance's check constraint is the last guard: if
 * a concurrent writer got there first, this fails instead of going negative.
 */
export async function recordMovement(
  tx: Tx<InventoryTables>,
  at: { tenant: string; sku: string; location: string },
  m: Movement,
  reference: string,
): Promise<{ balance: Balance; movement: MovementRow }> {
  try {
    const row =
      (await tx.db
        .updateTable('balance')
        .set((eb) => ({ on_hand: eb('on_hand', '+', m.onHandDelta), reserved: eb('reserved', '+', m.reservedDelta) }))
        .where('tenant', '=', at.tenant)
        .where('sku', '=', at.sku)
        .where('location', '=', at.location)
        .returning(['on_hand', 'reserved'])
        .executeTakeFirst()) ??
      (await tx.db
        .insertInto('balance')
        .values({ ...at, on_hand: m.onHandDelta, reserved: m.reservedDelta })
        .returning(['on_hand', 'reserved'])
        .executeTakeFirstOrThrow());
    const movement = await tx.db
      .insertInto('movement')
      .values({
        ...at,
        kind: m.kind,
        qty: m.qty,
        on_hand_delta: m.onHandDelta,
        reserved_delta: m.reservedDelta,
        reference,
        at: new Date().toISOString(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { balance: { onHand: row.on_hand, reserved: row.reserved }, movement };
  } catch (e) {
    if (isRaceLost(e)) throw new Problem(409, 'stock-changed', 'Stock changed', { detail: `stock of ${at.sku} at ${at.location} changed meanwhile; retry` });
    throw e;
  }
}

/**
 * Ends a reservation: its lines are released (given back) or sold, and it
 * takes its final status. Conditional on the status it had, so an expiry
 * job and a cancellation cannot both release it.
 */
export async function settleReservation(
  tx: Tx<InventoryTables>,
  reservation: { id: string; tenant: string; status: ReservationStatus },
  outcome: 'released' | 'expired' | 'sold',
): Promise<boolean> {
  const moved = await tx.db
    .updateTable('reservation')
    .set({ status: outcome })
    .where('id', '=', reservation.id)
    .where('status', '=', reservation.status)
    .executeTakeFirst();
  if (Number(moved.numUpdatedRows) !== 1) return false;
  const lines = await tx.db.selectFrom('reservation_line').selectAll().where('tenant', '=', reservation.tenant).where('reservation_id', '=', reservation.id).execute();
  for (const line of lines) {
    const at = { tenant: reservation.tenant, sku: line.sku, location: line.location };
    const balance = await balanceAt(tx.db, at.tenant, at.sku, at.location);
    const movement = outcome === 'sold' ? sellReserved(balance, line.qty) : release(balance, line.qty);
    if (!movement.ok) throw new Error(`reservation ${reservation.id}: ${movement.error} for ${line.sku} at ${line.location}`);
    await recordMovement(tx, at, movement.value, `reservation:${reservation.id}`);
  }
  return true;
}
