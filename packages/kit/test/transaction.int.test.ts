import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createLogger,
  currentContext,
  defineEvent,
  EmbeddedBus,
  eventMigrations,
  migrate,
  openDatabase,
  Relay,
  runWithContext,
  unitOfWork,
  type EventTables,
  type ServiceDatabase,
} from '../src/index.js';

interface T {
  item: { id: number };
}
const Added = defineEvent('Added', 1, 'test', Type.Object({ id: Type.Integer() }));

describe('unit of work on SQLite: concurrent units share commits, and each stays atomic', () => {
  const dir = mkdtempSync(join(tmpdir(), 'omnishop-uow-'));
  const logger = createLogger({ level: 'silent' });
  let sdb: ServiceDatabase<T>;
  let bus: EmbeddedBus;
  beforeAll(async () => {
    sdb = openDatabase<T>({ service: 'items', dataDir: dir });
    await migrate(sdb, 'items', {
      ...eventMigrations,
      '0001': async (db) => void (await db.schema.createTable('item').addColumn('id', 'integer', (c) => c.primaryKey()).execute()),
    });
    bus = new EmbeddedBus(dir, logger);
  });
  afterAll(async () => {
    await sdb.close();
    await bus.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('makes the writes left for the commit after the work, in its context, and a unit whose last write fails leaves nothing', async () => {
    const relay = new Relay(sdb.db as unknown as Kysely<EventTables>, bus, logger);
    relay.nudge = () => {};
    const uow = unitOfWork('items', sdb, relay, [Added]);
    const madeFor: string[] = [];
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, (_, n) =>
        runWithContext({ service: 'items', requestId: `late${n}`, tenant: 'acme', signal: AbortSignal.timeout(5000) }, () =>
          uow.run(async (tx) => {
            const id = 5000 + n;
            tx.beforeCommit(async () => {
              // After the work: its row is there.
              const mine = await tx.db.selectFrom('item').select('id').where('id', '=', id).execute();
              await tx.db.insertInto('item').values({ id: id + 100 }).execute();
              madeFor.push(`${currentContext()?.requestId}:${mine.length}`);
              if (n % 4 === 0) throw new Error(`last write of ${n} fails`);
            });
            await tx.db.insertInto('item').values({ id }).execute();
            return n;
          }),
        ),
      ),
    );
    const succeeded = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    expect(succeeded).toEqual(Array.from({ length: 20 }, (_, n) => n).filter((n) => n % 4 !== 0));
    const rows = (await sdb.db.selectFrom('item').select('id').where('id', '>=', 5000).orderBy('id').execute()).map((r) => r.id);
    await sdb.db.deleteFrom('item').where('id', '>=', 5000).execute();
    expect(rows).toEqual([...succeeded.map((n) => 5000 + n), ...succeeded.map((n) => 5100 + n)]);
    expect(madeFor.sort()).toEqual(Array.from({ length: 20 }, (_, n) => `late${n}:1`).sort());
  });

  it('commits the units that succeed and leaves no row and no event of the ones that fail', async () => {
    const relay = new Relay(sdb.db as unknown as Kysely<EventTables>, bus, logger);
    relay.nudge = () => {}; // keep events in the outbox, to count them
    const uow = unitOfWork('items', sdb, relay, [Added]);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 40 }, (_, id) =>
        runWithContext({ service: 'items', requestId: `r${id}`, tenant: 'acme', signal: AbortSignal.timeout(5000) }, () =>
          uow.run(async (tx) => {
            await tx.db.insertInto('item').values({ id }).execute();
            tx.emit(Added, String(id), { id });
            if (id % 3 === 0) throw new Error(`unit ${id} fails after writing`);
            return id;
          }),
        ),
      ),
    );
    const succeeded = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    expect(succeeded).toEqual(Array.from({ length: 40 }, (_, i) => i).filter((i) => i % 3 !== 0));
    expect(outcomes.filter((o) => o.status === 'rejected').map((o) => String((o as PromiseRejectedResult).reason))).toContain('Error: unit 3 fails after writing');
    const rows = (await sdb.db.selectFrom('item').select('id').orderBy('id').execute()).map((r) => r.id);
    expect(rows).toEqual(succeeded);
    const outbox = await runWithContext({ service: 'items', requestId: 'check', tenant: 'acme', signal: AbortSignal.timeout(5000) }, () =>
      (sdb.db as unknown as Kysely<EventTables>).selectFrom('outbox').select('key').orderBy('seq').execute(),
    );
    expect(outbox.map((o) => Number(o.key))).toEqual(succeeded);
  });

  it('past its queue limit refuses requests with 503 and writes nothing for them, while background work waits its turn', async () => {
    const relay = new Relay(sdb.db as unknown as Kysely<EventTables>, bus, logger);
    const uow = unitOfWork('items', sdb, relay, [Added], { queueLimitMs: 30 });
    const insert = (id: number, background = false) => uow.run(async (tx) => void (await tx.db.insertInto('item').values({ id }).execute()), { background });
    // One slow unit holds the group; what queues behind it waits longer than the limit.
    const slow = uow.run(async (tx) => {
      await new Promise((r) => setTimeout(r, 120));
      await tx.db.insertInto('item').values({ id: 1000 }).execute();
    });
    await new Promise((r) => setTimeout(r, 10));
    const late = Promise.allSettled([insert(1001), insert(1002)]);
    const chore = insert(1003, true);
    await slow;
    for (const refused of await late) {
      expect(refused.status).toBe('rejected');
      expect((refused as PromiseRejectedResult).reason).toMatchObject({ status: 503, type: expect.stringContaining('overloaded'), headers: { 'retry-after': '1' } });
    }
    await chore;
    // Not refused once the queue is short again.
    await insert(1004);
    const rows = (await sdb.db.selectFrom('item').select('id').where('id', '>=', 1000).orderBy('id').execute()).map((r) => r.id);
    expect(rows).toEqual([1000, 1003, 1004]);
  });

  it('commits a flood of requests over several groups of about 10 ms each, and runs the waiting background unit in the first of them', async () => {
    const relay = new Relay(sdb.db as unknown as Kysely<EventTables>, bus, logger);
    const uow = unitOfWork('items', sdb, relay, [Added]);
    const settled: string[] = [];
    const busy = (ms: number) => {
      const until = performance.now() + ms;
      while (performance.now() < until); // a unit that holds the event loop, as SQLite work does
    };
    const insert = (id: number, background = false) =>
      uow.run(async (tx) => {
        busy(1);
        await tx.db.insertInto('item').values({ id }).execute();
      }, { background }).then(() => void settled.push(background ? 'chore' : `request ${id}`));
    await Promise.all([...Array.from({ length: 60 }, (_, i) => insert(2000 + i)), insert(2100, true)]);
    // 60 ms of requests do not fit one group: the chore commits with the first, not after every request.
    expect(settled.indexOf('chore')).toBeLessThan(30);
    expect(settled.filter((s) => s.startsWith('request'))).toEqual(Array.from({ length: 60 }, (_, i) => `request ${2000 + i}`));
    const rows = await sdb.db.selectFrom('item').select('id').where('id', '>=', 2000).execute();
    expect(rows).toHaveLength(61);
  });

  it('refuses a unit of work started inside another, instead of waiting forever', async () => {
    const relay = new Relay(sdb.db as unknown as Kysely<EventTables>, bus, logger);
    const uow = unitOfWork('items', sdb, relay, [Added]);
    const nested = uow.run(async () => uow.run(async () => 'inner'));
    await expect(nested).rejects.toThrow('started another');
  });
});
