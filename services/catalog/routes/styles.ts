import { Type } from '@sinclair/typebox';
import { Code, conflict, Currency, decodeCursor, Money, Name, notFound, PageOf, PageQuery, ROLES, SkuCode, toPage, badRequest } from '@omnishop/kit';
import { SkuCreated, SkuPriceChanged } from '../contract.js';
import { skusOf } from '../domain/style.js';
import { route } from '../db.js';
import { SkuView, StyleSummary, StyleView, skuView, styleSummary, styleView } from '../views.js';

export const createStyle = route({
  method: 'POST',
  url: '/styles',
  summary: 'Add a style; it is sold as every colour in every size',
  roles: ['brand_admin'],
  idempotent: true,
  body: Type.Object(
    {
      code: Code('style code'),
      name: Name,
      category: Name,
      season: Type.Optional(Type.String({ maxLength: 20 })),
      price: Money,
      currency: Type.Optional(Currency),
      colours: Type.Array(Type.Object({ code: Code('colour code'), name: Name }, { additionalProperties: false }), { minItems: 1, maxItems: 30 }),
      sizes: Type.Array(Code('size'), { minItems: 1, maxItems: 30 }),
    },
    { additionalProperties: false },
  ),
  response: { 201: StyleView },
  errors: { 400: 'a colour or a size repeats another', 409: 'a style with this code exists (type `style-exists`)' },
  handler: async ({ body, principal }, tx) => {
    const draft = { ...body, currency: body.currency ?? 'CNY' };
    const skus = skusOf(draft);
    if (!skus.ok) throw badRequest(skus.error.field, skus.error.message);
    const tenant = principal.tenant;
    const exists = await tx.db.selectFrom('style').select('code').where('tenant', '=', tenant).where('code', '=', body.code).executeTakeFirst();
    if (exists) throw conflict('style-exists', `style ${body.code} already exists`);
    const style = { tenant, code: body.code, name: body.name, category: body.category, season: body.season ?? null, created_at: new Date().toISOString() };
    await tx.db.insertInto('style').values(style).execute();
    const rows = skus.value.map((s) => ({
      tenant,
      sku: s.sku,
      style: s.style,
      colour: s.colour,
      colour_name: s.colourName,
      size: s.size,
      price: s.price,
      currency: s.currency,
    }));
    await tx.db.insertInto('sku').values(rows).execute();
    for (const s of skus.value) {
      tx.emit(SkuCreated, s.sku, { sku: s.sku, style: s.style, name: body.name, colour: s.colour, size: s.size, price: s.price, currency: s.currency });
    }
    return { status: 201, body: styleView(style, rows), headers: { location: `/api/catalog/styles/${body.code}` } };
  },
});

export const listStyles = route({
  method: 'GET',
  url: '/styles',
  summary: 'Styles of the brand, by code',
  roles: ROLES,
  query: Type.Object({ ...PageQuery, category: Type.Optional(Name) }),
  response: { 200: PageOf(StyleSummary) },
  handler: async ({ query, principal }, tx) => {
    const after = decodeCursor<string>(query.cursor, 'string');
    let q = tx.db.selectFrom('style').selectAll().where('tenant', '=', principal.tenant).orderBy('code').limit(query.limit + 1);
    if (after !== undefined) q = q.where('code', '>', after);
    if (query.category) q = q.where('category', '=', query.category);
    const rows = await q.execute();
    const page = toPage(rows, query.limit, (r) => r.code);
    return {
      status: 200,
      body: {
        items: page.items.map(styleSummary),
        nextCursor: page.nextCursor,
      },
    };
  },
});

export const getStyle = route({
  method: 'GET',
  url: '/styles/:code',
  summary: 'A style with its SKUs',
  roles: ROLES,
  params: Type.Object({ code: Code('style code') }),
  response: { 200: StyleView },
  errors: { 404: 'no style with this code' },
  handler: async ({ params, principal }, tx) => {
    const style = await tx.db.selectFrom('style').selectAll().where('tenant', '=', principal.tenant).where('code', '=', params.code).executeTakeFirst();
    if (!style) throw notFound('style', params.code);
    const skus = await tx.db.selectFrom('sku').selectAll().where('tenant', '=', principal.tenant).where('style', '=', params.code).orderBy('sku').execute();
    return { status: 200, body: styleView(style, skus) };
  },
});

export const getSku = route({
  method: 'GET',
  url: '/skus/:sku',
  summary: 'One SKU',
  roles: ROLES,
  params: Type.Object({ sku: SkuCode }),
  response: { 200: SkuView },
  errors: { 404: 'no SKU with this code' },
  handler: async ({ params, principal }, tx) => {
    const row = await tx.db.selectFrom('sku').selectAll().where('tenant', '=', principal.tenant).where('sku', '=', params.sku).executeTakeFirst();
    if (!row) throw notFound('SKU', params.sku);
    return { status: 200, body: skuView(row) };
  },
});

export const setPrice = route({
  method: 'PUT',
  url: '/skus/:sku/price',
  summary: 'Change the price of a SKU',
  roles: ['brand_admin'],
  params: Type.Object({ sku: SkuCode }),
  body: Type.Object({ price: Money }, { additionalProperties: false }),
  response: { 200: SkuView },
  errors: { 404: 'no SKU with this code' },
  handler: async ({ params, body, principal }, tx) => {
    const row = await tx.db
      .updateTable('sku')
      .set({ price: body.price })
      .where('tenant', '=', principal.tenant)
      .where('sku', '=', params.sku)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw notFound('SKU', params.sku);
    tx.emit(SkuPriceChanged, row.sku, { sku: row.sku, price: row.price, currency: row.currency });
    return { status: 200, body: skuView(row) };
  },
});
