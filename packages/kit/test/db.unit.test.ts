import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate, openDatabase, type Migrations, Problem, runWithContext, sql, withSequence } from '../src/index.js';

describe('db', () => {
  const dir = mkdtempSync(join(tmpdir(), 'omnishop-db-'));
  const sdb = openDatabase<{ note: { seq: number; text: string } }>({ service: 'notes', dataDir: dir });
  afterAll(async () => {
    await sdb.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs each migration once, in name order, at every start', async () => {
    const migrations: Migrations = {
      '0001-notes': async (db, dialect) => {
        await withSequence(db.schema.createTable('note'), 'seq', dialect).addColumn('text', 'text').execute();
      },
    };
    expect(await migrate(sdb, 'notes', migrations)).toEqual(['0001-notes']);
    expect(await migrate(sdb, 'notes', migrations)).toEqual([]);
    await sdb.db.insertInto('note').values({ text: 'a' } as never).execute();
    expect(await sdb.db.selectFrom('note').selectAll().execute()).toEqual([{ seq: 1, text: 'a' }]);
  });

  it('refuses a query once the deadline of the work it belongs to has passed', async () => {
    const expired = AbortSignal.abort();
    const error = await runWithContext({ service: 'notes', requestId: 'r', signal: expired }, () =>
      sql`select 1`.execute(sdb.db).catch((e: unknown) => e),
    );
    expect(error).toBeInstanceOf(Problem);
    expect((error as Problem).status).toBe(504);
  });

  it('refuses a database URL it cannot use, naming it', () => {
    expect(() => openDatabase({ service: 'x', dataDir: dir, url: 'mysql://nope' })).toThrow(/mysql:\/\/nope/);
  });
});
