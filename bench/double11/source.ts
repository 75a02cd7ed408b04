/**
 * Read-only access to the services' own data, for what only the databases
 * know (the stock ledger, reservations, captures, redemptions, claims,
 * points): in embedded mode each service's SQLite file in DATA_DIR, opened
 * read-only (WAL lets it read beside the running platform); in distributed
 * mode each service's PostgreSQL schema. SQL is written once with `?`
 * placeholders and numbered for PostgreSQL. Nothing here writes.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';

export interface DataSource {
  kind: 'sqlite' | 'postgres';
  /** Where the data was read, for the report (no credentials). */
  where: string;
  query<T = Record<string, unknown>>(service: string, sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

export function sqliteSource(dataDir: string): DataSource {
  const files = new Map<string, SQLite.Database>();
  const open = (service: string) => {
    let db = files.get(service);
    if (!db) {
      const file = join(dataDir, `${service}.db`);
      if (!existsSync(file)) throw new Error(`no database for ${service} at ${file}`);
      db = new SQLite(file, { readonly: true, fileMustExist: true });
      db.pragma('busy_timeout = 5000');
      files.set(service, db);
    }
    return db;
  };
  return {
    kind: 'sqlite',
    where: `SQLite files in ${dataDir} (read-only)`,
    async query<T>(service: string, sql: string, params: unknown[] = []) {
      return open(service).prepare(sql).all(...params) as T[];
    },
    async close() {
      for (const db of files.values()) db.close();
      files.clear();
    },
  };
}

const numbered = (sql: string) => {
  let i = 0;
  return sql.replace(/\?/g, () => `$${++i}`);
};

export function postgresSource(url: string): DataSource {
  const pools = new Map<string, pg.Pool>();
  const poolOf = (service: string) => {
    let pool = pools.get(service);
    if (!pool) pools.set(service, (pool = new pg.Pool({ connectionString: url, max: 1, options: `-c search_path=${service} -c default_transaction_read_only=on` })));
    return pool;
  };
  const shown = new URL(url);
  shown.password = '';
  return {
    kind: 'postgres',
    where: `PostgreSQL ${shown.host}${shown.pathname}, one schema per service (read-only transactions)`,
    async query<T>(service: string, sql: string, params: unknown[] = []) {
      const res = await poolOf(service).query(numbered(sql), params);
      return res.rows as T[];
    },
    async close() {
      await Promise.all([...pools.values()].map((p) => p.end()));
      pools.clear();
    },
  };
}

export function openSource(spec: { dataDir?: string; databaseUrl?: string }): DataSource {
  if (spec.databaseUrl) return postgresSource(spec.databaseUrl);
  if (spec.dataDir) return sqliteSource(spec.dataDir);
  throw new Error('no data source: give --data DIR (embedded) or --database URL (distributed)');
}
