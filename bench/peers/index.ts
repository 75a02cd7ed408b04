/**
 * The peers phase of `npm run bench`: the order-acceptance endpoint written
 * with the frameworks a Node team would pick instead (bench/peers/README.md),
 * each a target started and loaded like bare Fastify, each on a database of
 * its own of the kind the platform runs on in that mode: a fresh SQLite file
 * beside the platform's (the same file system, the same synchronous mode), or
 * a fresh PostgreSQL database on the same server, dropped afterwards.
 */
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { freshDatabase } from '../lib/distributed.js';
import { BENCH_DIR, removeTempDir, tempDirs } from '../lib/procs.js';

export interface Peer {
  key: 'nestjs' | 'moleculer';
  /** As the tables print it. */
  name: string;
  /** The target's entry file, relative to bench/targets (where startTarget looks). */
  file: string;
  env: Record<string, string>;
  description: string;
}

export const PEERS: Peer[] = [
  {
    key: 'nestjs',
    name: 'peer: NestJS',
    file: '../peers/nestjs/main.ts',
    // Nest's decorators need TypeScript's experimentalDecorators, set for these files alone.
    env: { TSX_TSCONFIG_PATH: join(BENCH_DIR, 'peers', 'nestjs', 'tsconfig.json') },
    description:
      'NestJS on @nestjs/platform-fastify: a controller, class-validator DTOs through ValidationPipe (whitelist, forbidNonWhitelisted), the order store as a provider; one transaction per order (bench/peers/order-store.ts)',
  },
  {
    key: 'moleculer',
    name: 'peer: Moleculer',
    file: '../peers/moleculer/main.ts',
    env: {},
    description:
      "Moleculer with moleculer-web's API gateway in front of an orders service in one broker (local calls), parameters checked by its fastest-validator ($$strict); one transaction per order (bench/peers/order-store.ts)",
  },
];

/** Where one peer keeps its orders, how many it wrote (orders and outbox rows, warm-up included), and its removal. */
export interface PeerDatabase {
  env: Record<string, string>;
  written(): Promise<{ orders: number; outbox: number }>;
  remove(): Promise<void>;
}

export async function peerDatabase(mode: 'embedded' | 'distributed', opts: { dataParent: string; sqliteSync: string; postgres: string }): Promise<PeerDatabase> {
  if (mode === 'distributed') {
    const db = await freshDatabase(opts.postgres);
    return {
      env: { BENCH_PEER_DATABASE: db.url },
      written: async () => {
        const client = new pg.Client({ connectionString: db.url });
        await client.connect();
        try {
          const { rows } = await client.query<{ orders: string; outbox: string }>('select (select count(*) from orders) as orders, (select count(*) from outbox) as outbox');
          return { orders: Number(rows[0]!.orders), outbox: Number(rows[0]!.outbox) };
        } finally {
          await client.end();
        }
      },
      remove: db.drop,
    };
  }
  const dir = mkdtempSync(join(opts.dataParent, 'omnishop-bench-peer-'));
  tempDirs.add(dir);
  const file = join(dir, 'orders.db');
  return {
    env: { BENCH_PEER_DATABASE: file, BENCH_SQLITE_SYNC: opts.sqliteSync },
    written: async () => {
      const db = new SQLite(file, { readonly: true });
      try {
        return db.prepare('select (select count(*) from orders) as orders, (select count(*) from outbox) as outbox').get() as { orders: number; outbox: number };
      } finally {
        db.close();
      }
    },
    remove: async () => removeTempDir(dir),
  };
}
