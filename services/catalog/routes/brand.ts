import { Type } from '@sinclair/typebox';
import { Name, notFound, ROLES } from '@omnishop/kit';
import { setBrand } from '../commands.js';
import { route } from '../db.js';

const Brand = Type.Object({ code: Type.String({ description: 'the brand (tenant)' }), name: Type.String(), updatedAt: Type.String() }, { title: 'Brand', description: "The brand's profile" });

export const putBrand = route({
  method: 'PUT',
  url: '/brand',
  summary: "Set the caller's brand profile",
  roles: ['brand_admin'],
  body: Type.Object({ name: Name }, { additionalProperties: false }),
  response: { 200: Brand },
  handler: async ({ body, principal }, tx) => {
    const updatedAt = await setBrand(tx, principal.tenant, body.name);
    return { status: 200, body: { code: principal.tenant, name: body.name, updatedAt } };
  },
});

export const getBrand = route({
  method: 'GET',
  url: '/brand',
  summary: "The caller's brand profile",
  roles: ROLES,
  response: { 200: Brand },
  errors: { 404: 'the brand has no profile yet (a brand admin sets one with PUT)' },
  handler: async ({ principal }, tx) => {
    const row = await tx.db.selectFrom('brand').selectAll().where('tenant', '=', principal.tenant).executeTakeFirst();
    if (!row) throw notFound('brand', principal.tenant);
    return { status: 200, body: { code: row.tenant, name: row.name, updatedAt: row.updated_at } };
  },
});
