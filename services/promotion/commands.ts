import { Changed, err, ok, type Result, type Tx } from '@omnishop/kit';
import { priceCart, type CartLine, type CouponOutcome } from '@omnishop/pricing';
import { couponsWithTerms, heldCoupons, type PromotionTables } from './db.js';
import { CouponRedeemed, CouponReleased } from './contract.js';

/**
 * The write side of promotion's coupons for orders: each command loads what
 * it decides on, decides through the pricing rules, and writes with the
 * events it emits, conditionally on what it read.
 */

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
    if (Number(won.numUpdatedRows) !== 1) throw new Changed('coupon-redeemed', `coupon ${outcome.code} was redeemed meanwhile`);
    const charged = await tx.db
      .updateTable('campaign')
      .set((eb) => ({ spent: eb('spent', '+', outcome.discount) }))
      .where('tenant', '=', tenant)
      .where('code', '=', coupon.campaign.code)
      .where((eb) => eb(eb('spent', '+', outcome.discount), '<=', eb.ref('budget')))
      .executeTakeFirst();
    if (Number(charged.numUpdatedRows) !== 1) throw new Changed('budget-exhausted', `the budget of campaign ${coupon.campaign.code} was spent meanwhile`);
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
