import type { Selectable } from 'kysely';
import { handlerFor, routeFor, statement, type Tx } from '@omnishop/kit';
import { registerQueries, type StoreRegisterTables } from '@omnishop/store-register';
import { offereesFor, unregistered, type FulfilmentMode, type FulfilmentStatus, type Location, type Round } from './domain/fulfilment.js';

export interface FulfilmentTables extends StoreRegisterTables {
  fulfilment: {
    tenant: string;
    order_id: string;
    status: FulfilmentStatus;
    /** Null until the claiming store books a courier (ship) or readies it (collect). */
    mode: FulfilmentMode | null;
    claimed_by: string | null;
    carrier: string | null;
    tracking: string | null;
    round: number;
    offered_at: string;
    updated_at: string;
  };
  /** Who an order was offered to, per round; the current offer is the row of the fulfilment's round. */
  offer: { tenant: string; order_id: string; location: string; round: number };
  /** Replica of inventory's reservation lines (from StockReserved): where each order's stock is held. */
  reserved_line: { tenant: string; order_id: string; sku: string; location: string; qty: number };
  /** Replica of the order's owner (from OrderPlaced). */
  order_ref: { tenant: string; order_id: string; customer_id: string };
}

export type FulfilmentRow = Selectable<FulfilmentTables['fulfilment']>;

export const route = routeFor<FulfilmentTables>();
export const on = handlerFor<FulfilmentTables>();

const prepare = <P extends Record<string, unknown>>() => statement<FulfilmentTables, P>();

/** The hot queries of the saga's steps here, compiled once (see statement). */
export const queries = {
  fulfilment: prepare<{ orderId: string }>()((db, p) => db.selectFrom('fulfilment').selectAll().where('order_id', '=', p.orderId)),
  heldAt: prepare<{ orderId: string }>()((db, p) => db.selectFrom('reserved_line').select('location').where('order_id', '=', p.orderId)),
  keepOwner: prepare<{ orderId: string; customerId: string }>()((db, p) =>
    db.insertInto('order_ref').values({ tenant: p.tenant, order_id: p.orderId, customer_id: p.customerId }).onConflict((oc) => oc.doNothing()),
  ),
  keepHeld: prepare<{ orderId: string; sku: string; location: string; qty: number }>()((db, p) =>
    db.insertInto('reserved_line').values({ tenant: p.tenant, order_id: p.orderId, sku: p.sku, location: p.location, qty: p.qty }).onConflict((oc) => oc.doNothing()),
  ),
  offer: prepare<{ orderId: string; now: string }>()((db, p) =>
    db.insertInto('fulfilment').values({
      tenant: p.tenant,
      order_id: p.orderId,
      status: 'offered',
      mode: null,
      claimed_by: null,
      carrier: null,
      tracking: null,
      round: 1,
      offered_at: p.now,
      updated_at: p.now,
    }),
  ),
  offerTo: prepare<{ orderId: string; location: string; round: number }>()((db, p) =>
    db.insertInto('offer').values({ tenant: p.tenant, order_id: p.orderId, location: p.location, round: p.round }).onConflict((oc) => oc.doNothing()),
  ),
};

const asLocation = (l: Selectable<FulfilmentTables['location']>): Location => ({ code: l.code, type: l.type, active: Boolean(l.active) });

/**
 * Records the offer of a round: who it goes to, worked out from the
 * reservation replica. Round 1 reads only the order's own locations; later
 * rounds read the whole register.
 */
export async function recordOffer(tx: Tx<FulfilmentTables>, tenant: string, orderId: string, round: Round): Promise<string[]> {
  const own = (await queries.heldAt.all(tx.db, { tenant, orderId })).map((r) => r.location);
  const register = new Map<string, Location>();
  const locate = (code: string) => register.get(code) ?? unregistered(code);
  // Round 1 offers to the order's own locations; later rounds to every location known.
  const known: Location[] = [];
  if (round === 1) {
    for (const code of new Set(own)) {
      const row = await registerQueries.location.first(tx.db, { tenant, code });
      if (row) register.set(code, asLocation(row));
    }
  } else {
    for (const l of await tx.db.selectFrom('location').selectAll().where('tenant', '=', tenant).execute()) register.set(l.code, asLocation(l));
    const seen = await tx.db.selectFrom('reserved_line').select('location').distinct().where('tenant', '=', tenant).execute();
    known.push(...register.values(), ...seen.map((r) => locate(r.location)));
  }
  const locations = offereesFor(round, own.map(locate), known);
  for (const location of locations) await queries.offerTo.run(tx.db, { tenant, orderId, location, round });
  return locations;
}
