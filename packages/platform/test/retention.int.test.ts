import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acrossTenants, type KitTables } from '@omnishop/kit';
import { eventually, finalOrder, newKey, settled, startTestPlatform, stockedSku, type TestPlatform } from './harness.js';

const DAY_MS = 86_400_000;
const eightDaysAgo = () => new Date(Date.now() - 8 * DAY_MS).toISOString();

/**
 * The kit's bookkeeping and the embedded bus log are kept for RETENTION_SECONDS
 * (7 days by default) and pruned every PRUNE_EVERY_MS, here every 100 ms: rows
 * made "old" by moving their time back 8 days go, recent ones stay, and no
 * processed-event record goes while its event may still be delivered again.
 */
describe('retention: old bookkeeping is pruned, recent kept, effects stay exactly once', () => {
  let t: TestPlatform;
  let sku: string;
  const customer = () => t.token('customer', { subject: 'alice' });
  const kit = (service: string) => t.platform.runtimes.find((r) => r.name === service)!.sdb.db;
  const everywhere = <T>(fn: (db: Kysely<KitTables>) => Promise<T>) =>
    acrossTenants('the test reads and backdates every brand\'s bookkeeping', () => Promise.all(t.platform.runtimes.map((r) => fn(kit(r.name)))));
  const busLog = <T>(fn: (db: SQLite.Database) => T): T => {
    const db = new SQLite(join(t.config.dataDir, 'bus.db'));
    try {
      return fn(db);
    } finally {
      db.close();
    }
  };
  const processedIn = (service: string) =>
    acrossTenants('the test counts', async () => (await kit(service).selectFrom('processed_event').select(['event_id', 'processed_at']).execute()));
  const reserved = async () => {
    const res = await t.api('GET', `/api/inventory/stock?sku=${sku}`, { token: await t.token('brand_admin') });
    return res.body.total.reserved as number;
  };
  const order = async (key: string) => {
    const token = await customer();
    const placed = await t.api('POST', '/api/orders', { token, idempotencyKey: key, body: { lines: [{ sku, qty: 1 }] } });
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    expect((await finalOrder(t, token, placed.body.id)).status).toBe('confirmed');
    return placed.body.id as string;
  };

  const oldKey = newKey();
  const recentKey = newKey();
  let oldProcessed: Set<string>;

  beforeAll(async () => {
    t = await startTestPlatform({ PRUNE_EVERY_MS: '100' });
    sku = await stockedSku(t, { stock: { WH_SH: 10 } });
    for (const subject of ['gone-user', 'kept-user']) {
      expect((await t.api('POST', '/api/auth/signout', { token: await t.token('customer', { subject }) })).status).toBe(204);
    }
    // After the sign-outs: groups that handle only AccessRevoked (catalog) have their cursors behind this order's events.
    await order(oldKey);
    await settled(t);
    // On the embedded bus a consumer keeps its place in the log, not a record per event; a consumer on
    // JetStream records each event it handled. Those records, as inventory and order would have them:
    const logged = busLog((db) => db.prepare('select id, tenant from bus_log').all() as { id: string; tenant: string }[]);
    await acrossTenants('the test writes JetStream-style records', () =>
      Promise.all(
        ['inventory', 'order'].map((service) =>
          kit(service)
            .insertInto('processed_event')
            .values(logged.map((e) => ({ consumer: service, event_id: e.id, tenant: e.tenant, processed_at: new Date().toISOString() })))
            .execute(),
        ),
      ),
    );
    // Everything so far becomes 8 days old: the bus log, processed events, the first order's key, one revocation.
    await t.platform.bus.stop();
    // The log first, and inventory's acknowledgements lost (its cursor back to the start: every old event is due
    // to it again) before its records age: a pruning run in between then already keeps them.
    busLog((db) => db.prepare("update bus_log set envelope = json_set(envelope, '$.time', ?)").run(eightDaysAgo()));
    busLog((db) => db.prepare("update bus_cursor set seq = 0 where grp = 'inventory'").run());
    await everywhere(async (db) => {
      await db.updateTable('processed_event').set({ processed_at: eightDaysAgo() }).execute();
      await db.updateTable('idempotency_key').set({ created_at: eightDaysAgo() }).where('key', '=', oldKey).execute();
      await db.updateTable('access_revocation').set({ revoked_before: eightDaysAgo() }).where('subject', '=', 'gone-user').execute();
    });
    oldProcessed = new Set((await processedIn('inventory')).map((r) => r.event_id));
  });
  afterAll(() => t?.stop());

  it("keeps the processed-event records of events a group may be delivered again, and prunes others' old ones", async () => {
    await eventually(async () => ((await processedIn('order')).length === 0 ? true : undefined), "the order service's old records to go");
    await new Promise((r) => setTimeout(r, 500)); // several more runs of every service's pruning
    expect(new Set((await processedIn('inventory')).map((r) => r.event_id))).toEqual(oldProcessed);
  });

  it('prunes old Idempotency-Key and revocation records and keeps recent ones', async () => {
    await eventually(async () => {
      const rows = await everywhere((db) => db.selectFrom('idempotency_key').select('key').where('key', '=', oldKey).execute());
      return rows.every((r) => r.length === 0) ? true : undefined;
    }, 'the old key to go');
    const revoked = await everywhere((db) => db.selectFrom('access_revocation').select('subject').execute());
    for (const subjects of revoked) expect(subjects.map((r) => r.subject)).toEqual(['kept-user']);
  });

  it('redelivers the unacknowledged events without effect twice, then prunes their records and the old bus log', async () => {
    const before = await reserved();
    await t.platform.bus.start();
    await settled(t);
    expect(before).toBe(1);
    expect(await reserved()).toBe(before); // OrderPlaced delivered again, recognised by inventory's place in the log: nothing held twice
    const recentOrder = await order(recentKey);
    await settled(t);
    await eventually(async () => ((await processedIn('inventory')).every((r) => !oldProcessed.has(r.event_id)) ? true : undefined), "inventory's old records to go once acknowledged");
    await eventually(async () => {
      const keys = busLog((db) => db.prepare('select key from bus_log').all() as { key: string }[]);
      return keys.length > 0 && keys.every((k) => k.key === recentOrder) ? true : undefined;
    }, 'the old bus log to go, the recent order\'s events to stay');
    const replayed = await t.api('POST', '/api/orders', { token: await customer(), idempotencyKey: recentKey, body: { lines: [{ sku, qty: 1 }] } });
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
  });
});
