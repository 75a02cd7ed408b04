import { Type, type Static } from '@sinclair/typebox';
import { forbidden, unprocessable, type Principal } from '@omnishop/kit';
import type { Kysely } from 'kysely';
import { linePrices, priceCart as price, type CartLine } from '@omnishop/pricing';
import { heldCoupons, route, type PromotionTables } from '../db.js';
import { CartLines, CouponCode, CustomerId, SELLERS } from './schemas.js';

/** Puts the replica's current prices on a cart's lines; a line that cannot be priced is named. */
export async function pricedLines(db: Kysely<PromotionTables>, tenant: string, lines: Static<typeof CartLines>): Promise<{ lines: CartLine[]; currency: string }> {
  const rows = await db
    .selectFrom('price')
    .selectAll()
    .where('tenant', '=', tenant)
    .where('sku', 'in', lines.map((l) => l.sku))
    .execute();
  const prices = new Map(rows.map((p) => [p.sku, p]));
  const priced = linePrices(lines, (sku) => prices.get(sku));
  if (!priced.ok) throw unprocessable(`body.lines.${priced.error.index}.sku`, priced.error.message);
  return priced.value;
}

/** Customers act for themselves only; staff act for the customer they name. */
export function actingFor(principal: Principal, customerId: string | undefined, what: string): string | undefined {
  if (principal.role !== 'customer') return customerId;
  if (customerId !== undefined && customerId !== principal.subject) throw forbidden(`a customer may ${what} only for themselves`);
  return principal.subject;
}

const Minor = Type.Integer();

const PricedCartView = Type.Object({
  customerId: Type.Union([Type.String(), Type.Null()]),
  currency: Type.String(),
  lines: Type.Array(
    Type.Object({
      sku: Type.String(),
      qty: Type.Integer(),
      unitPrice: Minor,
      subtotal: Minor,
      discount: Minor,
      total: Minor,
      discounts: Type.Array(Type.Object({ coupon: Type.String(), amount: Minor })),
    }),
  ),
  coupons: Type.Array(
    Type.Object({
      code: Type.String(),
      applied: Type.Boolean(),
      discount: Minor,
      reason: Type.String(),
      rejection: Type.Optional(Type.String()),
    }),
  ),
  subtotal: Minor,
  discount: Minor,
  total: Minor,
}, { title: 'PricedCart', description: 'A cart priced with its coupons: each line, each discount and why, the total' });

export const priceCart = route({
  method: 'POST',
  url: '/price',
  summary: 'Price a cart with coupons (the checkout and the till call the same): each line, each discount and why, the total. Changes nothing.',
  roles: SELLERS,
  // A computation: it reads, writes nothing, and so takes no part in any transaction.
  transaction: false,
  body: Type.Object(
    {
      lines: CartLines,
      customerId: Type.Optional(CustomerId),
      coupons: Type.Array(CouponCode, { maxItems: 20, uniqueItems: true, default: [] }),
    },
    { additionalProperties: false },
  ),
  response: { 200: PricedCartView },
  errors: { 403: 'a customer prices carts only for themselves', 422: 'a line names a SKU that has no price' },
  handler: async ({ body, principal }, tx) => {
    const tenant = principal.tenant;
    const customerId = actingFor(principal, body.customerId, 'price a cart');
    const { lines, currency } = await pricedLines(tx.db, tenant, body.lines);
    const held = await heldCoupons(tx.db, tenant, body.coupons);
    const priced = price({ lines, coupons: body.coupons.map((code) => ({ code, held: held.get(code) })), customerId, now: new Date() });
    return { status: 200, body: { customerId: customerId ?? null, currency, ...priced } };
  },
});
