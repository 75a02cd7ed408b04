import type { Selectable } from 'kysely';
import { handlerFor, routeFor, statement, type KitTables } from '@omnishop/kit';
import type { StoreRegisterTables } from '@omnishop/store-register';
import type { FulfilmentMode, FulfilmentStatus } from './domain/fulfilment.js';

export interface FulfilmentTables extends KitTables, StoreRegisterTables {
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
  /** Who an order is offered to in a round, by code. */
  offeredIn: prepare<{ orderId: string; round: number }>()((db, p) =>
    db.selectFrom('offer').select('location').where('order_id', '=', p.orderId).where('round', '=', p.round).orderBy('location'),
  ),
  offerTo: prepare<{ orderId: string; location: string; round: number }>()((db, p) =>
    db.insertInto('offer').values({ tenant: p.tenant, order_id: p.orderId, location: p.location, round: p.round }).onConflict((oc) => oc.doNothing()),
  ),
};
