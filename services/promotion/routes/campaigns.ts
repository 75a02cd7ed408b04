import { Type } from '@sinclair/typebox';
import { badRequest, choice, Code, conflict, Money, Name, notFound, unprocessable } from '@omnishop/kit';
import { wording } from '@omnishop/pricing';
import { campaignWindow, templateTerms } from '../domain/coupon.js';
import { route, type PromotionTables } from '../db.js';
import { Budget, STAFF } from './schemas.js';

const CampaignView = Type.Object({
  code: Type.String(),
  name: Type.String(),
  startsAt: Type.String(),
  endsAt: Type.String(),
  budget: Type.Integer(),
  spent: Type.Integer(),
  remaining: Type.Integer(),
  createdAt: Type.String(),
}, { title: 'Campaign', description: 'A campaign: its time window and budget, how much is spent' });

const campaignView = (c: PromotionTables['campaign']) => ({
  code: c.code,
  name: c.name,
  startsAt: c.starts_at,
  endsAt: c.ends_at,
  budget: c.budget,
  spent: c.spent,
  remaining: c.budget - c.spent,
  createdAt: c.created_at,
});

const Kind = choice(['fixed', 'percent', 'threshold']);

const TemplateView = Type.Object({
  code: Type.String(),
  campaign: Type.String(),
  kind: Kind,
  amount: Type.Union([Type.Integer(), Type.Null()]),
  percent: Type.Union([Type.Integer(), Type.Null()]),
  threshold: Type.Union([Type.Integer(), Type.Null()]),
  perCustomerLimit: Type.Integer(),
  description: Type.String({ description: 'the terms in words' }),
  createdAt: Type.String(),
}, { title: 'CouponTemplate', description: 'A kind of coupon of a campaign, and its terms' });

export const createCampaign = route({
  method: 'POST',
  url: '/campaigns',
  summary: 'Start a campaign: a time window and a budget its coupons discount from',
  roles: ['brand_admin'],
  idempotent: true,
  body: Type.Object(
    {
      code: Code('campaign code'),
      name: Name,
      startsAt: Type.String({ format: 'date-time' }),
      endsAt: Type.String({ format: 'date-time', description: 'exclusive' }),
      budget: Budget,
    },
    { additionalProperties: false },
  ),
  response: { 201: CampaignView },
  errors: { 400: 'the campaign ends before it starts', 409: 'a campaign with this code exists (type `campaign-exists`)' },
  handler: async ({ body, principal }, tx) => {
    const window = campaignWindow(body);
    if (!window.ok) throw badRequest(window.error.field, window.error.message);
    const tenant = principal.tenant;
    const exists = await tx.db.selectFrom('campaign').select('code').where('tenant', '=', tenant).where('code', '=', body.code).executeTakeFirst();
    if (exists) throw conflict('campaign-exists', `campaign ${body.code} already exists`);
    const row = {
      tenant,
      code: body.code,
      name: body.name,
      starts_at: window.value.startsAt,
      ends_at: window.value.endsAt,
      budget: body.budget,
      spent: 0,
      created_at: new Date().toISOString(),
    };
    await tx.db.insertInto('campaign').values(row).execute();
    return { status: 201, body: campaignView(row), headers: { location: `/api/promotions/campaigns/${body.code}` } };
  },
});

export const getCampaign = route({
  method: 'GET',
  url: '/campaigns/:code',
  summary: 'A campaign, with how much of its budget is spent',
  roles: STAFF,
  params: Type.Object({ code: Code('campaign code') }),
  response: { 200: CampaignView },
  errors: { 404: 'no campaign with this code' },
  handler: async ({ params, principal }, tx) => {
    const row = await tx.db.selectFrom('campaign').selectAll().where('tenant', '=', principal.tenant).where('code', '=', params.code).executeTakeFirst();
    if (!row) throw notFound('campaign', params.code);
    return { status: 200, body: campaignView(row) };
  },
});

export const createTemplate = route({
  method: 'POST',
  url: '/templates',
  summary: 'Define a kind of coupon of a campaign: fixed amount off, percent off, or amount off above a spend',
  roles: ['brand_admin'],
  idempotent: true,
  body: Type.Object(
    {
      code: Code('template code'),
      campaign: Code('campaign code'),
      kind: Kind,
      amount: Type.Optional(Money),
      percent: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
      threshold: Type.Optional(Money),
      perCustomerLimit: Type.Integer({ minimum: 1, maximum: 1000, default: 1, description: 'how many coupons of this template one customer may be issued' }),
    },
    { additionalProperties: false },
  ),
  response: { 201: TemplateView },
  errors: {
    400: "the terms do not fit the kind (an amount for fixed, a percent for percent, an amount and a threshold for threshold)",
    409: 'a template with this code exists (type `template-exists`)',
    422: 'the campaign is not one of the brand',
  },
  handler: async ({ body, principal }, tx) => {
    const terms = templateTerms(body);
    if (!terms.ok) throw badRequest(terms.error.field, terms.error.message);
    const tenant = principal.tenant;
    const campaign = await tx.db.selectFrom('campaign').select('code').where('tenant', '=', tenant).where('code', '=', body.campaign).executeTakeFirst();
    if (!campaign) throw unprocessable('body.campaign', 'is not a campaign of this brand');
    const exists = await tx.db.selectFrom('coupon_template').select('code').where('tenant', '=', tenant).where('code', '=', body.code).executeTakeFirst();
    if (exists) throw conflict('template-exists', `coupon template ${body.code} already exists`);
    const createdAt = new Date().toISOString();
    await tx.db
      .insertInto('coupon_template')
      .values({ tenant, code: body.code, campaign_code: body.campaign, ...terms.value, per_customer_limit: body.perCustomerLimit, created_at: createdAt })
      .execute();
    const view = { code: body.code, campaign: body.campaign, ...terms.value, perCustomerLimit: body.perCustomerLimit, description: wording(terms.value), createdAt };
    return { status: 201, body: view };
  },
});
