import type { MigrationStep } from '@omnishop/kit';

/**
 * What placing an order checks at once, before its saga runs: the brand's
 * members (from MemberJoined), for a till sale naming one, and its coupons
 * (from CouponIssued, CouponRedeemed and CouponReleased); and why each coupon
 * of a rejected order was refused.
 */
export const registersMigration: MigrationStep = async (db) => {
  await db.schema
    .createTable('member_ref')
    .addColumn('tenant', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('member_ref_pk', ['tenant', 'customer_id'])
    .execute();
  await db.schema
    .createTable('coupon_ref')
    .addColumn('tenant', 'text', (c) => c.notNull())
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('redeemed_order', 'text')
    .addPrimaryKeyConstraint('coupon_ref_pk', ['tenant', 'code'])
    .execute();
  await db.schema.alterTable('order_coupon').addColumn('refusal', 'text').execute();
};
