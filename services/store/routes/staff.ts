import { Type } from '@sinclair/typebox';
import { choice, decodeCursor, forbidden, Name, newId, nowIso, PageOf, PageQuery, toPage } from '@omnishop/kit';
import { route, storeOf, type StoreTables } from '../db.js';
import { actsOnStore } from './access.js';
import { StoreCode } from './stores.js';

const StaffRole = choice(['clerk', 'store_manager']);

const StaffView = Type.Object({
  id: Type.String(),
  storeCode: Type.String(),
  name: Type.String(),
  role: StaffRole,
  status: choice(['active', 'inactive']),
  createdAt: Type.String(),
}, { title: 'StaffMember', description: 'A clerk or store manager of a store' });

const staffView = (r: Omit<StoreTables['staff'], 'seq'>) => ({
  id: r.id,
  storeCode: r.store_code,
  name: r.name,
  role: r.role,
  status: r.status,
  createdAt: r.created_at,
});

export const addStaff = route({
  method: 'POST',
  url: '/:code/staff',
  summary: 'Add a clerk or store manager to a store',
  roles: ['brand_admin', 'store_manager'],
  idempotent: true,
  params: StoreCode,
  body: Type.Object({ name: Name, role: StaffRole }, { additionalProperties: false }),
  response: { 201: StaffView },
  errors: { 403: "store staff act only on their own store, and only a brand_admin appoints a store_manager", 404: 'no store with this code' },
  handler: async ({ params, body, principal }, tx) => {
    actsOnStore(principal, params.code);
    // A manager hires clerks; who manages a store is the brand's decision.
    if (body.role === 'store_manager' && principal.role !== 'brand_admin') throw forbidden('only a brand_admin appoints a store_manager');
    await storeOf(tx.db, principal.tenant, params.code);
    const row = { id: newId(), tenant: principal.tenant, store_code: params.code, name: body.name, role: body.role, status: 'active' as const, created_at: nowIso() };
    await tx.db.insertInto('staff').values(row).execute();
    return { status: 201, body: staffView(row) };
  },
});

export const listStaff = route({
  method: 'GET',
  url: '/:code/staff',
  summary: "A store's staff, in the order they were added",
  roles: ['store_manager', 'brand_admin'],
  params: StoreCode,
  query: Type.Object(PageQuery),
  response: { 200: PageOf(StaffView) },
  errors: { 403: 'a store manager acts only on their own store', 404: 'no store with this code' },
  handler: async ({ params, query, principal }, tx) => {
    actsOnStore(principal, params.code);
    await storeOf(tx.db, principal.tenant, params.code);
    const after = decodeCursor<number>(query.cursor, 'number');
    let q = tx.db
      .selectFrom('staff')
      .selectAll()
      .where('tenant', '=', principal.tenant)
      .where('store_code', '=', params.code)
      .orderBy('seq')
      .limit(query.limit + 1);
    if (after !== undefined) q = q.where('seq', '>', after);
    const page = toPage(await q.execute(), query.limit, (r) => r.seq);
    return { status: 200, body: { items: page.items.map(staffView), nextCursor: page.nextCursor } };
  },
});
