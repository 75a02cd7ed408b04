import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lastInTransaction, PostgresClient } from '../src/db/postgres-client.js';

// Named statements first in a transaction: statement.int.test.ts (prepared once per connection).
describe('a PostgreSQL connection of the kit', () => {
  let client: PostgresClient;
  /** ReadyForQuery messages: one per round trip the server answered. */
  let roundTrips = 0;

  beforeEach(async () => {
    client = new PostgresClient({ connectionString: process.env.OMNISHOP_TEST_POSTGRES });
    await client.connect();
    await client.query('create temp table kv (id int primary key, v text not null)');
    (client as unknown as { connection: NodeJS.EventEmitter }).connection.on('readyForQuery', () => roundTrips++);
    roundTrips = 0;
  });
  afterEach(() => client.end());

  const rows = async () => (await client.query('select id, v from kv order by id', [])).rows;

  it("sends a transaction's begin with its first statement: one round trip for both", async () => {
    await client.query('begin', []);
    await client.query('insert into kv (id, v) values ($1, $2)', [1, 'one']);
    expect(roundTrips).toBe(1);
    await client.query('insert into kv (id, v) values ($1, $2)', [2, 'two']);
    await client.query('commit', []);
    expect(roundTrips).toBe(3);
    expect(await rows()).toEqual([
      { id: 1, v: 'one' },
      { id: 2, v: 'two' },
    ]);
  });

  it('keeps the transaction whole: rolled back, its first statement is undone', async () => {
    await client.query('begin', []);
    await client.query('insert into kv (id, v) values ($1, $2)', [1, 'one']);
    await client.query('rollback', []);
    expect(await rows()).toEqual([]);
  });

  it('fails a first statement that fails, in a transaction that then rolls back, and the connection carries on', async () => {
    await client.query('insert into kv (id, v) values ($1, $2)', [1, 'one']);
    await client.query('begin', []);
    await expect(client.query('insert into kv (id, v) values ($1, $2)', [1, 'again'])).rejects.toMatchObject({ code: '23505' });
    await expect(client.query('insert into kv (id, v) values ($1, $2)', [2, 'two'])).rejects.toMatchObject({ code: '25P02' }); // still in the aborted transaction
    await client.query('rollback', []);
    expect(await rows()).toEqual([{ id: 1, v: 'one' }]);
  });

  it('sends begin on its own before anything it cannot go with: a commit of nothing, a statement without values', async () => {
    await client.query('begin', []);
    await client.query('commit', []);
    expect(roundTrips).toBe(2);
    await client.query('begin', []);
    expect((await client.query('select 1 as one', [])).rows).toEqual([{ one: 1 }]);
    await client.query('insert into kv (id, v) values ($1, $2)', [1, 'one']);
    await client.query('rollback', []);
    expect(await rows()).toEqual([]);
  });
  it('sends the commit with the last statement of a transaction: committed in that round trip, the commit after it has nothing to do', async () => {
    const other = new PostgresClient({ connectionString: process.env.OMNISHOP_TEST_POSTGRES });
    await other.connect();
    try {
      await client.query('create table if not exists pipelined_commit (id int primary key)');
      await client.query('delete from pipelined_commit');
      roundTrips = 0;
      await client.query('begin', []);
      await lastInTransaction(() => client.query('insert into pipelined_commit (id) values ($1)', [7]));
      expect(roundTrips).toBe(1); // begin, the insert and the commit
      expect((await other.query('select id from pipelined_commit', [])).rows).toEqual([{ id: 7 }]); // already committed
      await client.query('commit', []);
      expect(roundTrips).toBe(1);
      await client.query('drop table pipelined_commit');
    } finally {
      await other.end();
    }
  });

  it('commits nothing when the last statement fails, or its values cannot be sent', async () => {
    const unsendable = { toPostgres: () => { throw new Error('no wire form'); } };
    for (const [value, failure] of [[1, { code: '23505' }], [unsendable, { message: 'no wire form' }]] as const) {
      await client.query('insert into kv (id, v) values ($1, $2)', [1, 'one']);
      await client.query('begin', []);
      await client.query('insert into kv (id, v) values ($1, $2)', [2, 'two']);
      await expect(lastInTransaction(() => client.query('insert into kv (id, v) values ($1, $2)', [value, 'last']))).rejects.toMatchObject(failure);
      await client.query('rollback', []);
      expect(await rows()).toEqual([{ id: 1, v: 'one' }]);
      await client.query('delete from kv', []);
    }
  });
});
