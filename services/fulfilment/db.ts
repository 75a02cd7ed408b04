import type { Selectable } from 'kysely';
import { handlerFor, routeFor, type Tx } from '@omnishop/kit';
import { offereesFor, unregistered, type FulfilmentMode, type FulfilmentStatus, type Location, type LocationType, type Round } from './domain/fulfilment.js';

export interface FulfilmentTables {
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
  /** Replica of the store register (StoreOpened, StoreChanged): what each location is, and whether it takes orders. */
  location: { tenant: string; code: string; type: LocationType; active: number };
  /** Replica of the order's owner (from OrderPlaced). */
  order_ref: { tenant: string; order_id: string; customer_id: string };
}

export type FulfilmentRow = Selectable<FulfilmentTables['fulfilment']>;

export const route = routeFor<FulfilmentTables>();
export const on = handlerFor<FulfilmentTables>();

/** Records the offer of a round: who it goes to, worked out from the reservation replica. */
export async function recordOffer(tx: Tx<FulfilmentTables>, tenant: string, orderId: string, round: Round): Promise<string[]> {
  const register = new Map(
    (await tx.db.selectFrom('location').selectAll().where('tenant', '=', tenant).execute()).map((l): [string, Location] => [l.code, { code: l.code, type: l.type, active: Boolean(l.active) }]),
  );
  const locate = (code: string) => register.get(code) ?? unregistered(code);
  const own = await tx.db.selectFrom('reserved_line').select('location').where('tenant', '=', tenant).where('order_id', '=', orderId).execute();
  const seen = round === 1 ? [] : await tx.db.selectFrom('reserved_line').select('location').distinct().where('tenant', '=', tenant).execute();
  const locations = offereesFor(
    round,
    own.map((r) => locate(r.location)),
    [...register.values(), ...seen.map((r) => locate(r.location))],
  );
  if (locations.length) {
    await tx.db
      .insertInto('offer')
      .values(locations.map((location) => ({ tenant, order_id: orderId, location, round })))
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
  return locations;
}
