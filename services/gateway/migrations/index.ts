import type { Migrations } from '@omnishop/kit';
import { storeRegisterMigration } from '@omnishop/store-register';

export const migrations: Migrations = {
  '0001-gateway': async (db) => {
    await db.schema
      .createTable('app_user')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('username', 'text', (c) => c.notNull())
      .addColumn('password_hash', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('store', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('failed_attempts', 'integer', (c) => c.notNull())
      .addColumn('locked_until', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('app_user_name', ['tenant', 'username'])
      .execute();
    await db.schema
      .createTable('refresh_token')
      .addColumn('token_hash', 'text', (c) => c.primaryKey())
      .addColumn('family', 'text', (c) => c.notNull())
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('used_at', 'text')
      .addColumn('revoked_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('refresh_token_by_family').on('refresh_token').columns(['family']).execute();
    await db.schema.createIndex('refresh_token_by_user').on('refresh_token').columns(['tenant', 'user_id']).execute();
  },
  // The store register: store staff work at an open store or warehouse.
  '0002-location-register': storeRegisterMigration,
};
