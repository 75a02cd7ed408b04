import { sql, withSequence, type Migrations } from '@omnishop/kit';
import { storeRegisterMigration } from '@omnishop/store-register';

export const migrations: Migrations = {
  '0001-inventory': async (db, dialect) => {
    await db.schema
      .createTable('sku')
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('sku', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('sku_pk', ['tenant', 'sku'])
      .execute();
    // The balance is a projection of the ledger kept in the same transaction;
    // the checks make negative stock impossible even for a buggy writer.
    await db.schema
      .createTable('balance')
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('sku', 'text', (c) => c.notNull())
      .addColumn('location', 'text', (c) => c.notNull())
      .addColumn('on_hand', 'integer', (c) => c.notNull())
      .addColumn('reserved', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('balance_pk', ['tenant', 'sku', 'location'])
      .addCheckConstraint('balance_never_negative', sql`reserved >= 0 and on_hand >= reserved`)
      .execute();
    await withSequence(db.schema.createTable('movement'), 'seq', dialect)
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('sku', 'text', (c) => c.notNull())
      .addColumn('location', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('qty', 'integer', (c) => c.notNull())
      .addColumn('on_hand_delta', 'integer', (c) => c.notNull())
      .addColumn('reserved_delta', 'integer', (c) => c.notNull())
      .addColumn('reference', 'text', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('movement_by_sku').on('movement').columns(['tenant', 'sku', 'location', 'seq']).execute();
    await db.schema
      .createTable('reservation')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('order_id', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('reservation_per_order', ['tenant', 'order_id'])
      .execute();
    await db.schema.createIndex('reservation_by_expiry').on('reservation').columns(['status', 'expires_at']).execute();
    await db.schema
      .createTable('reservation_line')
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('reservation_id', 'text', (c) => c.notNull())
      .addColumn('sku', 'text', (c) => c.notNull())
      .addColumn('location', 'text', (c) => c.notNull())
      .addColumn('qty', 'integer', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('reservation_line_by_reservation').on('reservation_line').column('reservation_id').execute();
  },
  // The store register: stock is received and returned only at open stores and warehouses.
  '0002-location-register': storeRegisterMigration,
};
