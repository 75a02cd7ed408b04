import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PostgresClient } from '../src/db/postgres-client.js';

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
});
