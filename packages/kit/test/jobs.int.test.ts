import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { acrossTenants, defineService, EmbeddedBus, type KitTables } from '../src/index.js';
import { pgReplicas } from './pg-replicas.js';

interface TickTables extends KitTables {
  tick: { replica: string; at: string };
}

const EVERY_MS = 100;

/** A schema of its own in the test server's database. */
const SERVICE = `ticker_${randomUUID().replace(/-/g, '').slice(0, 12)}`;

/** A service with one job, run by the replica named: each tick it takes is a row. */
const ticker = (replica: string) =>
  defineService<TickTables>({
    name: SERVICE,
    prefix: '/api/ticker',
    description: 'kit test service',
    migrations: {
      '0001': async (db) => {
        await db.schema.createTable('tick').ifNotExists().addColumn('replica', 'text').addColumn('at', 'text').execute();
      },
    },
    routes: [],
    jobs: [
      {
        name: 'tick',
        everyMs: EVERY_MS,
        acrossTenants: 'the test job counts its own ticks',
        run: async (tx) => {
          await tx.db.insertInto('tick').values({ replica, at: new Date().toISOString() }).execute();
        },
      },
    ],
  });

/** A scheduled job on PostgreSQL runs once per tick across the replicas of its service, not once per replica. */
describe('jobs with replicas (PostgreSQL)', () => {
  const replicas = pgReplicas(SERVICE);

  it('takes each tick on one replica, and keeps ticking on the other when one stops', async () => {
    const replica = (id: string) => replicas.start(ticker(id), (dataDir) => new EmbeddedBus(dataDir, replicas.logger));
    const a = await replica('a');
    const b = await replica('b');
    const count = async () =>
      acrossTenants('the test counts ticks', () => a.sdb.db.selectFrom('tick').select(['replica']).execute()).then((rows) => ({
        a: rows.filter((r) => r.replica === 'a').length,
        b: rows.filter((r) => r.replica === 'b').length,
      }));
    const started = Date.now();
    await new Promise((r) => setTimeout(r, 2000));
    const both = await count();
    const ticks = (Date.now() - started) / EVERY_MS;
    // Once per tick between them (20 in 2 s), not once per replica (40).
    expect(both.a + both.b, JSON.stringify(both)).toBeGreaterThanOrEqual(ticks * 0.6);
    expect(both.a + both.b, JSON.stringify(both)).toBeLessThanOrEqual(ticks * 1.15);

    await a.stop();
    await new Promise((r) => setTimeout(r, 1000));
    const after = await acrossTenants('the test counts ticks', () => b.sdb.db.selectFrom('tick').select(['replica']).execute());
    expect(after.filter((r) => r.replica === 'b').length, 'the other replica takes the ticks').toBeGreaterThanOrEqual(both.b + 6);
    await b.stop();
  });
});
