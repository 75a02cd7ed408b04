import type { Generated, Kysely, Selectable } from 'kysely';
import { json, notFound, routeFor, type KitTables } from '@omnishop/kit';
import type { OpeningHours } from './domain/hours.js';
import type { StoreStatus, StoreType } from './contract.js';

export type TerminalStatus = 'active' | 'retired';
export type StaffRole = 'clerk' | 'store_manager';
export type StaffStatus = 'active' | 'inactive';

export interface StoreTables extends KitTables {
  store: {
    tenant: string;
    code: string;
    name: string;
    type: StoreType;
    city: string;
    lat: number;
    lng: number;
    /** OpeningHours as JSON text. */
    hours: string;
    status: StoreStatus;
    created_at: string;
    updated_at: string;
  };
  /** A POS till; its code is unique within its store (every store may have a T1). */
  terminal: { tenant: string; store_code: string; code: string; status: TerminalStatus; created_at: string };
  staff: {
    /** Hiring order, for stable pages. */
    seq: Generated<number>;
    id: string;
    tenant: string;
    store_code: string;
    name: string;
    role: StaffRole;
    status: StaffStatus;
    created_at: string;
  };
}

export type StoreRow = Selectable<StoreTables['store']>;

export const route = routeFor<StoreTables>();

export const storeView = (r: StoreRow) => ({
  code: r.code,
  name: r.name,
  type: r.type,
  city: r.city,
  lat: r.lat,
  lng: r.lng,
  hours: json.read<OpeningHours>(r.hours),
  status: r.status,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** A store of the tenant; another brand's store, like a missing one, is not found. */
export async function storeOf(db: Kysely<StoreTables>, tenant: string, code: string): Promise<StoreRow> {
  const row = await db.selectFrom('store').selectAll().where('tenant', '=', tenant).where('code', '=', code).executeTakeFirst();
  if (!row) throw notFound('store', code);
  return row;
}
