import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { acrossTenants, migrate, openDatabase, runWithContext, sql, type Dialect, type Migrations, type ServiceDatabase } from '../src/index.js';

/** Tables of two brands side by side, for the data layer's brand-isolation tests; `note` has no tenant. */
export interface BrandTables {
  item: { tenant: string; id: number; name: string; price: number };
  tag: { tenant: string; item_id: number; label: string };
  counter: { id: string; tenant: string; n: number };
  note: { id: number; text: string };
}

const migrations: Migrations = {
  '0001': async (db) => {
    await db.schema
      .createTable('item')
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('id', 'integer', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('price', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('item_pk', ['tenant', 'id'])
      .execute();
    await db.schema
      .createTable('tag')
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('item_id', 'integer', (c) => c.notNull())
      .addColumn('label', 'text', (c) => c.notNull())
      .execute();
    // Keyed without the tenant: an upsert on it could meet another brand's row.
    await db.schema
      .createTable('counter')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('n', 'integer', (c) => c.notNull())
      .execute();
    await db.schema.createTable('note').addColumn('id', 'integer', (c) => c.primaryKey()).addColumn('text', 'text').execute();
  },
};

/** Runs `fn` as work for one brand. */
export const as = <T>(tenant: string, fn: () => Promise<T>) =>
  runWithContext({ service: 'brand-fixture', requestId: randomUUID(), tenant, signal: AbortSignal.timeout(10_000) }, fn);
export const everyBrand = <T>(fn: () => Promise<T>) => acrossTenants('the test looks at every brand', fn);

const postgres = process.env.OMNISHOP_TEST_POSTGRES;
/** SQLite always; PostgreSQL too when the suite has a server. */
export const dialects: Dialect[] = postgres ? ['sqlite', 'postgres'] : ['sqlite'];

/**
 * A fresh database of these tables for the enclosing describe block, dropped
 * after it: `get()` once its beforeAll ran, and `openAgain()` for a second
 * connection to it that has not learnt its tenant tables.
 */
export function brandDatabase(dialect: Dialect) {
  const dir = mkdtempSync(join(tmpdir(), 'omnishop-brands-'));
  const service = `brands_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const open = (more: { poolMax?: number } = {}) => openDatabase<BrandTables>({ service, dataDir: dir, url: dialect === 'postgres' ? postgres : undefined, ...more });
  let sdb: ServiceDatabase<BrandTables>;
  beforeAll(async () => {
    sdb = open();
    await migrate(sdb, service, migrations);
  });
  afterAll(async () => {
    if (dialect === 'postgres') await sql`drop schema ${sql.id(service)} cascade`.execute(sdb.db);
    await sdb.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { get: () => sdb, openAgain: open };
}
