import type { Migrations } from '@omnishop/kit';

export const migrations: Migrations = {
  '0001-catalog': async (db) => {
    await db.schema
      .createTable('brand')
      .addColumn('tenant', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('style')
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('code', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('category', 'text', (c) => c.notNull())
      .addColumn('season', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('style_pk', ['tenant', 'code'])
      .execute();
    await db.schema
      .createTable('sku')
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('sku', 'text', (c) => c.notNull())
      .addColumn('style', 'text', (c) => c.notNull())
      .addColumn('colour', 'text', (c) => c.notNull())
      .addColumn('colour_name', 'text', (c) => c.notNull())
      .addColumn('size', 'text', (c) => c.notNull())
      .addColumn('price', 'integer', (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('sku_pk', ['tenant', 'sku'])
      .execute();
    await db.schema.createIndex('sku_by_style').on('sku').columns(['tenant', 'style']).execute();
  },
};
