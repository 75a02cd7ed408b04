import type { Generated, Kysely } from 'kysely';
import { err, handlerFor, ok, routeFor, type Result, type Tx } from '@omnishop/kit';
import { priceCart, type CartLine, type CouponKind, type CouponOutcome, type CouponStatus, type OfferedCoupon } from '@omnishop/pricing';
import { CouponRedeemed, CouponReleased } from './contract.js';

export interface PromotionTables {
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

/**
 * An order's gate: redemptions for the order pass it while it is open, and
 * closing the order shuts it. Both write the one row, so on PostgreSQL
 * (where a redemption and a cancellation run in parallel) one waits for the
 * other: a cancellation cannot slip between a redemption's check and its
 * commit and leave the coupon spent on an order that never happens.
 * Returns false when the order is closed.
 */
export async function passGate(tx: Tx<PromotionTables>, tenant: string, orderId: string): Promise<boolean> {
  const open = await tx.db
    .insertInto('order_gate')
    .values({ tenant, order_id: orderId, closed_reason: null, closed_at: null })
    // A write that changes nothing, for the lock, and only while the gate is open.
    .onConflict((oc) => oc.columns(['tenant', 'order_id']).doUpdateSet({ closed_reason: null }).where('order_gate.closed_reason', 'is', null))
    .executeTakeFirst();
  return Number(open.numInsertedOrUpdatedRows ?? 0) === 1;
}

/**
 * Undoes every redemption for an order that will not happen: each coupon goes
 * back to issued and its discount back to its campaign's budget. Conditional
 * on the coupon still being redeemed for this order, so a redelivered event
 * gives nothing back twice. The gate is shut first, so a redemption for the
 * order that arrives later is refused, and one in flight is waited for and
 * then released here.
 */
export async function releaseForOrder(tx: Tx<PromotionTables>, tenant: string, orderId: string, reason: string): Promise<void> {
  const closedAt = new Date().toISOString();
  await tx.db
    .insertInto('order_gate')
    .values({ tenant, order_id: orderId, closed_reason: reason, closed_at: closedAt })
    .onConflict((oc) => oc.columns(['tenant', 'order_id']).doUpdateSet({ closed_reason: reason, closed_at: closedAt }).where('order_gate.closed_reason', 'is', null))
    .execute();
  const redeemed = await couponsWithTerms(tx.db, tenant).where('c.redeemed_order', '=', orderId).where('c.status', '=', 'redeemed').execute();
  for (const c of redeemed) {
    const released = await tx.db
      .updateTable('coupon')
      .set({ status: 'issued', redeemed_order: null, redeemed_at: null, discount: null })
      .where('tenant', '=', tenant)
      .where('code', '=', c.code)
      .where('status', '=', 'redeemed')
      .where('redeemed_order', '=', orderId)
      .executeTakeFirst();
    if (Number(released.numUpdatedRows) !== 1) continue;
    const discount = c.discount ?? 0;
    await tx.db
      .updateTable('campaign')
      .set((eb) => ({ spent: eb('spent', '-', discount) }))
      .where('tenant', '=', tenant)
      .where('code', '=', c.campaign_code)
      .execute();
    tx.emit(
      CouponReleased,
      c.code,
      { code: c.code, template: c.template_code, campaign: c.campaign_code, customerId: c.customer_id, orderId, discount, reason },
      { tenant },
    );
  }
}

export interface Redemption {
  coupons: { code: string; discount: number }[];
  /** Each line's share of the discounts. */
  lines: { sku: string; discount: number }[];
  discount: number;
  /** False when every coupon was already redeemed for this order (a retry): nothing changed. */
  fresh: boolean;
}

/** Why the order's coupons cannot be redeemed: the first coupon that does not apply, or the order being closed. */
export type RedemptionRefusal = { kind: 'coupon'; outcome: CouponOutcome } | { kind: 'order_closed' };

/**
 * Redeems coupons for an order, all or none, at the prices of its lines:
 * each coupon goes from issued to redeemed, its discount is charged to its
 * campaign's budget, and CouponRedeemed is emitted. Both writes are
 * conditional (on the coupon still being issued, on the budget still being
 * there), so of any number of tills and checkouts redeeming one coupon at
 * once exactly one wins. A loser whose coupon changed under it throws: its
 * transaction rolls back whole, and its retry is refused with the reason.
 * Redeeming again for the same order (a retried request, a redelivered
 * event) returns the redemption already made.
 */
export async function redeemForOrder(
  tx: Tx<PromotionTables>,
  tenant: string,
  order: { orderId: string; customerId: string; lines: CartLine[]; codes: string[] },
): Promise<Result<Redemption, RedemptionRefusal>> {
  const { orderId, codes } = order;
  const held = await heldCoupons(tx.db, tenant, codes);
  const mine = (code: string) => held.get(code)?.status === 'redeemed' && held.get(code)?.redeemedOrder === orderId;
  const now = new Date();
  if (codes.every(mine)) {
    // Priced as they were, before their redemption: the discounts recorded on the coupons.
    const coupons = codes.map((code) => ({ code, discount: held.get(code)!.discount ?? 0 }));
    const asIssued = new Map([...held].map(([code, c]) => [code, { ...c, status: 'issued' as const }]));
    const priced = priceCart({ lines: order.lines, coupons: codes.map((code) => ({ code, held: asIssued.get(code) })), customerId: order.customerId, now });
    return ok({ coupons, lines: priced.lines.map((l) => ({ sku: l.sku, discount: l.discount })), discount: coupons.reduce((s, c) => s + c.discount, 0), fresh: false });
  }
  if (!(await passGate(tx, tenant, orderId))) return err({ kind: 'order_closed' });
  const priced = priceCart({ lines: order.lines, coupons: codes.map((code) => ({ code, held: held.get(code) })), customerId: order.customerId, now });
  const refused = priced.coupons.find((c) => !c.applied);
  if (refused) return err({ kind: 'coupon', outcome: refused });

  const redeemedAt = now.toISOString();
  for (const outcome of priced.coupons) {
    const coupon = held.get(outcome.code)!;
    const won = await tx.db
      .updateTable('coupon')
      .set({ status: 'redeemed', redeemed_order: orderId, redeemed_at: redeemedAt, discount: outcome.discount })
      .where('tenant', '=', tenant)
      .where('code', '=', outcome.code)
      .where('status', '=', 'issued')
      .executeTakeFirst();
    if (Number(won.numUpdatedRows) !== 1) throw new CouponChanged('coupon-redeemed', `coupon ${outcome.code} was redeemed meanwhile`);
    const charged = await tx.db
      .updateTable('campaign')
      .set((eb) => ({ spent: eb('spent', '+', outcome.discount) }))
      .where('tenant', '=', tenant)
      .where('code', '=', coupon.campaign.code)
      .where((eb) => eb(eb('spent', '+', outcome.discount), '<=', eb.ref('budget')))
      .executeTakeFirst();
    if (Number(charged.numUpdatedRows) !== 1) throw new CouponChanged('budget-exhausted', `the budget of campaign ${coupon.campaign.code} was spent meanwhile`);
    tx.emit(
      CouponRedeemed,
      outcome.code,
      { code: outcome.code, template: coupon.template.code, campaign: coupon.campaign.code, customerId: coupon.customerId, orderId, discount: outcome.discount, redeemedAt },
      { tenant },
    );
  }
  return ok({
    coupons: priced.coupons.map((c) => ({ code: c.code, discount: c.discount })),
    lines: priced.lines.map((l) => ({ sku: l.sku, discount: l.discount })),
    discount: priced.discount,
    fresh: true,
  });
}

/** A coupon or its budget changed between reading and writing: the whole redemption is undone, and a retry decides again. */
export class CouponChanged extends Error {
  constructor(
    /** What changed, as the problem type a caller gets. */
    readonly what: 'coupon-redeemed' | 'budget-exhausted',
    message: string,
  ) {
    super(message);
  }
}
