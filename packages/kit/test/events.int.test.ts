import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Type } from '@sinclair/typebox';
import SQLite from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import {
  acrossTenants,
  createHttpServer,
  createEnvelope,
  createLogger,
  defineEvent,
  defineService,
  EmbeddedBus,
  handlerFor,
  routeFor,
  ServiceRuntime,
  tokenAuthority,
  type KitTables,
} from '../src/index.js';

/** A small service built from the kit alone: it records what it handled, and fails on request. */
interface ProbeTables extends KitTables {
  handled: { seq: number; event_id: string; key: string; n: number };
}

const Noted = defineEvent('Noted', 1, 'A test event.', Type.Object({ n: Type.Integer(), failTimes: Type.Integer() }));
const on = handlerFor<ProbeTables>();
const route = routeFor<ProbeTables>();
const attempts = new Map<string, number>();
/** What /slow-notes waits for before its unit of work: the test says when it is done. */
let finishSlowWork = () => {};
const slowWork = new Promise<void>((resolve) => (finishSlowWork = resolve));
/** failTimes 99 means "broken until the test heals it", like a bug fixed before a replay. */
let healed = false;

const probe = defineService<ProbeTables>({
  name: 'probe',
  prefix: '/api/probe',
  description: 'kit test service',
  emits: [Noted],
  migrations: {
    '0001': async (db) => {
      await db.schema
        .createTable('handled')
        .addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('event_id', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('n', 'integer', (c) => c.notNull())
        .execute();
    },
  },
  routes: [
    route({
      method: 'POST',
      url: '/notes',
      summary: 'emit notes',
      roles: ['brand_admin'],
      body: Type.Object({ notes: Type.Array(Type.Object({ key: Type.String(), n: Type.Integer(), failTimes: Type.Integer() })) }),
      handler: async ({ body }, tx) => {
        for (const note of body.notes) tx.emit(Noted, note.key, { n: note.n, failTimes: note.failTimes });
        return { status: 202, body: { emitted: body.notes.length } };
      },
    }),
    route({
      method: 'POST',
      url: '/slow-notes',
      summary: 'emit a note after slow work that needs no transaction (as hashing a password is)',
      roles: ['brand_admin'],
      body: Type.Object({ key: Type.String() }),
      prepare: async ({ body }) => (await slowWork, body.key.length),
      handler: async ({ body, prepared }, tx) => {
        tx.emit(Noted, body.key, { n: prepared, failTimes: 0 });
        return { status: 202, body: { n: prepared } };
      },
    }),
  ],
  handlers: [
    on(Noted, async (event, tx) => {
      const seen = (attempts.get(event.id) ?? 0) + 1;
      attempts.set(event.id, seen);
      const write = async () => {
        await tx.db.insertInto('handled').values({ event_id: event.id, key: event.key, n: event.data.n } as never).execute();
        // Written, then thrown: the transaction must take the write back.
        if (seen <= event.data.failTimes && !(event.data.failTimes === 99 && healed)) throw new Error(`failing on purpose (attempt ${seen})`);
      };
      // A key starting with "late" makes its write, and fails, when the work is done (Tx.beforeCommit).
      if (event.key.startsWith('late')) tx.beforeCommit(write);
      else await write();
    }),
  ],
});

const auth = tokenAuthority('kit-test-secret-kit-test-secret-0000');
let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function start(dataDir: string) {
  const logger = createLogger({ level: 'silent' });
  const bus = new EmbeddedBus(dataDir, logger);
  const runtime = new ServiceRuntime(probe, { dataDir, bus, logger, retry: { attempts: 3, baseMs: 5, maxMs: 20 } });
  const app = createHttpServer({ logger, auth, bodyLimitBytes: 1 << 20, requestTimeoutMs: 5000 });
  await runtime.start();
  await app.register(runtime.plugin, { prefix: probe.prefix });
  await bus.start();
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const stop = async () => {
    await app.close();
    await bus.stop();
    await runtime.stop();
    await bus.close();
  };
  return { url, runtime, bus, stop };
}

const post = async (url: string, path: string, token: string, body?: unknown) => {
  const res = await fetch(url + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: await res.json() };
};

const handled = (rt: ServiceRuntime<ProbeTables>) => rt.sdb.db.selectFrom('handled').selectAll().orderBy('seq').execute();
const kitTable = (rt: ServiceRuntime<ProbeTables>, table: 'outbox' | 'processed_event') =>
  acrossTenants('the test reads what the kit keeps', () => rt.sdb.db.selectFrom(table).selectAll().execute());

async function until(check: () => Promise<boolean>) {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('events: outbox, relay, embedded bus, idempotent consumer', () => {
  const dir = () => {
    const d = mkdtempSync(join(tmpdir(), 'omnishop-kit-'));
    cleanup.push(async () => rmSync(d, { recursive: true, force: true }));
    return d;
  };

  it('delivers in emit order per key, retries a failing handler with no trace of the failed attempts, and dead-letters what keeps failing', async () => {
    const p = await start(dir());
    cleanup.push(p.stop);
    const admin = await auth.mint({ subject: 'a', tenant: 't1', role: 'brand_admin' });
    const notes = [
      { key: 'a', n: 1, failTimes: 0 },
      { key: 'b', n: 2, failTimes: 2 }, // succeeds on the third attempt
      { key: 'a', n: 3, failTimes: 0 },
      { key: 'c', n: 4, failTimes: 99 }, // never succeeds: dead letter
      { key: 'a', n: 5, failTimes: 0 },
    ];
    expect((await post(p.url, '/api/probe/notes', admin, { notes })).status).toBe(202);
    await until(async () => (await handled(p.runtime)).length === 4);
    await until(async () => Object.values(await p.bus.lag()).every((n) => n === 0));
    const rows = await handled(p.runtime);
    expect(rows.map((r) => r.n)).toEqual([1, 2, 3, 5]);
    expect(rows.filter((r) => r.key === 'a').map((r) => r.n)).toEqual([1, 3, 5]);

    const operator = await auth.mint({ subject: 'op', tenant: 'platform', role: 'operator' });
    const list = await fetch(`${p.url}/api/probe/admin/dead-letters`, { headers: { authorization: `Bearer ${operator}` } });
    const dead = (await list.json()) as { items: { id: string; type: string; attempts: number; error: string; envelope: { key: string } }[] };
    expect(dead.items).toHaveLength(1);
    expect(dead.items[0]).toMatchObject({ type: 'Noted', attempts: 3, envelope: { key: 'c' } });
    expect(dead.items[0]!.error).toContain('failing on purpose');

    // Brand admins may not replay; operators may, and a replay that succeeds clears the dead letter.
    expect((await post(p.url, `/api/probe/admin/dead-letters/${dead.items[0]!.id}/replay`, admin)).status).toBe(403);
    const stillBroken = await post(p.url, `/api/probe/admin/dead-letters/${dead.items[0]!.id}/replay`, operator);
    expect(stillBroken.body).toMatchObject({ handled: false });
    const kept = await fetch(`${p.url}/api/probe/admin/dead-letters`, { headers: { authorization: `Bearer ${operator}` } });
    expect(((await kept.json()) as { items: unknown[] }).items).toHaveLength(1);
    healed = true;
    const replayed = await post(p.url, `/api/probe/admin/dead-letters/${dead.items[0]!.id}/replay`, operator);
    expect(replayed.status).toBe(202);
    expect(replayed.body).toMatchObject({ handled: true });
    expect((await handled(p.runtime)).map((r) => r.n)).toEqual([1, 2, 3, 5, 4]);
    const after = await fetch(`${p.url}/api/probe/admin/dead-letters`, { headers: { authorization: `Bearer ${operator}` } });
    expect(((await after.json()) as { items: unknown[] }).items).toEqual([]);
    expect((await post(p.url, '/api/probe/admin/dead-letters/nope/replay', operator)).status).toBe(404);
  });

  it('a write left for the commit that fails is its own event\'s failure: undone, retried, dead-lettered, and the events around it go on', async () => {
    const p = await start(dir());
    cleanup.push(p.stop);
    const admin = await auth.mint({ subject: 'a', tenant: 't1', role: 'brand_admin' });
    const notes = [
      { key: 'late-a', n: 1, failTimes: 0 },
      { key: 'late-b', n: 2, failTimes: 2 }, // its write fails twice, then is made once
      { key: 'late-a', n: 3, failTimes: 0 },
      { key: 'late-c', n: 4, failTimes: 98 }, // fails every attempt (99 heals once the first test healed it): dead letter
      { key: 'late-a', n: 5, failTimes: 0 },
    ];
    expect((await post(p.url, '/api/probe/notes', admin, { notes })).status).toBe(202);
    await until(async () => (await handled(p.runtime)).length === 4);
    await until(async () => Object.values(await p.bus.lag()).every((n) => n === 0));
    expect((await handled(p.runtime)).map((r) => r.n)).toEqual([1, 2, 3, 5]);
    const operator = await auth.mint({ subject: 'op', tenant: 'platform', role: 'operator' });
    const list = await fetch(`${p.url}/api/probe/admin/dead-letters`, { headers: { authorization: `Bearer ${operator}` } });
    const dead = (await list.json()) as { items: { envelope: { key: string }; error: string }[] };
    expect(dead.items.map((d) => d.envelope.key)).toEqual(['late-c']);
    expect(dead.items[0]!.error).toContain('failing on purpose');
  });

  it("a route's slow work before its unit of work (prepare) holds up no other write of the service; the handler gets what it made", async () => {
    const p = await start(dir());
    cleanup.push(p.stop);
    const admin = await auth.mint({ subject: 'a', tenant: 't1', role: 'brand_admin' });
    const slow = post(p.url, '/api/probe/slow-notes', admin, { key: 'slow' });
    // On SQLite a service's units commit in groups, one after another: a unit that waited would hold this one up.
    expect((await post(p.url, '/api/probe/notes', admin, { notes: [{ key: 'quick', n: 1, failTimes: 0 }] })).status).toBe(202);
    await until(async () => (await handled(p.runtime)).some((h) => h.key === 'quick'));
    finishSlowWork();
    expect(await slow).toEqual({ status: 202, body: { n: 4 } });
    await until(async () => (await handled(p.runtime)).some((h) => h.key === 'slow' && h.n === 4));
  });

  it('a redelivered event takes effect once, and a restart resumes where each consumer left off', async () => {
    const d = dir();
    const first = await start(d);
    const admin = await auth.mint({ subject: 'a', tenant: 't1', role: 'brand_admin' });
    await post(first.url, '/api/probe/notes', admin, { notes: [1, 2, 3].map((n) => ({ key: 'k', n, failTimes: 0 })) });
    await until(async () => (await handled(first.runtime)).length === 3);
    await until(async () => Object.values(await first.bus.lag()).every((n) => n === 0));
    // The consumer kept its place in the log beside its effects, not a row per event.
    expect(await kitTable(first.runtime, 'processed_event')).toEqual([]);
    // A bus without log positions (JetStream) delivers an event again: its id is recorded, so it takes effect once.
    const twice = { id: randomUUID(), type: 'Noted', version: 1, source: 'probe', key: 'k', tenant: 't1', time: '', headers: {}, data: { n: 9, failTimes: 0 } };
    await first.runtime.consumer.handle([twice]);
    await first.runtime.consumer.handle([twice]);
    expect((await handled(first.runtime)).map((r) => r.n)).toEqual([1, 2, 3, 9]);
    // Recorded once per batch: a batch holding a redelivered event among new ones is undone and run again
    // event by event, so the new ones take effect and the redelivered one still only once.
    const fresh = { ...twice, id: randomUUID(), data: { n: 10, failTimes: 0 } };
    await first.runtime.consumer.handle([fresh, twice]);
    expect((await handled(first.runtime)).map((r) => r.n)).toEqual([1, 2, 3, 9, 10]);
    expect(await kitTable(first.runtime, 'processed_event')).toHaveLength(2);
    await first.stop();

    // As after a crash between the consumer's commit and the bus saving its cursor: every event comes again.
    const log = new SQLite(join(d, 'bus.db'));
    log.prepare('delete from bus_cursor').run();
    log.close();
    const second = await start(d);
    await post(second.url, '/api/probe/notes', admin, { notes: [{ key: 'k', n: 4, failTimes: 0 }] });
    await until(async () => (await handled(second.runtime)).length === 6);
    await new Promise((r) => setTimeout(r, 100));
    expect((await handled(second.runtime)).map((r) => r.n)).toEqual([1, 2, 3, 9, 10, 4]);
    await second.stop();

    // A bus log made anew starts its positions from one again: its events are new to the consumer, not skipped.
    for (const file of ['bus.db', 'bus.db-wal', 'bus.db-shm']) rmSync(join(d, file), { force: true });
    const third = await start(d);
    cleanup.push(third.stop);
    await post(third.url, '/api/probe/notes', admin, { notes: [{ key: 'k', n: 5, failTimes: 0 }] });
    await until(async () => (await handled(third.runtime)).length === 7);
    expect((await handled(third.runtime)).map((r) => r.n)).toEqual([1, 2, 3, 9, 10, 4, 5]);
  });

  it('a dead-lettered event is not handled again by a redelivery, only by its replay, once', async () => {
    const d = dir();
    const first = await start(d);
    const admin = await auth.mint({ subject: 'a', tenant: 't1', role: 'brand_admin' });
    const operator = await auth.mint({ subject: 'op', tenant: 'platform', role: 'operator' });
    // Fails the batch, its guarded run and its three attempts, then would succeed: a redelivery would take effect, and so would the replay.
    await post(first.url, '/api/probe/notes', admin, { notes: [{ key: 'd', n: 7, failTimes: 5 }] });
    const deadLetters = async (url: string) =>
      ((await (await fetch(`${url}/api/probe/admin/dead-letters`, { headers: { authorization: `Bearer ${operator}` } })).json()) as { items: { id: string }[] }).items;
    await until(async () => (await deadLetters(first.url)).length === 1);
    await first.stop();
    const log = new SQLite(join(d, 'bus.db'));
    log.prepare('delete from bus_cursor').run();
    log.close();

    const second = await start(d);
    cleanup.push(second.stop);
    await until(async () => Object.values(await second.bus.lag()).every((n) => n === 0));
    await new Promise((r) => setTimeout(r, 100));
    expect(await handled(second.runtime)).toEqual([]);
    const [dead] = await deadLetters(second.url);
    expect((await post(second.url, `/api/probe/admin/dead-letters/${dead!.id}/replay`, operator)).body).toMatchObject({ handled: true });
    expect((await handled(second.runtime)).map((r) => r.n)).toEqual([7]);
  });

  it('events wait in the outbox while the bus refuses them, and flow when it is back', async () => {
    const p = await start(dir());
    cleanup.push(p.stop);
    const publish = p.bus.publish.bind(p.bus);
    p.bus.publish = async () => {
      throw new Error('broker down');
    };
    const admin = await auth.mint({ subject: 'a', tenant: 't1', role: 'brand_admin' });
    await post(p.url, '/api/probe/notes', admin, { notes: [{ key: 'k', n: 1, failTimes: 0 }] });
    await new Promise((r) => setTimeout(r, 100));
    const outbox = await kitTable(p.runtime, 'outbox');
    expect(outbox).toHaveLength(1);
    expect(await handled(p.runtime)).toHaveLength(0);
    p.bus.publish = publish;
    p.runtime.relay.nudge();
    await until(async () => (await handled(p.runtime)).length === 1);
  });

  it('a bus on the same log in another thread of the process (the service thread) hears of each publish at once, not at its next idle poll', async () => {
    const d = dir();
    const logger = createLogger({ level: 'silent' });
    const listening = new EmbeddedBus(d, logger, { idleMs: 60_000 });
    const publishing = new EmbeddedBus(d, logger);
    cleanup.push(async () => {
      await listening.close();
      await publishing.close();
    });
    const received: string[] = [];
    listening.subscribe({ group: 'listener', types: ['Noted'], handle: async (batch) => void received.push(...batch.map((e) => e.key)) });
    await listening.start();
    await new Promise((r) => setTimeout(r, 100)); // it found the log empty and waits
    const startedAt = Date.now();
    await publishing.publish([createEnvelope(Noted, { source: 'probe', key: 'k1', tenant: 't1', data: { n: 1, failTimes: 0 } })]);
    await until(async () => received.length === 1);
    expect(received).toEqual(['k1']);
    expect(Date.now() - startedAt).toBeLessThan(5_000);
  });
});
