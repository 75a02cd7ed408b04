import { beforeEach, describe, expect, it } from 'vitest';
import { TenantScopeError } from '../src/index.js';
import { as, brandDatabase, dialects, everyBrand } from './brand-fixture.js';

describe.each(dialects)('brand isolation in the data layer (%s)', (dialect) => {
  const database = brandDatabase(dialect);
  const db = () => database.get().db;

  beforeEach(() =>
    everyBrand(async () => {
      for (const table of ['item', 'tag', 'counter', 'note'] as const) await db().deleteFrom(table).execute();
      await db()
        .insertInto('item')
        .values([
          { tenant: 'acme', id: 1, name: 'acme tee', price: 100 },
          { tenant: 'acme', id: 2, name: 'acme hat', price: 200 },
          { tenant: 'zeta', id: 1, name: 'zeta tee', price: 300 },
          { tenant: 'zeta', id: 3, name: 'zeta bag', price: 400 },
        ])
        .execute();
      await db()
        .insertInto('tag')
        .values([
          { tenant: 'acme', item_id: 1, label: 'acme-new' },
          { tenant: 'zeta', item_id: 1, label: 'zeta-sale' },
          { tenant: 'zeta', item_id: 2, label: 'zeta-hot' },
        ])
        .execute();
      await db().insertInto('counter').values({ id: 'shared', tenant: 'zeta', n: 7 }).execute();
    }),
  );

  it('returns only the context tenant rows from a query that filters nothing by hand', async () => {
    const names = await as('acme', () => db().selectFrom('item').select('name').orderBy('name').execute());
    expect(names.map((r) => r.name)).toEqual(['acme hat', 'acme tee']);
    const byId = await as('acme', () => db().selectFrom('item').select('name').where('id', '=', 3).execute());
    expect(byId).toEqual([]);
    // An OR written by hand cannot widen the scope.
    const either = await as('acme', () =>
      db().selectFrom('item').select('name').where((eb) => eb.or([eb('id', '=', 1), eb('id', '=', 3)])).orderBy('name').execute(),
    );
    expect(either.map((r) => r.name)).toEqual(['acme tee']);
  });

  it('scopes joined tables by their alias, keeping a left join a left join', async () => {
    const rows = await as('acme', () =>
      db()
        .selectFrom('item as i')
        .leftJoin('tag as t', 't.item_id', 'i.id')
        .select(['i.name', 't.label'])
        .orderBy('i.name')
        .execute(),
    );
    expect(rows).toEqual([
      { name: 'acme hat', label: null },
      { name: 'acme tee', label: 'acme-new' },
    ]);
    const inner = await as('zeta', () => db().selectFrom('tag').innerJoin('item', 'item.id', 'tag.item_id').select(['item.name', 'tag.label']).execute());
    expect(inner).toEqual([{ name: 'zeta tee', label: 'zeta-sale' }]);
  });

  it('scopes subqueries and aggregates', async () => {
    const tagged = await as('acme', () =>
      db()
        .selectFrom('item')
        .select('name')
        .where('id', 'in', (eb) => eb.selectFrom('tag').select('item_id'))
        .execute(),
    );
    expect(tagged.map((r) => r.name)).toEqual(['acme tee']);
    const total = await as('zeta', () => db().selectFrom('item').select((eb) => eb.fn.sum<number>('price').as('total')).executeTakeFirstOrThrow());
    expect(Number(total.total)).toBe(700);
    const counted = await as('acme', () =>
      db()
        .selectFrom('item')
        .select((eb) => ['name', eb.selectFrom('tag').whereRef('tag.item_id', '=', 'item.id').select((e) => e.fn.countAll<number>().as('n')).as('tags')])
        .orderBy('name')
        .execute(),
    );
    expect(counted.map((r) => [r.name, Number(r.tags)])).toEqual([
      ['acme hat', 0],
      ['acme tee', 1],
    ]);
  });

  it('updates and deletes only the context tenant rows', async () => {
    const updated = await as('acme', () => db().updateTable('item').set({ price: 1 }).executeTakeFirst());
    expect(Number(updated.numUpdatedRows)).toBe(2);
    const deleted = await as('acme', () => db().deleteFrom('tag').executeTakeFirst());
    expect(Number(deleted.numDeletedRows)).toBe(1);
    const rest = await everyBrand(() => db().selectFrom('item').select(['tenant', 'price']).orderBy('tenant').orderBy('id').execute());
    expect(rest).toEqual([
      { tenant: 'acme', price: 1 },
      { tenant: 'acme', price: 1 },
      { tenant: 'zeta', price: 300 },
      { tenant: 'zeta', price: 400 },
    ]);
    expect(await everyBrand(() => db().selectFrom('tag').select('label').orderBy('label').execute())).toEqual([{ label: 'zeta-hot' }, { label: 'zeta-sale' }]);
  });

  it('fills in the tenant of an insert, and refuses one for another brand', async () => {
    await as('acme', () => db().insertInto('tag').values({ item_id: 2, label: 'acme-filled' } as never).execute());
    expect(await everyBrand(() => db().selectFrom('tag').select('tenant').where('label', '=', 'acme-filled').execute())).toEqual([{ tenant: 'acme' }]);
    await expect(as('acme', () => db().insertInto('item').values({ tenant: 'zeta', id: 9, name: 'forged', price: 1 }).execute())).rejects.toThrow(TenantScopeError);
    const mixed = [
      { tenant: 'acme', id: 8, name: 'ok', price: 1 },
      { tenant: 'zeta', id: 9, name: 'forged', price: 1 },
    ];
    await expect(as('acme', () => db().insertInto('item').values(mixed).execute())).rejects.toThrow(TenantScopeError);
    await expect(as('acme', () => db().updateTable('item').set({ tenant: 'zeta' }).execute())).rejects.toThrow(TenantScopeError);
    expect(await everyBrand(() => db().selectFrom('item').select('id').where('id', 'in', [8, 9]).execute())).toEqual([]);
  });

  it('leaves another brand row alone when an upsert meets it', async () => {
    await as('acme', () =>
      db()
        .insertInto('counter')
        .values({ id: 'shared', tenant: 'acme', n: 1 })
        .onConflict((oc) => oc.column('id').doUpdateSet({ n: 100 }))
        .execute(),
    );
    // A condition of its own, even an OR, cannot widen it.
    await as('acme', () =>
      db()
        .insertInto('counter')
        .values({ id: 'shared', tenant: 'acme', n: 1 })
        .onConflict((oc) =>
          oc
            .column('id')
            .doUpdateSet({ n: 100 })
            .where((eb) => eb.or([eb('counter.n', '=', 7), eb('counter.n', '=', 8)])),
        )
        .execute(),
    );
    expect(await everyBrand(() => db().selectFrom('counter').selectAll().execute())).toEqual([{ id: 'shared', tenant: 'zeta', n: 7 }]);
    await as('zeta', () =>
      db()
        .insertInto('counter')
        .values({ id: 'shared', tenant: 'zeta', n: 1 })
        .onConflict((oc) => oc.column('id').doUpdateSet((eb) => ({ n: eb('counter.n', '+', 1) })))
        .execute(),
    );
    expect(await everyBrand(() => db().selectFrom('counter').select('n').executeTakeFirstOrThrow())).toEqual({ n: 8 });
  });

  it('refuses a query on a tenant table with no tenant in context, unless the work spans brands explicitly', async () => {
    await expect(db().selectFrom('item').selectAll().execute()).rejects.toThrow(/no tenant in context/);
    await expect(db().deleteFrom('item').execute()).rejects.toThrow(TenantScopeError);
    expect(await everyBrand(() => db().selectFrom('item').selectAll().execute())).toHaveLength(4);
    // A table with no tenant column is nobody's brand data.
    await db().insertInto('note').values({ id: 1, text: 'shared' }).execute();
    expect(await db().selectFrom('note').select('text').execute()).toEqual([{ text: 'shared' }]);
  });

  it('refuses every scoped query until it knows the tenant tables', async () => {
    const fresh = database.openAgain();
    try {
      await expect(as('acme', () => fresh.db.selectFrom('note').selectAll().execute())).rejects.toThrow(/not known yet/);
    } finally {
      await fresh.close();
    }
  });
});
