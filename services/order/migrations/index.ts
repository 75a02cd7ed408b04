import { withSequence, type Migrations } from '@omnishop/kit';
import { sagaMigration } from './0002-saga.js';
import { registersMigration } from './0004-registers.js';
import { storeRegisterMigration } from '@omnishop/store-register';

export const migrations: Migrations = {
  '0001-order': async (db, dialect) => {
    await db.schema
      .createTable('sku_price')
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('sku', 'text', (c) => c.notNull())
      .addColumn('price', 'integer', (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('sku_price_pk', ['tenant', 'sku'])
      .execute();
    await withSequence(db.schema.createTable('orders'), 'seq', dialect)
      .addColumn('id', 'text', (c) => c.notNull().unique())
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('customer_id', 'text', (c) => c.notNull())
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('total', 'integer', (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('orders_by_tenant').on('orders').columns(['tenant', 'seq']).execute();
    await db.schema.createIndex('orders_by_customer').on('orders').columns(['tenant', 'customer_id', 'seq']).execute();
    await db.schema
      .createTable('order_line')
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('order_id', 'text', (c) => c.notNull())
      .addColumn('line_no', 'integer', (c) => c.notNull())
      .addColumn('sku', 'text', (c) => c.notNull())
      .addColumn('qty', 'integer', (c) => c.notNull())
      .addColumn('unit_price', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('order_line_pk', ['order_id', 'line_no'])
      .execute();
    await withSequence(db.schema.createTable('order_history'), 'seq', dialect)
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('order_id', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('order_history_by_order').on('order_history').columns(['tenant', 'order_id', 'seq']).execute();
  },
  '0002-saga': sagaMigration,
  // The store register: goods come back only at open stores and warehouses.
  '0003-location-register': storeRegisterMigration,
  '0004-registers': registersMigration,
};
