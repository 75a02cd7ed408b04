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
import { eventually } from '../../packages/platform/src/client.js';
import { loadPlatformConfig } from '../../packages/platform/src/config.js';
import { benchClient } from '../lib/http.js';
import { announce, answerMemoryRequests, BENCH_WAREHOUSE, ORDER_BODY } from './protocol.js';
import { BENCH_LOG_DESTINATION, startBenchPlatform } from './start.js';

const TENANT = 'bench';
const STYLE = 'BENCH';
const SKU = `${STYLE}-BLK-M`;
const LOCATION = BENCH_WAREHOUSE.code;
const RECEIPTS = 10; // x 1,000,000 units (the most one movement may receive)


async function main(): Promise<void> {
  answerMemoryRequests(); // SIGUSR2: one line of process.memoryUsage() on stderr, for the parent
  const dataDir = process.env.BENCH_DATA_DIR;
  if (!dataDir) throw new Error('BENCH_DATA_DIR is not set');
  const config = loadPlatformConfig(
    {
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
    },
    '/nonexistent', // no config files: defaults plus the values above
  );
  const platform = await startBenchPlatform(config);

  const api = benchClient(platform.url);
  const admin = await platform.auth.mint({ subject: 'bench-admin', tenant: TENANT, role: 'brand_admin' }, 3600);
  const customer = await platform.auth.mint({ subject: 'bench-customer', tenant: TENANT, role: 'customer' }, 6 * 3600);

  const style = await api('POST', '/api/catalog/styles', admin, {
    code: STYLE,
    name: 'Benchmark Tee',
    category: 'tops',
    price: 9900,
    colours: [{ code: 'BLK', name: 'Black' }],
    sizes: ['M'],
  });
  if (style.status !== 201) throw new Error(`style not created: ${style.status} ${JSON.stringify(style.body)}`);

  const warehouse = await api('POST', '/api/stores', admin, BENCH_WAREHOUSE);
  if (warehouse.status !== 201) throw new Error(`warehouse not opened: ${warehouse.status} ${JSON.stringify(warehouse.body)}`);
  // Inventory learns the SKU from SkuCreated and the warehouse from StoreOpened; until then a receipt is refused (422, rolled back).
  const receipt = { sku: SKU, location: LOCATION, kind: 'receive', qty: 1_000_000, reason: 'bench stock' };
  await eventually(async () => {
    const res = await api('POST', '/api/inventory/movements', admin, receipt);
    if (res.status === 201) return true;
    if (res.status !== 422) throw new Error(`stock not received: ${res.status} ${JSON.stringify(res.body)}`);
    return undefined;
  }, 'inventory to know the SKU and the warehouse', 60_000);
  for (let i = 1; i < RECEIPTS; i++) {
    const res = await api('POST', '/api/inventory/movements', admin, receipt);
    if (res.status !== 201) throw new Error(`stock not received: ${res.status} ${JSON.stringify(res.body)}`);
  }

  // The order service prices from its own copy (also from SkuCreated); until then placement is a 422.
  const probe = await eventually(async () => {
    const res = await api<{ id: string }>('POST', '/api/orders', customer, JSON.parse(ORDER_BODY(SKU)));
    if (res.status === 201) return res.body.id;
    if (res.status !== 422) throw new Error(`probe order failed: ${res.status} ${JSON.stringify(res.body)}`);
    return undefined;
  }, 'the order service to know the SKU', 60_000);
  await eventually(async () => {
    const res = await api<{ status: string }>('GET', `/api/orders/${probe}`, customer);
    if (res.body.status === 'confirmed') return true;
    if (!['pending', 'awaiting_payment'].includes(res.body.status)) throw new Error(`probe order ended ${res.body.status}: ${JSON.stringify(res.body)}`);
    return undefined;
  }, 'the probe order to be confirmed', 60_000);

  announce({
    url: platform.url,
    path: '/api/orders',
    token: customer,
    sku: SKU,
    settings: {
      sqliteSynchronous: config.sqliteSynchronous,
      logLevel: config.logLevel,
      logDestination: BENCH_LOG_DESTINATION,
      database: config.databaseUrl ? 'postgresql' : 'sqlite',
      bus: 'embedded',
      stockUnits: RECEIPTS * 1_000_000,
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
