import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acrossTenants, migrate, openDatabase, type ServiceDatabase } from '@omnishop/kit';
import type { CustomerTables } from '../db.js';
import { migrations } from '../migrations/index.js';
import { freshPostgresDatabase } from '../../../packages/platform/test/harness.js';

/**
 * The refunds migration on a database that already holds a ledger: on SQLite
 * here, and on PostgreSQL in the integration-pg project.
 */
describe('customer migrations: 0002-refunds on an existing database', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function databaseAt0001(): Promise<ServiceDatabase<CustomerTables>> {
    const dataDir = mkdtempSync(join(tmpdir(), 'omnishop-customer-migrations-'));
    const postgres = await freshPostgresDatabase();
    const sdb = openDatabase<CustomerTables>({ service: 'customer', dataDir, url: postgres?.url });
    cleanups.push(async () => {
      await sdb.close();
      await postgres?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    });
    expect(await migrate(sdb, 'customer', { '0001-customer': migrations['0001-customer']! })).toEqual(['0001-customer']);
    return sdb;
  }

  const entry = (order_id: string | null, delta: number, reason: 'earned' | 'reversed' | 'adjusted') => ({
    tenant: 'acme',
    member_id: 'carol',
    order_id,
    delta,
    reason,
    note: null,
    at: '2026-01-01T00:00:00.000Z',
  });

  // The test builds and reads the database itself, not as any one brand's work.
  it('keeps the ledger and its sequence, lets an order be reversed once per refund, and still earns it once', () => acrossTenants('a migration test reads every row', async () => {
    const sdb = await databaseAt0001();
    const { db, dialect } = sdb;
    await db.insertInto('member').values({ tenant: 'acme', id: 'carol', name: null, tier: 'bronze', joined_at: '2026-01-01T00:00:00.000Z' }).execute();
    await db.insertInto('points_entry').values([entry('o1', 100, 'earned'), entry('o1', -100, 'reversed'), entry('o2', 50, 'earned'), entry(null, 5, 'adjusted')]).execute();
    await db.insertInto('order_total').values({ tenant: 'acme', order_id: 'o2', customer_id: 'carol', total: 5_000 }).execute();
    const before = await db.selectFrom('points_entry').selectAll().orderBy('seq').execute();

    expect(await migrate(sdb, 'customer', migrations)).toEqual(['0002-refunds']);

    expect(await db.selectFrom('points_entry').selectAll().orderBy('seq').execute()).toEqual(before);
    expect(await db.selectFrom('order_total').selectAll().execute()).toEqual([{ tenant: 'acme', order_id: 'o2', customer_id: 'carol', total: 5_000 }]);
    const added = await db.insertInto('points_entry').values([entry('o2', -20, 'reversed'), entry('o2', -30, 'reversed')]).returning('seq').execute();
    expect(added.map((r) => Number(r.seq))).toEqual([5, 6]);
    await expect(db.insertInto('points_entry').values(entry('o2', 50, 'earned')).execute()).rejects.toMatchObject({
      code: dialect === 'postgres' ? '23505' : 'SQLITE_CONSTRAINT_UNIQUE',
    });
    await db.insertInto('order_refund').values({ tenant: 'acme', refund_id: 'r1', order_id: 'o2', refunded_total: 2_000 }).execute();
    await expect(db.insertInto('order_refund').values({ tenant: 'acme', refund_id: 'r1', order_id: 'o2', refunded_total: 2_000 }).execute()).rejects.toThrow();
    // Started again, nothing is left to apply.
    expect(await migrate(sdb, 'customer', migrations)).toEqual([]);
  }));
});
