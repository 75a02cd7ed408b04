import { createHash } from 'node:crypto';
import type SQLite from 'better-sqlite3';
import { CompiledQuery, sql, type Kysely, type QueryResult } from 'kysely';
import { currentContext, deadlinePassed, runWithContext } from '../context/index.js';
import { Problem } from '../errors/index.js';
import { TenantScopeError } from './tenant-scope.js';

/** A statement's values: its named ones, and the brand, which the context supplies unless the work spans brands. */
export type Values<P> = P & { tenant?: string };

export interface Statement<P, O> {
  all(db: Kysely<any>, values: Values<P>): Promise<O[]>; // eslint-disable-line @typescript-eslint/no-explicit-any -- any service's database
  first(db: Kysely<any>, values: Values<P>): Promise<O | undefined>; // eslint-disable-line @typescript-eslint/no-explicit-any -- any service's database
  /** Rows inserted, updated or deleted. */
  run(db: Kysely<any>, values: Values<P>): Promise<number>; // eslint-disable-line @typescript-eslint/no-explicit-any -- any service's database
}

const NO_DEADLINE = new AbortController().signal;
const MARK = '\u0000omnishop-value:';
const TENANT = `${MARK}tenant`;

/** Where each compiled parameter's value comes from: a constant of the query, or a named value. */
type Slot = { value: unknown } | { name: string };

interface Compiled {
  sql: string;
  slots: Slot[];
}

/** Fails work whose request or event deadline has passed, before it reaches the database. */
export function checkDeadline(): void {
  if (deadlinePassed(currentContext())) {
    throw new Problem(504, 'deadline-exceeded', 'Deadline exceeded', { detail: 'the request ran out of time' });
  }
}

interface Connection {
  prepare(sql: string): SQLite.Statement;
}

/** The SQLite connection behind each Kysely instance, keyed by its adapter, which its transactions share. */
const connections = new WeakMap<object, Connection>();

/** The name of each statement's text (see statement): a bounded set, as each is compiled once per database. */
const preparedNames = new Map<string, string>();

function namePreparedStatement(text: string): void {
  if (!preparedNames.has(text)) preparedNames.set(text, `omnishop_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`);
}

/**
 * PostgreSQL: the name a statement's text is prepared under on each connection, so the server
 * parses and plans it once per connection instead of at every run (about half its CPU for a
 * lookup by key); undefined for any other query, which may be one of unboundedly many texts.
 */
export const preparedNameOf = (text: string): string | undefined => preparedNames.get(text);

/** Called by openDatabase: statements on this database run straight on `file` inside a transaction. */
export function registerSqliteConnection<DB>(db: Kysely<DB>, file: Connection): void {
  connections.set(db.getExecutor().adapter, file);
}

const values = new Proxy({}, { get: (_, name) => (typeof name === 'string' ? `${MARK}${name}` : undefined) });

/**
 * A hot query built once with Kysely and run from then on as a prepared
 * statement with new values. Building, scoping and compiling a query cost
 * several times what SQLite takes to run it, and a service runs the same few
 * dozen queries over and over: a statement pays that once per database.
 *
 * It is built like any query, with `p.<name>` where a value goes, and it is
 * scoped to the brand like any query: the tenant plugin rewrites it at its
 * one compile, with a stand-in for the context's tenant that each run fills
 * in (and a second compile for work inside acrossTenants). `p.tenant` is that
 * same stand-in, so a statement that names the brand itself stays one query.
 * Values are single values: an `in` list of varying length is a plain query.
 *
 * On SQLite, inside a unit of work, it runs straight on the connection the
 * transaction holds (better-sqlite3 is synchronous, so it is simply part of
 * that transaction); elsewhere it goes through Kysely's executor like any
 * compiled query, which waits for the connection and keeps PostgreSQL's pool.
 */
export function statement<DB, P extends Record<string, unknown> = Record<string, never>>() {
  return <O>(build: (db: Kysely<DB>, p: P & { tenant: string }) => { compile(): CompiledQuery<O> }): Statement<P, O> => {
    const compiled = new WeakMap<object, { scoped?: Compiled; across?: Compiled }>();

    function compile(db: Kysely<DB>, across: boolean): Compiled {
      const ctx = currentContext();
      // A compile is the query's, not the caller's: no deadline (asking for the caller's signal would make it).
      const at = { service: ctx?.service ?? 'platform', requestId: ctx?.requestId ?? 'compile', signal: NO_DEADLINE };
      const query = runWithContext(across ? { ...at, acrossTenants: 'compiling a statement for work across brands' } : { ...at, tenant: TENANT }, () =>
        build(db, values as P & { tenant: string }).compile(),
      );
      const slots = query.parameters.map((value): Slot => (typeof value === 'string' && value.startsWith(MARK) ? { name: value.slice(MARK.length) } : { value }));
      namePreparedStatement(query.sql);
      return { sql: query.sql, slots };
    }

    function prepared(db: Kysely<DB>): Compiled {
      const across = Boolean(currentContext()?.acrossTenants);
      const key = db.getExecutor().adapter;
      let entry = compiled.get(key);
      if (!entry) compiled.set(key, (entry = {}));
      return across ? (entry.across ??= compile(db, true)) : (entry.scoped ??= compile(db, false));
    }

    /** The brand a run is for: the context's, or inside acrossTenants the one given (queries on tables without a tenant need none). */
    function tenantOf(given: Values<P>): string {
      const ctx = currentContext();
      if (ctx?.acrossTenants) {
        if (given.tenant === undefined) throw new TenantScopeError('statement across brands run without a tenant value');
        return given.tenant;
      }
      if (!ctx?.tenant) throw new TenantScopeError('statement with no tenant in context: run it for a brand, or inside acrossTenants(reason, ...)');
      if (given.tenant !== undefined && given.tenant !== ctx.tenant) throw new TenantScopeError('statement for another brand than the one in context');
      return ctx.tenant;
    }

    function parameters(slots: Slot[], given: Values<P>): unknown[] {
      return slots.map((slot) => {
        if ('value' in slot) return slot.value;
        if (slot.name === 'tenant') return tenantOf(given);
        if (!(slot.name in given)) throw new Error(`statement run without a value for ${slot.name}`);
        return given[slot.name];
      });
    }

    async function execute(db: Kysely<DB>, given: Values<P>): Promise<QueryResult<O>> {
      checkDeadline();
      const { sql, slots } = prepared(db);
      const params = parameters(slots, given);
      const file = db.isTransaction ? connections.get(db.getExecutor().adapter) : undefined;
      if (!file) return db.executeQuery(CompiledQuery.raw(sql, params) as CompiledQuery<O>);
      const stmt = file.prepare(sql);
      if (stmt.reader) return { rows: stmt.all(...params) as O[] };
      const { changes } = stmt.run(...params);
      return { rows: [], numAffectedRows: BigInt(changes) };
    }

    return {
      all: async (db, given) => (await execute(db as Kysely<DB>, given)).rows,
      first: async (db, given) => (await execute(db as Kysely<DB>, given)).rows[0],
      run: async (db, given) => Number((await execute(db as Kysely<DB>, given)).numAffectedRows ?? 0),
    };
  };
}

/** A fixed piece of SQL as a statement: compiled once, run many times. */
const fixed = (text: string) => statement<unknown>()((db) => ({ compile: () => sql.raw(text).compile(db) }));

/**
 * A named savepoint, its three statements compiled once: `run` does `work`
 * inside it, and if `work` throws, undoes what it did alone and rethrows.
 */
export function savepoint(name: string) {
  const open = fixed(`savepoint ${name}`);
  const release = fixed(`release savepoint ${name}`);
  const rollback = fixed(`rollback to savepoint ${name}`);
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any service's database
    async run<T>(db: Kysely<any>, work: () => Promise<T>): Promise<T> {
      await open.run(db, {});
      try {
        const value = await work();
        await release.run(db, {});
        return value;
      } catch (error) {
        await rollback.run(db, {});
        await release.run(db, {});
        throw error;
      }
    },
  };
}
