import { withSequence, type Migrations } from '@omnishop/kit';

export const migrations: Migrations = {
  '0001-store': async (db, dialect) => {
    await db.schema
      .createTable('store')
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('code', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('city', 'text', (c) => c.notNull())
      // double precision: PostgreSQL's real keeps ~7 digits, about 10 m of error at these latitudes.
      .addColumn('lat', 'double precision', (c) => c.notNull())
      .addColumn('lng', 'double precision', (c) => c.notNull())
      .addColumn('hours', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('store_pk', ['tenant', 'code'])
      .execute();
    await db.schema.createIndex('store_by_city').on('store').columns(['tenant', 'city', 'code']).execute();
    await db.schema
      .createTable('terminal')
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('store_code', 'text', (c) => c.notNull())
      .addColumn('code', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('terminal_pk', ['tenant', 'store_code', 'code'])
      .execute();
    await withSequence(db.schema.createTable('staff'), 'seq', dialect)
      .addColumn('id', 'text', (c) => c.notNull().unique())
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('store_code', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('staff_by_store').on('staff').columns(['tenant', 'store_code', 'seq']).execute();
  },
};
