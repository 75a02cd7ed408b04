/**
 * Peer target: the order-acceptance endpoint as a Moleculer team would write
 * it: a broker, an `orders` service and moleculer-web's API gateway in front
 * of it, in one process (local calls, no transporter). Started by the bench
 * like the other targets; announces itself with one JSON line on stdout.
 *
 * Environment: BENCH_PEER_DATABASE, BENCH_SQLITE_SYNC (bench/peers/order-store.ts).
 */
import { ServiceBroker } from 'moleculer';
import ApiGateway from 'moleculer-web';
import type { AddressInfo } from 'node:net';
import { versionOf } from '../../lib/machine.js';
import { announce, exitOnSignals } from '../../targets/protocol.js';
import { PEER_SKU } from '../order-store.js';
import { ordersService, type OrdersVars } from './orders.service.js';

async function main(): Promise<void> {
  const broker = new ServiceBroker({ nodeID: 'bench-peer', logger: false, transporter: null });
  broker.createService(ordersService);
  const api = broker.createService({
    name: 'api',
    mixins: [ApiGateway],
    settings: {
      ip: '127.0.0.1',
      port: 0,
      routes: [{ path: '/', mappingPolicy: 'restrict', aliases: { 'POST /orders': 'orders.place' }, bodyParsers: { json: true } }],
    },
  });
  await broker.start();
  exitOnSignals(() => broker.stop());
  const { port } = (api as unknown as { server: { address(): AddressInfo } }).server.address();
  const { store } = broker.getLocalService('orders') as unknown as OrdersVars;
  announce({
    url: `http://127.0.0.1:${port}`,
    path: '/orders',
    token: '',
    sku: PEER_SKU,
    settings: { moleculer: versionOf('moleculer'), moleculerWeb: versionOf('moleculer-web'), ...store.settings },
  });
}

main().catch((error: unknown) => {
  console.error('moleculer peer failed to start:', error);
  process.exit(1);
});
