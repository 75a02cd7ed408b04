import { Type } from '@sinclair/typebox';
import { Code, conflict, Currency, decodeCursor, Money, Name, notFound, PageOf, PageQuery, ROLES, SkuCode, toPage, badRequest } from '@omnishop/kit';
import { addStyle, changePrice } from '../commands.js';
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
    const added = await addStyle(tx, principal.tenant, { ...body, currency: body.currency ?? 'CNY' });
    if (!added.ok) throw added.error.kind === 'exists' ? conflict('style-exists', `style ${body.code} already exists`) : badRequest(added.error.rejection.field, added.error.rejection.message);
    return { status: 201, body: styleView(added.value.style, added.value.skus), headers: { location: `/api/catalog/styles/${body.code}` } };
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
    const row = await changePrice(tx, principal.tenant, params.sku, body.price);
    if (!row) throw notFound('SKU', params.sku);
    return { status: 200, body: skuView(row) };
  },
});
