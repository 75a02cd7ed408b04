/**
 * Real target: the embedded platform (every service, one process, SQLite on
 * a fresh data dir, embedded bus), started the way `npm start` starts it but
 * with the demo seed off. It creates one style, receives ten million units
 * of its SKU at one warehouse through the API (so no placement is ever
 * rejected for stock), waits until the order service prices the SKU and a
 * probe order is confirmed end to end, then announces itself.
 *
 * Environment (set by bench/run.ts):
 *   BENCH_DATA_DIR      data folder (required; the parent creates and removes it)
 *   BENCH_LOG_LEVEL     pino level, default info (the production default)
 *   BENCH_LOG_DEST      where log lines go, default /dev/null
 *   BENCH_SQLITE_SYNC   FULL (default, as in production) or NORMAL
 *
 * On SIGUSR2 it writes its process.memoryUsage() as one marked line on stderr.
 */
import { loadPlatformConfig } from '../../packages/platform/src/config.js';
import { prepareBrand, SKU, STOCK_UNITS, TENANT } from '../lib/brand.js';
import { announce, answerMemoryRequests } from './protocol.js';
import { BENCH_LOG_DESTINATION, startBenchPlatform } from './start.js';


async function main(): Promise<void> {
  const started: { platform?: Awaited<ReturnType<typeof startBenchPlatform>> } = {};
  // SIGUSR2: one line of process.memoryUsage() on stderr, for the parent, the service thread's heap included.
  answerMemoryRequests(async () => (started.platform ? started.platform.threadHeaps() : []));
  const dataDir = process.env.BENCH_DATA_DIR;
  if (!dataDir) throw new Error('BENCH_DATA_DIR is not set');
  const config = loadPlatformConfig(
    {
      // The platform's own settings from the environment (ADMISSION_LOOP_DELAY_MS, QUEUE_LIMIT_MS, ...), but for those the bench sets.
      ...process.env,
      PORT: '0',
      DATA_DIR: dataDir,
      SEED: 'false',
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
      SQLITE_SYNCHRONOUS: process.env.BENCH_SQLITE_SYNC ?? 'FULL',
      // One customer places every order: the per-client limit would measure itself, not placement.
      RATE_LIMIT_CLIENT_MAX: '0',
      RATE_LIMIT_BRAND_MAX: '0',
      // Which services run beside order placement (default: all); e.g. catalog,inventory,order to see the core alone.
      ...(process.env.BENCH_SERVICES ? { SERVICES: process.env.BENCH_SERVICES } : {}),
      // Which of them run on the service thread (default: the platform's default; none: one thread).
      ...(process.env.BENCH_THREAD_SERVICES ? { THREAD_SERVICES: process.env.BENCH_THREAD_SERVICES } : {}),
    },
    '/nonexistent', // no config files: defaults plus the values above
  );
  const platform = (started.platform = await startBenchPlatform(config));

  const admin = await platform.auth.mint({ subject: 'bench-admin', tenant: TENANT, role: 'brand_admin' }, 3600);
  const customer = await platform.auth.mint({ subject: 'bench-customer', tenant: TENANT, role: 'customer' }, 6 * 3600);

  const url = platform.url;
  await prepareBrand({ catalog: url, store: url, inventory: url, orders: [url] }, admin, customer);

  announce({
    url: platform.url,
    path: '/api/orders',
    token: customer,
    sku: SKU,
    settings: {
      sqliteSynchronous: config.sqliteSynchronous,
      threadServices: config.threadServices,
      logLevel: config.logLevel,
      logDestination: BENCH_LOG_DESTINATION,
      database: config.databaseUrl ? 'postgresql' : 'sqlite',
      bus: 'embedded',
      stockUnits: STOCK_UNITS,
      reservationTtlSeconds: config.reservationTtlSeconds,
      requestTimeoutMs: config.requestTimeoutMs,
      probeOrders: 1,
    },
  });
}

main().catch((error: unknown) => {
  console.error('platform target failed to start:', error);
  process.exit(1);
});
