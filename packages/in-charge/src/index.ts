import type { Kysely } from 'kysely';
import { forbidden, onEvent, tablesOf, type EventHandler, type Migrations, type Principal } from '@omnishop/kit';
import { isStoreStaff, mayActOnOrder } from './rule.js';
import { OrderClaimed, OrderGivenBack } from '@omnishop/fulfilment/contract';

export { mayActOnOrder };

/**
 * A replica, kept by a service that lets store staff act on orders, of the
 * store in charge of each order it has seen claimed (see mayActOnOrder). A
 * service composes it: the migration, the handlers, and `refuseUnlessInCharge`
 * in the routes that act on an order.
 */
export interface InChargeTables {
  order_in_charge: { tenant: string; order_id: string; store: string };
}

export const inChargeMigrations: Migrations = {
  '0100-order-in-charge': async (db) => {
    await db.schema
      .createTable('order_in_charge')
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('order_id', 'text', (c) => c.notNull())
      .addColumn('store', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('order_in_charge_pk', ['tenant', 'order_id'])
      .execute();
  },
};

const replica = tablesOf<InChargeTables>();

/** Records `store` in charge of an order: the claiming store, or a till sale's store. */
export async function putInCharge<DB extends InChargeTables>(db: Kysely<DB>, tenant: string, orderId: string, store: string): Promise<void> {
  await replica(db)
    .insertInto('order_in_charge')
    .values({ tenant, order_id: orderId, store })
    .onConflict((oc) => oc.columns(['tenant', 'order_id']).doUpdateSet({ store }))
    .execute();
}

/** A claim puts the store in charge; giving the order back ends that store's charge (a later claim by another store stays). */
export const inChargeHandlers = <DB extends InChargeTables>(): EventHandler<DB>[] => [
  onEvent<DB, typeof OrderClaimed.schema>(OrderClaimed, async (event, tx) => {
    await putInCharge(tx.db, event.tenant, event.data.orderId, event.data.store);
  }),
  onEvent<DB, typeof OrderGivenBack.schema>(OrderGivenBack, async (event, tx) => {
    await replica(tx.db).deleteFrom('order_in_charge').where('tenant', '=', event.tenant).where('order_id', '=', event.data.orderId).where('store', '=', event.data.store).execute();
  }),
];

export async function storeInCharge<DB extends InChargeTables>(db: Kysely<DB>, tenant: string, orderId: string): Promise<string | undefined> {
  const row = await replica(db).selectFrom('order_in_charge').select('store').where('tenant', '=', tenant).where('order_id', '=', orderId).executeTakeFirst();
  return row?.store;
}

/** 403 saying why, when the caller is store staff of a store not in charge of the order. `tillStore`: a till sale's store, known to the caller. */
export async function refuseUnlessInCharge<DB extends InChargeTables>(db: Kysely<DB>, principal: Principal, orderId: string, tillStore?: string | null): Promise<void> {
  if (!isStoreStaff(principal.role)) return; // spares the look-up
  const inCharge = tillStore ?? (await storeInCharge(db, principal.tenant, orderId));
  const may = mayActOnOrder(principal, { id: orderId, inCharge });
  if (!may.ok) throw forbidden(may.error);
}
