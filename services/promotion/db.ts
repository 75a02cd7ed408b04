import type { Generated, Kysely } from 'kysely';
import { handlerFor, routeFor, type KitTables } from '@omnishop/kit';
import type { CouponKind, CouponStatus, OfferedCoupon } from '@omnishop/pricing';

export interface PromotionTables extends KitTables {
  campaign: { tenant: string; code: string; name: string; starts_at: string; ends_at: string; budget: number; spent: number; created_at: string };
  coupon_template: {
    tenant: string;
    code: string;
    campaign_code: string;
    kind: CouponKind;
    amount: number | null;
    percent: number | null;
    threshold: number | null;
    per_customer_limit: number;
    created_at: string;
  };
  coupon: {
    seq: Generated<number>;
    tenant: string;
    code: string;
    template_code: string;
    customer_id: string;
    status: CouponStatus;
    redeemed_order: string | null;
    redeemed_at: string | null;
    discount: number | null;
    issued_at: string;
  };
  issued_count: { tenant: string; template_code: string; customer_id: string; issued: number };
  price: { tenant: string; sku: string; price: number; currency: string };
  order_gate: { tenant: string; order_id: string; closed_reason: string | null; closed_at: string | null };
}

export const route = routeFor<PromotionTables>();
export const on = handlerFor<PromotionTables>();

/** A coupon with its template and campaign: everything pricing needs to know about it. */
export interface HeldCoupon extends NonNullable<OfferedCoupon['held']> {
  code: string;
  seq: number;
  redeemedOrder: string | null;
  redeemedAt: string | null;
  discount: number | null;
  issuedAt: string;
  campaignName: string;
}

/** The brand's coupons with these codes, with their terms; codes it never issued are simply absent. */
export async function heldCoupons(db: Kysely<PromotionTables>, tenant: string, codes: string[]): Promise<Map<string, HeldCoupon>> {
  if (!codes.length) return new Map();
  const rows = await couponsWithTerms(db, tenant).where('c.code', 'in', codes).execute();
  return new Map(rows.map((r) => [r.code, heldOf(r)]));
}

/** Coupons joined to their template and campaign, of one tenant; callers narrow it further. */
export function couponsWithTerms(db: Kysely<PromotionTables>, tenant: string) {
  return db
    .selectFrom('coupon as c')
    .innerJoin('coupon_template as t', (j) => j.onRef('t.tenant', '=', 'c.tenant').onRef('t.code', '=', 'c.template_code'))
    .innerJoin('campaign as k', (j) => j.onRef('k.tenant', '=', 't.tenant').onRef('k.code', '=', 't.campaign_code'))
    .where('c.tenant', '=', tenant)
    .select([
      'c.seq',
      'c.code',
      'c.customer_id',
      'c.status',
      'c.redeemed_order',
      'c.redeemed_at',
      'c.discount',
      'c.issued_at',
      't.code as template_code',
      't.kind',
      't.amount',
      't.percent',
      't.threshold',
      't.per_customer_limit',
      'k.code as campaign_code',
      'k.name as campaign_name',
      'k.starts_at',
      'k.ends_at',
      'k.budget',
      'k.spent',
    ]);
}

type TermsRow = Awaited<ReturnType<ReturnType<typeof couponsWithTerms>['executeTakeFirstOrThrow']>>;

export function heldOf(r: TermsRow): HeldCoupon {
  return {
    code: r.code,
    seq: r.seq,
    customerId: r.customer_id,
    status: r.status,
    redeemedOrder: r.redeemed_order,
    redeemedAt: r.redeemed_at,
    discount: r.discount,
    issuedAt: r.issued_at,
    campaignName: r.campaign_name,
    template: {
      code: r.template_code,
      campaign: r.campaign_code,
      kind: r.kind,
      amount: r.amount,
      percent: r.percent,
      threshold: r.threshold,
      perCustomerLimit: r.per_customer_limit,
    },
    campaign: { code: r.campaign_code, startsAt: r.starts_at, endsAt: r.ends_at, budget: r.budget, spent: r.spent },
  };
}
