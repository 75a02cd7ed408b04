import { json, newId, nowIso, type Tx } from '@omnishop/kit';
import { storeView, type StaffRole, type StoreRow, type StoreTables } from './db.js';
import type { OpeningHours } from './domain/hours.js';
import { StoreChanged, StoreOpened, type StoreStatus, type StoreType } from './contract.js';

/** The write side of stores: a store opened or changed (each announced), staff added, terminals registered. */

type T = StoreTables;

/** Opens a store or warehouse and announces it (StoreOpened); undefined when the brand has one of this code already. */
export async function openStore(
  tx: Tx<T>,
  tenant: string,
  store: { code: string; name: string; type: StoreType; city: string; lat: number; lng: number; hours: OpeningHours },
): Promise<StoreRow | undefined> {
  const { code, name, type, city, lat, lng } = store;
  const now = nowIso();
  const row: StoreRow = { tenant, code, name, type, city, lat, lng, hours: json.write(store.hours), status: 'active', created_at: now, updated_at: now };
  // One statement decides a race between two creators of one code: the loser inserts nothing.
  const inserted = await tx.db
    .insertInto('store')
    .values(row)
    .onConflict((oc) => oc.columns(['tenant', 'code']).doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return undefined;
  tx.emit(StoreOpened, code, { code, name, type, city, lat, lng });
  return row;
}

/** Renames a store, replaces its hours or closes (reopens) it, and announces it (StoreChanged); undefined when there is no such store. */
export async function changeStore(
  tx: Tx<T>,
  tenant: string,
  code: string,
  change: { name?: string; hours?: OpeningHours; status?: StoreStatus },
): Promise<StoreRow | undefined> {
  const hours = change.hours && json.write(change.hours);
  // Only the fields sent are set, so two concurrent patches of different fields both take effect.
  const row = await tx.db
    .updateTable('store')
    .set({ ...(change.name ? { name: change.name } : {}), ...(hours ? { hours } : {}), ...(change.status ? { status: change.status } : {}), updated_at: nowIso() })
    .where('tenant', '=', tenant)
    .where('code', '=', code)
    .returningAll()
    .executeTakeFirst();
  if (row) tx.emit(StoreChanged, row.code, { code: row.code, name: row.name, status: row.status, hours: storeView(row).hours });
  return row;
}

/** Adds a clerk or store manager to a store. */
export async function hire(tx: Tx<T>, tenant: string, storeCode: string, member: { name: string; role: StaffRole }) {
  const row = { id: newId(), tenant, store_code: storeCode, name: member.name, role: member.role, status: 'active' as const, created_at: nowIso() };
  await tx.db.insertInto('staff').values(row).execute();
  return row;
}

/** Registers a till of a store; undefined when the store has one of this code already. */
export async function registerTerminal(tx: Tx<T>, tenant: string, storeCode: string, code: string): Promise<T['terminal'] | undefined> {
  const row = { tenant, store_code: storeCode, code, status: 'active' as const, created_at: nowIso() };
  const inserted = await tx.db
    .insertInto('terminal')
    .values(row)
    .onConflict((oc) => oc.columns(['tenant', 'store_code', 'code']).doNothing())
    .executeTakeFirst();
  return Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0 ? undefined : row;
}
