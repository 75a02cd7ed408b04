import type { Kysely } from 'kysely';
import { defineReadModel, err, ok, onEvent, statement, unprocessable, type EventHandler, type Migrations, type Result } from '@omnishop/kit';
import { StoreChanged, StoreOpened, type StoreType } from '@omnishop/store/contract';

/**
 * The store register as another service keeps it: every store and warehouse
 * of each brand, and whether it is open, learnt from StoreOpened and
 * StoreChanged. A service that names locations (stock kept there, staff
 * working there, goods coming back there) adds the table, the two handlers,
 * and checks a location with `requireOpenLocation`.
 */
export interface StoreRegisterTables {
  location: { tenant: string; code: string; type: StoreType; active: number };
}

export const storeRegisterMigration: Migrations[string] = async (db) => {
  await db.schema
    .createTable('location')
    .addColumn('tenant', 'text', (c) => c.notNull())
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('active', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('location_pk', ['tenant', 'code'])
    .execute();
};

const prepare = <P extends Record<string, unknown>>() => statement<StoreRegisterTables, P>();

export const registerQueries = {
  location: prepare<{ code: string }>()((db, p) => db.selectFrom('location').selectAll().where('code', '=', p.code)),
  opened: prepare<{ code: string; type: StoreType }>()((db, p) =>
    db
      .insertInto('location')
      .values({ tenant: p.tenant, code: p.code, type: p.type, active: 1 })
      .onConflict((oc) => oc.columns(['tenant', 'code']).doUpdateSet({ type: p.type })),
  ),
  changed: prepare<{ code: string; active: number }>()((db, p) => db.updateTable('location').set({ active: p.active }).where('code', '=', p.code)),
};

/** Keeps the register: a store opened is known and open; a change says whether it still is. */
export function storeRegisterHandlers<DB>(): EventHandler<DB>[] {
  return [
    onEvent<DB, typeof StoreOpened.schema>(StoreOpened, async (event, tx) => {
      await registerQueries.opened.run(tx.db, { code: event.data.code, type: event.data.type });
    }),
    onEvent<DB, typeof StoreChanged.schema>(StoreChanged, async (event, tx) => {
      await registerQueries.changed.run(tx.db, { code: event.data.code, active: event.data.status === 'active' ? 1 : 0 });
    }),
  ];
}

/** The register as a read model: emptied and filled again from the store events the bus keeps (POST .../admin/read-models/store-register/rebuild). */
export const storeRegisterReadModel = defineReadModel({
  name: 'store-register',
  description: 'every store and warehouse of each brand and whether it is open, from StoreOpened and StoreChanged',
  tables: ['location'],
  events: [StoreOpened, StoreChanged],
});

export type LocationRefusal = 'unknown' | 'closed';

/** Whether a location the register has this entry for (or none) may be named: known, and open. */
export function openLocation(entry: { active: number | boolean } | undefined): Result<true, LocationRefusal> {
  if (!entry) return err('unknown');
  return entry.active ? ok(true) : err('closed');
}

const REFUSALS: Record<LocationRefusal, string> = {
  unknown: 'is not a store or warehouse of this brand (open one with POST /api/stores)',
  closed: 'is a closed store or warehouse',
};

/** Refuses (422 naming `field`) a location code that is not an open store or warehouse of the brand in context. */
export async function requireOpenLocation<DB>(db: Kysely<DB>, field: string, code: string): Promise<void> {
  const usable = openLocation(await registerQueries.location.first(db, { code }));
  if (!usable.ok) throw unprocessable(field, REFUSALS[usable.error]);
}
