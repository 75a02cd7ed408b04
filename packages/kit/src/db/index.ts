import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import {
  Kysely,
  Migrator,
  PostgresDialect,
  SqliteDialect,
  sql,
  type CreateTableBuilder,
  type KyselyPlugin,
  type Migration,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
} from 'kysely';
import { acrossTenants } from '../context/index.js';
import { checkDeadline, registerSqliteConnection } from './statement.js';
import { PostgresClient } from './postgres-client.js';
import { TenantScopePlugin } from './tenant-scope.js';
import { openWalFile, type WalFile } from './wal-file.js';

export { TENANT_COLUMN, TenantScopeError } from './tenant-scope.js';
export { savepoint, statement, type Statement } from './statement.js';
export { openWalFile, type WalFile } from './wal-file.js';
export { newId } from './ids.js';
export { lastInTransaction } from './postgres-client.js';
export { isDatabaseUnavailable } from './unavailable.js';

export type Dialect = 'sqlite' | 'postgres';

/** A service's own database: a SQLite file of its own, or a PostgreSQL schema of its own. */
export interface ServiceDatabase<DB> {
  db: Kysely<DB>;
  /**
   * The same database for background work (consumer batches, jobs, the relay). PostgreSQL: on a pool
   * of its own (BACKGROUND_POOL of the poolMax connections), so a flood of requests, which takes every
   * connection of the main pool and queues for more, never leaves the saga waiting behind it for one.
   * SQLite: `db` itself (one connection, and the unit of work lets requests go first).
   */
  background: Kysely<DB>;
  dialect: Dialect;
  /** Scopes every query to the context's tenant; learns the tenant tables when migrations have run. */
  tenantScope: TenantScopePlugin;
  /**
   * Resolves once everything committed before the call is on disk. A no-op
   * where a commit is already durable when it returns (PostgreSQL) or where
   * durability was traded away (SQLite NORMAL).
   */
  durable(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
  /** PostgreSQL: the pool's connections now (for metrics). */
  poolUse?(): { total: number; idle: number; waiting: number };
}

export interface DatabaseOptions {
  service: string;
  /** `postgres://...` for PostgreSQL; empty for a SQLite file in `dataDir`. */
  url?: string;
  dataDir: string;
  /**
   * SQLite durability: FULL survives power loss (`durable()` waits for the disk), NORMAL survives a
   * process crash. Either way SQLite itself runs with synchronous=NORMAL, so a commit never blocks the
   * event loop on the disk; FULL's flush is `durable()`'s, in libuv's thread pool.
   */
  sqliteSynchronous?: 'FULL' | 'NORMAL';
  /** PostgreSQL: the most connections the service holds (BACKGROUND_POOL of them for background work); 10 by default. */
  poolMax?: number;
  /** Told when an idle PostgreSQL connection dies (server restart, admin kill); the pool reconnects on next use. */
  onConnectionError?: (error: Error) => void;
}

/**
 * PostgreSQL connections of `poolMax` kept for background work: a consumer group's batch and the relay's
 * drain at once (each runs one at a time per process). In the distributed bench, requests queued for the
 * one pool left an order replica's consumer about one batch a second under a flood of orders.
 */
export const BACKGROUND_POOL = 2;

// pg returns int8 (counts, bigserial) as strings; every number we store fits a double.
pg.types.setTypeParser(20, (v) => Number(v));

/** Fails a query whose request or event deadline has passed, before it reaches the database. */
class DeadlinePlugin implements KyselyPlugin {
  transformQuery({ node }: PluginTransformQueryArgs): RootOperationNode {
    checkDeadline();
    return node;
  }
  async transformResult({ result }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return result;
  }
}

/**
 * Kysely prepares every statement it runs; on SQLite preparing costs more
 * than running, and a service runs the same few dozen statements over and
 * over. Prepared statements are kept and reused (the cache is emptied if it
 * ever grows past a bound, e.g. from statements built with varying lists).
 */
function withStatementCache(file: WalFile['file'], max = 1000) {
  const prepared = new Map<string, ReturnType<WalFile['file']['prepare']>>();
  return {
    // Kysely does not wait for this; the WalFile closes the file once its log is flushed.
    close: () => undefined,
    prepare(text: string) {
      let statement = prepared.get(text);
      if (!statement) {
        if (prepared.size >= max) prepared.clear();
        statement = file.prepare(text);
        prepared.set(text, statement);
      }
      return statement;
    },
  };
}

export function openDatabase<DB>(opts: DatabaseOptions): ServiceDatabase<DB> {
  if (opts.url && /^postgres(ql)?:\/\//.test(opts.url)) {
    const tenantScope = new TenantScopePlugin();
    const open = (max: number) => {
      const pool = new pg.Pool({ Client: PostgresClient, connectionString: opts.url, options: `-c search_path=${opts.service}`, max });
      // Unhandled, a connection's error would crash the process: an idle one's reaches the pool, and one
      // in use (held by a transaction between its statements) emits it itself when the server goes
      // away. That work fails on its next statement instead, and the pool drops the connection.
      pool.on('error', (error) => opts.onConnectionError?.(error));
      pool.on('connect', (client) => client.on('error', (error) => opts.onConnectionError?.(error)));
      return { pool, db: new Kysely<DB>({ dialect: new PostgresDialect({ pool }), plugins: [new DeadlinePlugin(), tenantScope] }) };
    };
    const max = opts.poolMax ?? 10;
    // Carved out of poolMax, so a process holds no more connections than it says; a pool of one is shared.
    const backgroundMax = Math.min(BACKGROUND_POOL, max - 1);
    const main = open(max - backgroundMax);
    const opened = backgroundMax > 0 ? [main, open(backgroundMax)] : [main];
    const background = opened.at(-1)!;
    return {
      db: main.db,
      background: background.db,
      dialect: 'postgres',
      tenantScope,
      durable: () => Promise.resolve(),
      poolUse: () => ({
        total: opened.reduce((n, { pool }) => n + pool.totalCount, 0),
        idle: opened.reduce((n, { pool }) => n + pool.idleCount, 0),
        waiting: opened.reduce((n, { pool }) => n + pool.waitingCount, 0),
      }),
      ping: async () => void (await sql`select 1`.execute(main.db)),
      close: async () => void (await Promise.all(opened.map(({ db }) => db.destroy()))),
    };
  }
  if (opts.url) throw new Error(`databaseUrl must be empty (SQLite) or a postgres:// URL, got ${opts.url}`);
  mkdirSync(opts.dataDir, { recursive: true });
  const { file, durable, close } = openWalFile(join(opts.dataDir, `${opts.service}.db`), opts.sqliteSynchronous);
  file.pragma('foreign_keys = ON');
  const tenantScope = new TenantScopePlugin();
  const connection = withStatementCache(file);
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: connection }), plugins: [new DeadlinePlugin(), tenantScope] });
  registerSqliteConnection(db, connection);
  return {
    db,
    background: db,
    dialect: 'sqlite',
    tenantScope,
    durable,
    ping: async () => void (await sql`select 1`.execute(db)),
    close: async () => {
      await db.destroy();
      await close();
    },
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then, not as typed now
export type AnyDb = Kysely<any>;

/**
 * A service's database seen as the part of its tables some code knows: `tablesOf<EventTables>()(tx.db)` for the
 * kit's outbox, a shared package's replica. The service's type has those tables (its database type extends
 * KitTables and the packages' tables it composes); the compiler still needs telling, once, here, because
 * Kysely<DB> is invariant in DB (its callbacks take a Transaction<DB> back), so a database of more tables is not
 * one of fewer to it.
 */
export const tablesOf =
  <Part>() =>
  <DB extends Part>(db: Kysely<DB>): Kysely<Part> =>
    db as unknown as Kysely<Part>;
/**
 * PostgreSQL: takes the lock named `name` for the rest of the transaction `db` is in, if no other
 * transaction holds it (an advisory lock; it never waits): whether this one now holds it. For work
 * that one replica of a service at a time should do.
 */
export async function tryTransactionLock<DB>(db: Kysely<DB>, name: string): Promise<boolean> {
  const lock = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(hashtext(${name})) as locked`.execute(db);
  return lock.rows[0]?.locked === true;
}

export type MigrationStep = (db: AnyDb, dialect: Dialect) => Promise<void>;
/** Named migration steps; they run in name order, each once. */
export type Migrations = Record<string, MigrationStep>;

/**
 * Applies every pending migration; returns the names applied. Runs at each start.
 * Then reads which tables have a tenant column: from there on, queries on them are scoped.
 */
export function migrate<DB>(sdb: ServiceDatabase<DB>, service: string, migrations: Migrations): Promise<string[]> {
  return acrossTenants('schema migrations span every brand', async () => {
    const applied = await applyMigrations(sdb, service, migrations);
    await sdb.tenantScope.learn(sdb.db as AnyDb, sdb.dialect);
    return applied;
  });
}

async function applyMigrations<DB>(sdb: ServiceDatabase<DB>, service: string, migrations: Migrations): Promise<string[]> {
  const db: AnyDb = sdb.db;
  if (sdb.dialect === 'postgres') await sql`create schema if not exists ${sql.id(service)}`.execute(db);
  const all: Record<string, Migration> = {};
  for (const [name, step] of Object.entries(migrations)) all[name] = { up: (target) => step(target, sdb.dialect) };
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => all },
    // The kit adds tables of its own (0000-kit-*) to services whose own migrations already ran.
    allowUnorderedMigrations: true,
    // Each service keeps its migration history in its own schema.
    ...(sdb.dialect === 'postgres' ? { migrationTableSchema: service } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw new Error(`migrations of ${service} failed: ${String(error)}`, { cause: error });
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Adds an auto-incrementing integer primary key, spelled for each dialect. */
export function withSequence<T extends string>(
  table: CreateTableBuilder<T, never>,
  column: string,
  dialect: Dialect,
): CreateTableBuilder<T, never> {
  return dialect === 'postgres'
    ? table.addColumn(column, 'bigserial', (c) => c.primaryKey())
    : table.addColumn(column, 'integer', (c) => c.primaryKey().autoIncrement());
}

/** JSON stored as text in both dialects: portable, and never queried inside. */
export const json = {
  write: (value: unknown): string => JSON.stringify(value),
  read: <T>(text: string): T => JSON.parse(text) as T,
};

export const nowIso = (): string => new Date().toISOString();

export { sql };
export type { Kysely };
