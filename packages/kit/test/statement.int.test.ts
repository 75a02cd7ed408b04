import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isDatabaseUnavailable, runWithContext, sql, statement, TenantScopeError, type ServiceDatabase } from '../src/index.js';
import { as, brandDatabase, dialects, everyBrand, type BrandTables } from './brand-fixture.js';

const prepare = <P extends Record<string, unknown>>() => statement<BrandTables, P>();
const byId = prepare<{ id: number }>()((db, p) => db.selectFrom('item').selectAll().where('id', '=', p.id));
const cheaperThan = prepare<{ price: number }>()((db, p) => db.selectFrom('item').select(['id', 'name']).where('price', '<', p.price).orderBy('id'));
const insert = prepare<{ id: number; name: string; price: number }>()((db, p) => db.insertInto('item').values({ tenant: p.tenant, id: p.id, name: p.name, price: p.price }));
const reprice = prepare<{ id: number; price: number }>()((db, p) => db.updateTable('item').set({ price: p.price }).where('id', '=', p.id));
const note = prepare<{ id: number }>()((db, p) => db.selectFrom('note').select('text').where('id', '=', p.id));

describe.each(dialects)('statements: compiled once, scoped like any query (%s)', (dialect) => {
  const database = brandDatabase(dialect);
  let sdb: ServiceDatabase<BrandTables>;
  beforeAll(() => {
    sdb = database.get();
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

  // SQLite: every query is a prepared statement already (withStatementCache).
  it.runIf(dialect === 'postgres')('on PostgreSQL, is prepared once per connection under a name; other queries are not', async () => {
    const prepared = await sdb.db.transaction().execute(async (trx) => {
      for (const id of [1, 2, 1]) await as('acme', () => byId.first(trx, { id }));
      await as('acme', () => trx.selectFrom('item').select('name').where('price', '>', 10).execute());
      return (await sql<{ name: string; statement: string }>`select name, statement from pg_prepared_statements`.execute(trx)).rows;
    });
    expect(prepared.filter((p) => p.statement.startsWith('select * from "item"'))).toHaveLength(1);
    expect(prepared[0]!.name).toMatch(/^omnishop_[0-9a-f]{20}$/);
    expect(prepared.some((p) => p.statement.includes('"price" >'))).toBe(false);
  });

  it.runIf(dialect === 'postgres')('on PostgreSQL, one prepared before its table changed columns fails once, as unavailable (503), then runs planned anew', async () => {
    // One connection for requests (the other is background work's), so the second run meets the statement the first prepared.
    const one = database.openAgain({ poolMax: 2 });
    await one.tenantScope.learn(one.db as never, 'postgres');
    const wholeNote = prepare<{ id: number }>()((db, p) => db.selectFrom('note').selectAll().where('id', '=', p.id));
    try {
      expect(await wholeNote.first(one.db, { id: 1 })).toEqual({ id: 1, text: 'shared' });
      await sql`alter table note add column extra text`.execute(sdb.db); // another replica's migration
      const outlived = await wholeNote.first(one.db, { id: 1 }).catch((error: unknown) => error);
      expect(isDatabaseUnavailable(outlived)).toBe(true);
      expect(await wholeNote.first(one.db, { id: 1 })).toEqual({ id: 1, text: 'shared', extra: null });
    } finally {
      await sql`alter table note drop column if exists extra`.execute(sdb.db);
      await one.close();
    }
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
