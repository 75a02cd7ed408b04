import { sql, withSequence, type Migrations } from '@omnishop/kit';

export const migrations: Migrations = {
  '0001-promotion': async (db, dialect) => {
    // Budgets and discounts are bigint: a brand's campaign budget can pass 2^31 fen (21 million yuan).
    // The check is the last guard against overspending, even for a buggy writer.
    await db.schema
      .createTable('campaign')
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('code', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('starts_at', 'text', (c) => c.notNull())
      .addColumn('ends_at', 'text', (c) => c.notNull())
      .addColumn('budget', 'bigint', (c) => c.notNull())
      .addColumn('spent', 'bigint', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('campaign_pk', ['tenant', 'code'])
      .addCheckConstraint('campaign_within_budget', sql`spent >= 0 and spent <= budget`)
      .execute();
    await db.schema
      .createTable('coupon_template')
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('code', 'text', (c) => c.notNull())
      .addColumn('campaign_code', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('amount', 'integer')
      .addColumn('percent', 'integer')
      .addColumn('threshold', 'integer')
      .addColumn('per_customer_limit', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('coupon_template_pk', ['tenant', 'code'])
      .execute();
    await withSequence(db.schema.createTable('coupon'), 'seq', dialect)
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('code', 'text', (c) => c.notNull())
      .addColumn('template_code', 'text', (c) => c.notNull())
      .addColumn('customer_id', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('redeemed_order', 'text')
      .addColumn('redeemed_at', 'text')
      // What the redemption charged to the budget, so a release gives back exactly that.
      .addColumn('discount', 'bigint')
      .addColumn('issued_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('coupon_code', ['tenant', 'code'])
      .execute();
    await db.schema.createIndex('coupon_by_customer').on('coupon').columns(['tenant', 'customer_id', 'seq']).execute();
    await db.schema.createIndex('coupon_by_order').on('coupon').columns(['tenant', 'redeemed_order']).execute();
    // One counter row per customer and template: issuing bumps it conditionally, so two
    // concurrent issues cannot both pass the per-customer limit.
    await db.schema
      .createTable('issued_count')
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('template_code', 'text', (c) => c.notNull())
      .addColumn('customer_id', 'text', (c) => c.notNull())
      .addColumn('issued', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('issued_count_pk', ['tenant', 'template_code', 'customer_id'])
      .execute();
    await db.schema
      .createTable('price')
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('sku', 'text', (c) => c.notNull())
      .addColumn('price', 'integer', (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('price_pk', ['tenant', 'sku'])
      .execute();
    // One row per order that coupons were redeemed for, or that was cancelled or rejected.
    // Redeeming takes it while it is open; closing shuts it (see releaseForOrder).
    await db.schema
      .createTable('order_gate')
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('order_id', 'text', (c) => c.notNull())
      .addColumn('closed_reason', 'text')
      .addColumn('closed_at', 'text')
      .addPrimaryKeyConstraint('order_gate_pk', ['tenant', 'order_id'])
      .execute();
  },
};
