import { sql } from 'kysely';
import { withSequence, type MigrationStep } from '@omnishop/kit';

/** The order saga: coupons and what they took off, the payment method, a till sale's store, and returns. */
export const sagaMigration: MigrationStep = async (db, dialect) => {
  // One column per statement: SQLite adds one at a time.
  await db.schema.alterTable('orders').addColumn('subtotal', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('orders').addColumn('discount', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('orders').addColumn('payment_method', 'text', (c) => c.notNull().defaultTo('wallet')).execute();
  await db.schema.alterTable('orders').addColumn('store', 'text').execute();
  await db.schema.alterTable('orders').addColumn('stock_held', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('orders').addColumn('coupons_settled', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('orders').addColumn('payment_due_by', 'text').execute();
  // Orders placed before the saga: their total had no coupons, and a confirmed or completed one holds its stock.
  await db.updateTable('orders').set({ subtotal: sql`total`, coupons_settled: 1 }).execute();
  await db.updateTable('orders').set({ stock_held: 1 }).where('status', 'in', ['confirmed', 'completed']).execute();
  await db.schema.createIndex('orders_awaiting_payment').on('orders').columns(['status', 'payment_due_by']).execute();
  await db.schema.alterTable('order_line').addColumn('discount', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('order_line').addColumn('returned_qty', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema
    .createTable('order_coupon')
    .addColumn('tenant', 'text', (c) => c.notNull())
    .addColumn('order_id', 'text', (c) => c.notNull())
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('discount', 'integer')
    .addPrimaryKeyConstraint('order_coupon_pk', ['tenant', 'order_id', 'code'])
    .execute();
  await withSequence(db.schema.createTable('order_return'), 'seq', dialect)
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('tenant', 'text', (c) => c.notNull())
    .addColumn('order_id', 'text', (c) => c.notNull())
    .addColumn('location', 'text', (c) => c.notNull())
    .addColumn('lines', 'text', (c) => c.notNull())
    .addColumn('amount', 'integer', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('taken_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('order_return_by_order').on('order_return').columns(['tenant', 'order_id', 'seq']).execute();
};
