import { Type } from '@sinclair/typebox';
import { badRequest, choice, Code, conflict, decodeCursor, notFound, PageOf, PageQuery, responseOf, toPage, unprocessable, type Problem } from '@omnishop/kit';
import { wording, type CouponOutcome, type Rejection } from '@omnishop/pricing';
import { newCouponCode } from '../domain/coupon.js';
import { redeemForOrder } from '../commands.js';
import { couponsWithTerms, heldCoupons, heldOf, route, type HeldCoupon } from '../db.js';
import { actingFor, pricedLines } from './cart.js';
import { CartLines, CouponCode, CustomerId, OrderId, SELLERS } from './schemas.js';
import { CouponIssued } from '../contract.js';

const Status = choice(['issued', 'redeemed', 'void']);

const CouponView = Type.Object({
  code: Type.String(),
  customerId: Type.String(),
  status: Status,
  template: Type.String(),
  description: Type.String(),
  campaign: Type.String(),
  campaignName: Type.String(),
  validFrom: Type.String(),
  validUntil: Type.String(),
  issuedAt: Type.String(),
  redeemedOrder: Type.Union([Type.String(), Type.Null()]),
  redeemedAt: Type.Union([Type.String(), Type.Null()]),
  discount: Type.Union([Type.Integer(), Type.Null()]),
}, { title: 'Coupon', description: "A coupon in a customer's wallet, its terms and whether it was redeemed" });

const couponView = (c: HeldCoupon) => ({
  code: c.code,
  customerId: c.customerId,
  status: c.status,
  template: c.template.code,
  description: wording(c.template),
  campaign: c.campaign.code,
  campaignName: c.campaignName,
  validFrom: c.campaign.startsAt,
  validUntil: c.campaign.endsAt,
  issuedAt: c.issuedAt,
  redeemedOrder: c.redeemedOrder,
  redeemedAt: c.redeemedAt,
  discount: c.discount,
});

/** Random codes practically never collide (60 bits); when one does, the unique key says so and another is drawn. */
const CODE_ATTEMPTS = 5;

export const issueCoupon = route({
  method: 'POST',
  url: '/coupons',
  summary: "Issue a coupon of a template to a customer's wallet, within the template's per-customer limit",
  roles: ['brand_admin'],
  idempotent: true,
  body: Type.Object({ template: Code('coupon template code'), customerId: CustomerId }, { additionalProperties: false }),
  response: { 201: CouponView },
  errors: { 422: "the template is not one of the brand or its campaign has ended, or the customer holds as many of its coupons as one may" },
  handler: async ({ body, principal }, tx) => {
    const tenant = principal.tenant;
    const template = await tx.db
      .selectFrom('coupon_template as t')
      .innerJoin('campaign as k', (j) => j.onRef('k.tenant', '=', 't.tenant').onRef('k.code', '=', 't.campaign_code'))
      .select(['t.per_customer_limit', 'k.code as campaign', 'k.ends_at'])
      .where('t.tenant', '=', tenant)
      .where('t.code', '=', body.template)
      .executeTakeFirst();
    if (!template) throw unprocessable('body.template', 'is not a coupon template of this brand');
    if (template.ends_at <= new Date().toISOString()) throw unprocessable('body.template', `belongs to campaign ${template.campaign}, which has ended`);
    // The counter row serialises concurrent issues to one customer: the limit holds under any concurrency.
    const counted = await tx.db
      .insertInto('issued_count')
      .values({ tenant, template_code: body.template, customer_id: body.customerId, issued: 1 })
      .onConflict((oc) =>
        oc
          .columns(['tenant', 'template_code', 'customer_id'])
          .doUpdateSet((eb) => ({ issued: eb('issued_count.issued', '+', 1) }))
          .where('issued_count.issued', '<', template.per_customer_limit),
      )
      .executeTakeFirst();
    if (Number(counted.numInsertedOrUpdatedRows ?? 0) !== 1) {
      throw unprocessable('body.customerId', `already holds the ${template.per_customer_limit} coupon(s) of ${body.template} a customer may be issued`);
    }
    const issuedAt = new Date().toISOString();
    for (let attempt = 1; attempt <= CODE_ATTEMPTS; attempt++) {
      const code = newCouponCode();
      const inserted = await tx.db
        .insertInto('coupon')
        .values({ tenant, code, template_code: body.template, customer_id: body.customerId, status: 'issued', redeemed_order: null, redeemed_at: null, discount: null, issued_at: issuedAt })
        .onConflict((oc) => oc.columns(['tenant', 'code']).doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1) {
        tx.emit(CouponIssued, code, { code, template: body.template, customerId: body.customerId, issuedAt });
        const held = (await heldCoupons(tx.db, tenant, [code])).get(code)!;
        return { status: 201, body: couponView(held) };
      }
    }
    throw new Error(`no free coupon code after ${CODE_ATTEMPTS} attempts`);
  },
});

export const listWallet = route({
  method: 'GET',
  url: '/wallet',
  summary: "A customer's coupons, newest first: a customer's own, or the named customer's for staff",
  roles: SELLERS,
  query: Type.Object({ ...PageQuery, customerId: Type.Optional(CustomerId), status: Type.Optional(Status) }),
  response: { 200: PageOf(CouponView) },
  errors: { 400: 'staff name no `customerId`', 403: "a customer lists only their own wallet" },
  handler: async ({ query, principal }, tx) => {
    const customerId = actingFor(principal, query.customerId, 'list a wallet');
    if (customerId === undefined) throw badRequest('query.customerId', 'is required for staff');
    const before = decodeCursor<number>(query.cursor, 'number');
    let q = couponsWithTerms(tx.db, principal.tenant).where('c.customer_id', '=', customerId).orderBy('c.seq', 'desc').limit(query.limit + 1);
    if (query.status) q = q.where('c.status', '=', query.status);
    if (before !== undefined) q = q.where('c.seq', '<', before);
    const page = toPage(await q.execute(), query.limit, (r) => r.seq);
    return { status: 200, body: { items: page.items.map((r) => couponView(heldOf(r))), nextCursor: page.nextCursor } };
  },
});

/** Why a coupon cannot be redeemed, as the problem the caller gets. */
const REFUSALS: Record<Rejection, (o: CouponOutcome) => Problem> = {
  unknown: (o) => notFound('coupon', o.code),
  not_customers_coupon: () => unprocessable('body.customerId', 'is not the customer this coupon was issued to'),
  void: (o) => conflict('coupon-void', o.reason),
  already_redeemed: (o) => conflict('coupon-redeemed', o.reason),
  budget_exhausted: (o) => conflict('budget-exhausted', o.reason),
  not_started: (o) => unprocessable('path.code', `cannot be redeemed now (${o.reason})`),
  expired: (o) => unprocessable('path.code', `cannot be redeemed now (${o.reason})`),
  same_template: (o) => unprocessable('path.code', `cannot be redeemed (${o.reason})`),
  below_threshold: (o) => unprocessable('body.lines', `do not qualify for the coupon (${o.reason})`),
  nothing_to_discount: (o) => unprocessable('body.lines', `do not qualify for the coupon (${o.reason})`),
};

const RedemptionView = Type.Object({
  code: Type.String(),
  status: Type.Literal('redeemed'),
  customerId: Type.String(),
  orderId: Type.String(),
  discount: Type.Integer(),
  redeemedAt: Type.String(),
  template: Type.String(),
  campaign: Type.String(),
}, { title: 'Redemption', description: 'A coupon redeemed for an order, and its discount' });

const redemptionView = (c: HeldCoupon) => ({
  code: c.code,
  status: 'redeemed' as const,
  customerId: c.customerId,
  orderId: c.redeemedOrder!,
  discount: c.discount!,
  redeemedAt: c.redeemedAt!,
  template: c.template.code,
  campaign: c.campaign.code,
});

export const redeemCoupon = route({
  method: 'POST',
  url: '/coupons/:code/redeem',
  summary: "Redeem a coupon for an order, once across every channel; its discount on these lines is charged to the campaign's budget",
  roles: SELLERS,
  params: Type.Object({ code: CouponCode }),
  body: Type.Object({ orderId: OrderId, customerId: CustomerId, lines: CartLines }, { additionalProperties: false }),
  response: { 200: responseOf(RedemptionView, 'Redeemed before for this order: the same redemption, as a retry gets it'), 201: RedemptionView },
  errors: {
    403: 'a customer redeems only for themselves',
    404: "no such coupon (or, to a customer, someone else's)",
    409: 'the coupon is void or already redeemed, its campaign budget is spent, the order was cancelled or rejected, or the coupon changed meanwhile',
    422: 'the coupon is not the named customer\'s, not valid now, of a template already applied, or the lines do not qualify or name a SKU without a price',
  },
  handler: async ({ params, body, principal }, tx) => {
    const tenant = principal.tenant;
    const { code } = params;
    actingFor(principal, body.customerId, 'redeem a coupon');
    const held = (await heldCoupons(tx.db, tenant, [code])).get(code);
    // To a customer, someone else's coupon does not exist.
    if (!held || (principal.role === 'customer' && held.customerId !== principal.subject)) throw notFound('coupon', code);
    const { lines } = await pricedLines(tx.db, tenant, body.lines);
    const redeemed = await redeemForOrder(tx, tenant, { orderId: body.orderId, customerId: body.customerId, lines, codes: [code] });
    if (!redeemed.ok) {
      const refusal = redeemed.error;
      if (refusal.kind === 'order_closed') throw conflict('order-closed', `order ${body.orderId} was cancelled or rejected; no coupon can be redeemed for it`);
      throw REFUSALS[refusal.outcome.rejection ?? 'unknown'](refusal.outcome);
    }
    const now = (await heldCoupons(tx.db, tenant, [code])).get(code)!;
    // A retry for the same order (the till lost the response) gets the redemption it made.
    return { status: redeemed.value.fresh ? 201 : 200, body: redemptionView(now) };
  },
});
