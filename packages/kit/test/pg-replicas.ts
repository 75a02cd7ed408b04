import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { createLogger, openDatabase, ServiceRuntime, sql, type Bus, type KitTables, type ServiceDefinition } from '../src/index.js';

/**
 * Replicas of a test service on the test PostgreSQL server, in a schema of
 * the service's own (dropped after the file's tests), each with a data folder
 * of its own (removed too).
 */
export function pgReplicas(service: string) {
  const server = process.env.OMNISHOP_TEST_POSTGRES;
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    const sdb = openDatabase({ service, url: server, dataDir: tmpdir() });
    await sql`drop schema if exists ${sql.id(service)} cascade`.execute(sdb.db);
    await sdb.close();
  });
  const logger = createLogger({ level: 'silent' });
  return {
    logger,
    /** A started replica of `def` on `bus`. */
    async start<DB extends KitTables>(def: ServiceDefinition<DB>, bus: (dataDir: string) => Bus, opts: { relayIntervalMs?: number; databasePoolMax?: number } = {}) {
      if (!server) throw new Error('OMNISHOP_TEST_POSTGRES is not set');
      const dataDir = mkdtempSync(join(tmpdir(), `omnishop-${service}-`));
      dirs.push(dataDir);
      const runtime = new ServiceRuntime(def, { dataDir, databaseUrl: server, databasePoolMax: opts.databasePoolMax ?? 2, bus: bus(dataDir), logger, relayIntervalMs: opts.relayIntervalMs });
      await runtime.start();
      return runtime;
    },
  };
}
