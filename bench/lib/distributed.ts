/**
 * `--mode distributed`: a fresh PostgreSQL database, a NATS JetStream server
 * of the bench's own on a free port (never the shared one on 4222), and every
 * service its own process (bench/targets/service.ts), order and inventory
 * with `replicas` each, the gateway in front of one of each; the bench brand
 * prepared through the services' APIs as the embedded target does it.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { tokenAuthority } from '@omnishop/kit';
import { CLUSTER_SERVICES } from '../../packages/platform/src/cluster/options.js';
import { freePort } from '../../packages/platform/src/cluster/ports.js';
import { prepareBrand, TENANT } from './brand.js';
import { onCleanUp, removeTempDir, say, startHelper, startTarget, stopHelper, stopTarget, tempDirs, type Target } from './procs.js';

/** Every service but the gateway, in the order `npm run cluster` starts them. */
export const SERVICES = CLUSTER_SERVICES;
export const REPLICATED = ['order', 'inventory'] as const;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function accepts(port: number): Promise<boolean> {
  return new Promise((r) => {
    const s = new Socket();
    s.once('connect', () => {
      s.destroy();
      r(true);
    });
    s.once('error', () => r(false));
    s.connect(port, '127.0.0.1');
  });
}

export interface NatsServer {
  url: string;
  port: number;
  pid: number | undefined;
  /** Where JetStream keeps its data: a server started again on the same port and folder finds its streams. */
  storeDir: string;
  /** Stops the server; its folder is removed unless `keepStore` (for a server started again on it). */
  stop: (keepStore?: boolean) => Promise<void>;
}

/**
 * nats-server with JetStream on a free port, its store in a temporary folder
 * (removed on the way out); or, given `at`, again on that port and folder.
 */
export async function startNats(parent: string, binary = '/usr/sbin/nats-server', at?: { port: number; storeDir: string }): Promise<NatsServer> {
  const port = at?.port ?? (await freePort());
  const storeDir = at?.storeDir ?? mkdtempSync(join(parent, 'omnishop-bench-nats-'));
  tempDirs.add(storeDir);
  const helper = startHelper('nats-server', binary, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir]);
  const deadline = Date.now() + 15_000;
  while (!(await accepts(port))) {
    if (helper.proc.exitCode !== null || Date.now() > deadline) {
      await stopHelper(helper);
      throw new Error(`nats-server did not start on port ${port}: ${helper.output()}`);
    }
    await sleep(50);
  }
  // JetStream may take a moment after the port opens.
  while (!/Server is ready/.test(helper.output()) && Date.now() < deadline) await sleep(50);
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    pid: helper.proc.pid,
    storeDir,
    stop: async (keepStore = false) => {
      await stopHelper(helper);
      if (!keepStore) removeTempDir(storeDir);
    },
  };
}

/** A fresh database on `server` (postgres://user@host:port/db), dropped by the returned function (and on the way out). */
export async function freshDatabase(server: string): Promise<{ url: string; name: string; drop: () => Promise<void> }> {
  const name = `omnishop_bench_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(server);
  url.pathname = `/${name}`;
  // One drop, however many ask (the run, and an interrupt's clean-up): each waits for the same one.
  let dropping: Promise<void> | undefined;
  const drop = () =>
    (dropping ??= (async () => {
      const c = new pg.Client({ connectionString: server });
      await c.connect();
      try {
        await c.query(`drop database if exists ${name} with (force)`);
      } finally {
        await c.end();
      }
    })());
  onCleanUp(drop);
  return { url: url.toString(), name, drop };
}

export interface Cluster {
  /** Every process, by name (order#1, order#2, inventory#1, ..., gateway). */
  processes: Target[];
  byService: Record<string, Target[]>;
  gateway: Target;
  nats: NatsServer;
  database: { name: string; url: string };
  stream: string;
  /** The key every process signs and verifies tokens with. */
  secret: string;
  /** A customer token of the bench brand, valid 6 h. */
  customerToken: string;
  stop: () => Promise<void>;
}

export interface ClusterOptions {
  postgres: string;
  dataParent: string;
  replicas: number;
  logLevel: string;
  logFile: string;
  natsBinary?: string;
  /** Set up the bench brand (default true); false leaves the platform empty for a caller's own brand. */
  prepare?: boolean;
  /** More environment for every process (e.g. PAYMENT_FAILURE_RATE). */
  env?: Record<string, string>;
}


/** What every platform process the bench starts is told besides its own part: any port, no seed, the run's key, where to log. */
export function platformEnv(secret: string, logLevel: string, logFile: string): Record<string, string> {
  return { PORT: '0', SEED: 'false', APP_ENV: 'development', JWT_SECRET: secret, JWT_KEYS: '', LOG_LEVEL: logLevel, BENCH_LOG_DEST: logFile };
}

export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const nats = await startNats(opts.dataParent, opts.natsBinary);
  say(`  nats-server (JetStream) at ${nats.url}`);
  const database = await freshDatabase(opts.postgres);
  say(`  database ${database.name}`);
  const dataDir = mkdtempSync(join(opts.dataParent, 'omnishop-bench-dist-'));
  tempDirs.add(dataDir);
  const secret = randomUUID() + randomUUID();
  const stream = `BENCH${randomUUID().replace(/-/g, '').slice(0, 12).toUpperCase()}`;
  const env = {
    DATABASE_URL: database.url,
    // 12 processes: 7 connections each (5 for requests, 2 for background work) stay under the server's max_connections (100 by default).
    DATABASE_POOL_MAX: '7',
    BUS_URL: nats.url,
    BUS_STREAM: stream,
    DATA_DIR: dataDir,
    ...platformEnv(secret, opts.logLevel, opts.logFile),
    // One customer places every order: the per-client limit would measure itself, not placement.
    RATE_LIMIT_CLIENT_MAX: '0',
    RATE_LIMIT_BRAND_MAX: '0',
    ...opts.env,
  };
  const processes: Target[] = [];
  const byService: Record<string, Target[]> = {};
  const start = async (service: string, n: number, more: Record<string, string> = {}) => {
    const t = await startTarget(`${service}#${n}`, 'service.ts', { ...env, SERVICES: service, ...more });
    processes.push(t);
    (byService[service] ??= []).push(t);
    return t;
  };
  const stop = async () => {
    say('stopping the distributed platform...');
    await Promise.all(processes.map((t) => stopTarget(t)));
    await nats.stop();
    await database.drop().catch((error: unknown) => say(`could not drop database ${database.name}: ${String(error)}`));
  };
  try {
    // The first process makes the stream; the first replica of each service migrates its schema before the others start.
    say(`  starting catalog, then ${SERVICES.length - 1} services, then ${opts.replicas - 1} more replica(s) of ${REPLICATED.join(' and ')}...`);
    await start('catalog', 1);
    await Promise.all(SERVICES.filter((s) => s !== 'catalog').map((s) => start(s, 1)));
    await Promise.all(REPLICATED.flatMap((s) => Array.from({ length: opts.replicas - 1 }, (_, i) => start(s, i + 2))));
    // Every replica: the gateway takes them in turn.
    const upstreams = SERVICES.flatMap((s) => byService[s]!.map((p) => `${s}=${p.ready.url}`)).join(',');
    const gateway = await start('gateway', 1, { UPSTREAMS: upstreams });

    const auth = tokenAuthority(secret);
    const admin = await auth.mint({ subject: 'bench-admin', tenant: TENANT, role: 'brand_admin' }, 3600);
    const customerToken = await auth.mint({ subject: 'bench-customer', tenant: TENANT, role: 'customer' }, 6 * 3600);
    if (opts.prepare !== false) {
      const urls = {
        catalog: byService.catalog![0]!.ready.url,
        store: byService.store![0]!.ready.url,
        inventory: byService.inventory![0]!.ready.url,
        orders: byService.order!.map((t) => t.ready.url),
      };
      await prepareBrand(urls, admin, customerToken);
    }
    return { processes, byService, gateway, nats, database: { name: database.name, url: database.url }, stream, secret, customerToken, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

