import { Changed, type Tx } from '@omnishop/kit';
import { balanceAt, queries, type InventoryTables, type MovementRow } from './db.js';
import { release, sellReserved, type Balance, type Movement, type ReservationStatus } from './domain/stock.js';

/**
 * The write side of stock: movements on the ledger with their balance, and
 * reservations ended, each conditional on what was read, so concurrent
 * writers cannot both win and stock never goes negative.
 */

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
    const delta = { tenant: at.tenant, sku: at.sku, location: at.location, onHand: m.onHandDelta, reserved: m.reservedDelta };
    const row = (await queries.move.first(tx.db, delta)) ?? (await queries.open.first(tx.db, delta));
    if (!row) throw new Error(`balance of ${at.sku} at ${at.location} neither moved nor opened`);
    const movement = await queries.ledger.first(tx.db, {
      ...at,
      kind: m.kind,
      qty: m.qty,
      on_hand_delta: m.onHandDelta,
      reserved_delta: m.reservedDelta,
      reference,
      at: new Date().toISOString(),
    });
    if (!movement) throw new Error(`movement of ${at.sku} at ${at.location} not recorded`);
    return { balance: { onHand: row.on_hand, reserved: row.reserved }, movement };
  } catch (e) {
    if (isRaceLost(e)) throw new Changed('stock-changed', `stock of ${at.sku} at ${at.location} changed meanwhile; retry`);
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
  const moved = await queries.settle.run(tx.db, { tenant: reservation.tenant, id: reservation.id, status: outcome, was: reservation.status });
  if (moved !== 1) return false;
  const lines = await queries.reservationLines.all(tx.db, { tenant: reservation.tenant, id: reservation.id });
  for (const line of lines) {
    const at = { tenant: reservation.tenant, sku: line.sku, location: line.location };
    const balance = await balanceAt(tx.db, at.tenant, at.sku, at.location);
    const movement = outcome === 'sold' ? sellReserved(balance, line.qty) : release(balance, line.qty);
    if (!movement.ok) throw new Error(`reservation ${reservation.id}: ${movement.error} for ${line.sku} at ${line.location}`);
    await recordMovement(tx, at, movement.value, `reservation:${reservation.id}`);
  }
  return true;
}

/** How often a reservation is read again when another handler changed its status between the read and the settling. */
export const SETTLE_ATTEMPTS = 3;

/**
 * Settles a reservation whose status is one of `from`. Replicas may handle two events of one order at once
 * (OrderConfirmed committing it while OrderCompleted sells it): `settle` is conditional on the status read, so the
 * later writer settles nothing; then it reads again and settles from the status it finds, instead of leaving the
 * stock held for good. True if it settled; false if there is nothing (left) to settle; throws, so that the event is
 * retried, when the status kept changing.
 */
export async function settleFrom<R extends { status: ReservationStatus }>(
  from: readonly ReservationStatus[],
  read: () => Promise<R | undefined>,
  settle: (reservation: R) => Promise<boolean>,
  what: string,
): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    const reservation = await read();
    if (!reservation || !from.includes(reservation.status)) return false;
    if (await settle(reservation)) return true;
    if (attempt >= SETTLE_ATTEMPTS) throw new Error(`${what}: the reservation kept changing meanwhile; the event is tried again`);
  }
}
