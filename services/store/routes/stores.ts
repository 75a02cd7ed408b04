import { Type } from '@sinclair/typebox';
import { Code, conflict, decodeCursor, Name, notFound, PageOf, PageQuery, ROLES, toPage, unprocessable } from '@omnishop/kit';
import { changeStore, openStore } from '../commands.js';
import { nearest } from '../domain/geo.js';
import { validateHours, type OpeningHours as Hours } from '../domain/hours.js';
import { Latitude, Longitude, OpeningHours, StoreStatus, StoreType } from '../contract.js';
import { route, storeOf, storeView } from '../db.js';

const StoreView = Type.Object({
  code: Type.String(),
  name: Type.String(),
  type: StoreType,
  city: Type.String(),
  lat: Type.Number(),
  lng: Type.Number(),
  hours: OpeningHours,
  status: StoreStatus,
  createdAt: Type.String(),
  updatedAt: Type.String(),
}, { title: 'Store', description: 'A store or warehouse: where it is, when it opens, whether it is open for business' });

export const StoreCode = Type.Object({ code: Code('store code') });

/** GET /stores/nearest would shadow a store of this code. */
const RESERVED_CODES = new Set(['nearest']);

/** Hours that break a rule the schema cannot say (close after open) are a 422 naming the day. */
function checkedHours(hours: Record<string, { open: string; close: string } | undefined>): Hours {
  const checked = validateHours(hours);
  if (!checked.ok) throw unprocessable(`body.hours.${checked.error.field}`, checked.error.message);
  return checked.value;
}

export const createStore = route({
  method: 'POST',
  url: '/',
  summary: 'Open a store or warehouse',
  roles: ['brand_admin'],
  idempotent: true,
  body: Type.Object(
    { code: Code('store code; also its stock location code'), name: Name, type: StoreType, city: Name, lat: Latitude, lng: Longitude, hours: OpeningHours },
    { additionalProperties: false },
  ),
  response: { 201: StoreView },
  errors: { 409: 'a store with this code exists (type `store-exists`)', 422: 'the code is reserved, or opening hours close before they open (the day is named)' },
  handler: async ({ body, principal }, tx) => {
    if (RESERVED_CODES.has(body.code)) throw unprocessable('body.code', 'is reserved');
    const row = await openStore(tx, principal.tenant, { ...body, hours: checkedHours(body.hours) });
    if (!row) throw conflict('store-exists', `store ${body.code} already exists`);
    return { status: 201, body: storeView(row), headers: { location: `/api/stores/${row.code}` } };
  },
});

export const listStores = route({
  method: 'GET',
  url: '/',
  summary: 'Stores and warehouses of the brand, by code',
  roles: ROLES,
  query: Type.Object({ ...PageQuery, city: Type.Optional(Name), type: Type.Optional(StoreType) }),
  response: { 200: PageOf(StoreView) },
  handler: async ({ query, principal }, tx) => {
    const after = decodeCursor<string>(query.cursor, 'string');
    let q = tx.db.selectFrom('store').selectAll().where('tenant', '=', principal.tenant).orderBy('code').limit(query.limit + 1);
    if (after !== undefined) q = q.where('code', '>', after);
    if (query.city) q = q.where('city', '=', query.city);
    if (query.type) q = q.where('type', '=', query.type);
    const page = toPage(await q.execute(), query.limit, (r) => r.code);
    return { status: 200, body: { items: page.items.map(storeView), nextCursor: page.nextCursor } };
  },
});

export const nearestStores = route({
  method: 'GET',
  url: '/nearest',
  summary: 'Open (active) stores and warehouses nearest a point, nearest first, with their distance',
  roles: ROLES,
  query: Type.Object({ lat: Latitude, lng: Longitude, limit: Type.Integer({ minimum: 1, maximum: 50, default: 10 }), type: Type.Optional(StoreType) }),
  response: {
    200: Type.Object(
      { items: Type.Array(Type.Composite([StoreView, Type.Object({ distanceKm: Type.Number() })], { title: 'StoreDistance', description: 'A store and how far it is' })) },
      { description: 'The nearest open stores and warehouses, nearest first' },
    ),
  },
  handler: async ({ query, principal }, tx) => {
    // A brand has thousands of stores at most: measuring to each is cheaper than keeping a spatial index.
    let q = tx.db.selectFrom('store').selectAll().where('tenant', '=', principal.tenant).where('status', '=', 'active');
    if (query.type) q = q.where('type', '=', query.type);
    const closest = nearest(await q.execute(), query, query.limit);
    return { status: 200, body: { items: closest.map((r) => ({ ...storeView(r), distanceKm: Math.round(r.distanceKm * 1000) / 1000 })) } };
  },
});

export const getStore = route({
  method: 'GET',
  url: '/:code',
  summary: 'A store or warehouse',
  roles: ROLES,
  params: StoreCode,
  response: { 200: StoreView },
  errors: { 404: 'no store with this code' },
  handler: async ({ params, principal }, tx) => ({ status: 200, body: storeView(await storeOf(tx.db, principal.tenant, params.code)) }),
});

export const patchStore = route({
  method: 'PATCH',
  url: '/:code',
  summary: "Rename a store, replace its opening hours, or close (or reopen) it",
  roles: ['brand_admin'],
  params: StoreCode,
  body: Type.Object(
    { name: Type.Optional(Name), hours: Type.Optional(OpeningHours), status: Type.Optional(StoreStatus) },
    { additionalProperties: false, minProperties: 1 },
  ),
  response: { 200: StoreView },
  errors: { 404: 'no store with this code', 422: 'opening hours close before they open (the day is named)' },
  handler: async ({ params, body, principal }, tx) => {
    const row = await changeStore(tx, principal.tenant, params.code, { ...body, hours: body.hours && checkedHours(body.hours) });
    if (!row) throw notFound('store', params.code);
    return { status: 200, body: storeView(row) };
  },
});
