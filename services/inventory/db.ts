import type { Generated, Kysely, Selectable } from 'kysely';
import { handlerFor, routeFor, statement, type KitTables } from '@omnishop/kit';
import type { Balance, MovementKind, ReservationStatus } from './domain/stock.js';
import type { StoreRegisterTables } from '@omnishop/store-register';

export interface InventoryTables extends KitTables, StoreRegisterTables {
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
const prepare = <P extends Record<string, unknown>>() => statement<InventoryTables, P>();

/** The hot queries of holding and settling stock, compiled once (see statement). */
export const queries = {
  sku: prepare<{ sku: string }>()((db, p) => db.selectFrom('sku').select('sku').where('sku', '=', p.sku)),
  balances: prepare<{ sku: string }>()((db, p) => db.selectFrom('balance').selectAll().where('sku', '=', p.sku)),
  balance: prepare<{ sku: string; location: string }>()((db, p) => db.selectFrom('balance').selectAll().where('sku', '=', p.sku).where('location', '=', p.location)),
  reservation: prepare<{ orderId: string }>()((db, p) => db.selectFrom('reservation').selectAll().where('order_id', '=', p.orderId)),
  reservationLines: prepare<{ id: string }>()((db, p) => db.selectFrom('reservation_line').selectAll().where('reservation_id', '=', p.id)),
  hold: prepare<{ id: string; orderId: string; expiresAt: string; at: string }>()((db, p) =>
    db.insertInto('reservation').values({ id: p.id, tenant: p.tenant, order_id: p.orderId, status: 'held', expires_at: p.expiresAt, created_at: p.at }),
  ),
  holdLine: prepare<{ id: string; sku: string; location: string; qty: number }>()((db, p) =>
    db.insertInto('reservation_line').values({ tenant: p.tenant, reservation_id: p.id, sku: p.sku, location: p.location, qty: p.qty }),
  ),
  /** Conditional on the status it had, so an expiry and a cancellation cannot both settle it. */
  settle: prepare<{ id: string; status: ReservationStatus; was: ReservationStatus }>()((db, p) =>
    db.updateTable('reservation').set({ status: p.status }).where('id', '=', p.id).where('status', '=', p.was),
  ),
  commit: prepare<{ orderId: string }>()((db, p) => db.updateTable('reservation').set({ status: 'committed' }).where('order_id', '=', p.orderId).where('status', '=', 'held')),
  move: prepare<{ sku: string; location: string; onHand: number; reserved: number }>()((db, p) =>
    db
      .updateTable('balance')
      .set((eb) => ({ on_hand: eb('on_hand', '+', p.onHand), reserved: eb('reserved', '+', p.reserved) }))
      .where('sku', '=', p.sku)
      .where('location', '=', p.location)
      .returning(['on_hand', 'reserved']),
  ),
  open: prepare<{ sku: string; location: string; onHand: number; reserved: number }>()((db, p) =>
    db.insertInto('balance').values({ tenant: p.tenant, sku: p.sku, location: p.location, on_hand: p.onHand, reserved: p.reserved }).returning(['on_hand', 'reserved']),
  ),
  ledger: prepare<Omit<InventoryTables['movement'], 'seq' | 'tenant'>>()((db, p) =>
    db
      .insertInto('movement')
      .values({
        tenant: p.tenant,
        sku: p.sku,
        location: p.location,
        kind: p.kind,
        qty: p.qty,
        on_hand_delta: p.on_hand_delta,
        reserved_delta: p.reserved_delta,
        reference: p.reference,
        at: p.at,
      })
      .returningAll(),
  ),
};

export async function balanceAt(db: Kysely<InventoryTables>, tenant: string, sku: string, location: string): Promise<Balance> {
  const row = await queries.balance.first(db, { tenant, sku, location });
  return { onHand: row?.on_hand ?? 0, reserved: row?.reserved ?? 0 };
}
