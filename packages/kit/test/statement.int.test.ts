import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { acrossTenants, deadlineSignal, migrate, openDatabase, runWithContext, sql, statement, TenantScopeError, type Dialect, type Migrations, type ServiceDatabase } from '../src/index.js';

interface Tables {
  item: { tenant: string; id: number; name: string; price: number };
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
    await db.schema.createTable('note').addColumn('id', 'integer', (c) => c.primaryKey()).addColumn('text', 'text').execute();
  },
};

const as = <T>(tenant: string, fn: () => Promise<T>) => runWithContext({ service: 'stmt', requestId: randomUUID(), tenant, signal: deadlineSignal(10_000) }, fn);
const everyBrand = <T>(fn: () => Promise<T>) => acrossTenants('the test looks at every brand', fn);

const prepare = <P extends Record<string, unknown>>() => statement<Tables, P>();
const byId = prepare<{ id: number }>()((db, p) => db.selectFrom('item').selectAll().where('id', '=', p.id));
const cheaperThan = prepare<{ price: number }>()((db, p) => db.selectFrom('item').select(['id', 'name']).where('price', '<', p.price).orderBy('id'));
const insert = prepare<{ id: number; name: string; price: number }>()((db, p) => db.insertInto('item').values({ tenant: p.tenant, id: p.id, name: p.name, price: p.price }));
const reprice = prepare<{ id: number; price: number }>()((db, p) => db.updateTable('item').set({ price: p.price }).where('id', '=', p.id));
const note = prepare<{ id: number }>()((db, p) => db.selectFrom('note').select('text').where('id', '=', p.id));

const postgres = process.env.OMNISHOP_TEST_POSTGRES;
const dialects: Dialect[] = postgres ? ['sqlite', 'postgres'] : ['sqlite'];

describe.each(dialects)('statements: compiled once, scoped like any query (%s)', (dialect) => {
  const dir = mkdtempSync(join(tmpdir(), 'omnishop-stmt-'));
  const service = `stmt_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  let sdb: ServiceDatabase<Tables>;

  beforeAll(async () => {
    sdb = openDatabase<Tables>({ service, dataDir: dir, url: dialect === 'postgres' ? postgres : undefined });
    await migrate(sdb, service, migrations);
  });
  afterAll(async () => {
    if (dialect === 'postgres') await sql`drop schema ${sql.id(service)} cascade`.execute(sdb.db);
    await sdb.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() =>
    everyBrand(async () => {
      await sdb.db.deleteFrom('item').execute();
      await sdb.db.deleteFrom('note').execute();
      await sdb.db
        .insertInto('item')
        .values([
          { tenant: 'acme', id: 1, name: 'acme tee', price: 100 },
          { tenant: 'acme', id: 2, name: 'acme cap', price: 300 },
          { tenant: 'zeta', id: 1, name: 'zeta tee', price: 50 },
        ])
        .execute();
      await sdb.db.insertInto('note').values({ id: 1, text: 'shared' }).execute();
    }),
  );

  it("reads only the context brand's rows, with new values on every run", async () => {
    expect(await as('acme', () => byId.first(sdb.db, { id: 1 }))).toMatchObject({ tenant: 'acme', name: 'acme tee' });
    expect(await as('zeta', () => byId.first(sdb.db, { id: 1 }))).toMatchObject({ tenant: 'zeta', name: 'zeta tee' });
    expect(await as('zeta', () => byId.first(sdb.db, { id: 2 }))).toBeUndefined();
    expect(await as('acme', () => cheaperThan.all(sdb.db, { price: 1000 }))).toEqual([
      { id: 1, name: 'acme tee' },
      { id: 2, name: 'acme cap' },
    ]);
  });

  it('inside a transaction, sees and rolls back with the transaction', async () => {
    await as('acme', async () => {
      await sdb.db
        .transaction()
        .execute(async (trx) => {
          expect(await insert.run(trx, { id: 3, name: 'acme bag', price: 900 })).toBe(1);
          expect(await reprice.run(trx, { id: 1, price: 150 })).toBe(1);
          expect(await byId.first(trx, { id: 3 })).toMatchObject({ name: 'acme bag' });
          throw new Error('roll back');
        })
        .catch(() => undefined);
      expect(await byId.first(sdb.db, { id: 3 })).toBeUndefined();
      expect(await byId.first(sdb.db, { id: 1 })).toMatchObject({ price: 100 });
    });
  });

  it('updates and inserts only for the context brand; naming another brand is refused', async () => {
    expect(await as('zeta', () => reprice.run(sdb.db, { id: 2, price: 1 }))).toBe(0);
    await expect(as('acme', () => insert.run(sdb.db, { tenant: 'zeta', id: 9, name: 'forged', price: 1 }))).rejects.toBeInstanceOf(TenantScopeError);
    await as('zeta', () => insert.run(sdb.db, { id: 9, name: 'zeta bag', price: 1 }));
    expect(await everyBrand(() => sdb.db.selectFrom('item').select('tenant').where('id', '=', 9).execute())).toEqual([{ tenant: 'zeta' }]);
  });

  it('refuses a brand table with no brand in context; across brands it takes the brand given', async () => {
    await expect(byId.first(sdb.db, { id: 1 })).rejects.toBeInstanceOf(TenantScopeError);
    await expect(everyBrand(() => insert.run(sdb.db, { id: 7, name: 'nobody', price: 1 }))).rejects.toBeInstanceOf(TenantScopeError);
    await everyBrand(() => insert.run(sdb.db, { tenant: 'zeta', id: 7, name: 'zeta sock', price: 5 }));
    expect(await as('zeta', () => byId.first(sdb.db, { id: 7 }))).toMatchObject({ name: 'zeta sock' });
    // A table without a tenant column needs no brand.
    expect(await note.first(sdb.db, { id: 1 })).toEqual({ text: 'shared' });
  });

  it('fails once the deadline has passed, before reaching the database', async () => {
    const expired = runWithContext({ service: 'stmt', requestId: 'late', tenant: 'acme', signal: AbortSignal.abort() }, () => byId.first(sdb.db, { id: 1 }));
    await expect(expired).rejects.toMatchObject({ status: 504 });
  });
});
