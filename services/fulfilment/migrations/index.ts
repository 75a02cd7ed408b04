import type { Migrations } from '@omnishop/kit';
import { storeRegisterMigration } from '@omnishop/store-register';

export const migrations: Migrations = {
  '0001-fulfilment': async (db) => {
    await db.schema
      .createTable('fulfilment')
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('order_id', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('mode', 'text')
      .addColumn('claimed_by', 'text')
      .addColumn('carrier', 'text')
      .addColumn('tracking', 'text')
      .addColumn('round', 'integer', (c) => c.notNull())
      .addColumn('offered_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('fulfilment_pk', ['tenant', 'order_id'])
      .execute();
    await db.schema.createIndex('fulfilment_by_offer_age').on('fulfilment').columns(['status', 'offered_at']).execute();
    await db.schema
      .createTable('offer')
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('order_id', 'text', (c) => c.notNull())
      .addColumn('location', 'text', (c) => c.notNull())
      .addColumn('round', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('offer_pk', ['tenant', 'order_id', 'round', 'location'])
      .execute();
    await db.schema.createIndex('offer_by_location').on('offer').columns(['tenant', 'location', 'round']).execute();
    await db.schema
      .createTable('reserved_line')
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('order_id', 'text', (c) => c.notNull())
      .addColumn('sku', 'text', (c) => c.notNull())
      .addColumn('location', 'text', (c) => c.notNull())
      .addColumn('qty', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('reserved_line_pk', ['tenant', 'order_id', 'sku', 'location'])
      .execute();
    await db.schema.createIndex('reserved_line_by_location').on('reserved_line').columns(['tenant', 'location']).execute();
    await db.schema
      .createTable('order_ref')
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('order_id', 'text', (c) => c.notNull())
      .addColumn('customer_id', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('order_ref_pk', ['tenant', 'order_id'])
      .execute();
  },
  '0002-location-register': storeRegisterMigration,
};
