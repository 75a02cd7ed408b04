/**
 * Peer target: the order-acceptance endpoint as a NestJS team would write it,
 * on NestJS's Fastify adapter (bench/peers/README.md). Started by the bench
 * like the other targets; announces itself with one JSON line on stdout.
 *
 * Environment: BENCH_PEER_DATABASE, BENCH_SQLITE_SYNC (bench/peers/order-store.ts).
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AddressInfo } from 'node:net';
import { versionOf } from '../../lib/machine.js';
import { announce, exitOnSignals } from '../../targets/protocol.js';
import { PEER_SKU, type OrderStore } from '../order-store.js';
import { ORDER_STORE, OrdersModule } from './orders.module.js';

async function main(): Promise<void> {
  const app = await NestFactory.create<NestFastifyApplication>(OrdersModule, new FastifyAdapter(), { logger: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  exitOnSignals(() => app.close());
  const { port } = app.getHttpServer().address() as AddressInfo;
  const store = app.get<OrderStore>(ORDER_STORE);
  announce({ url: `http://127.0.0.1:${port}`, path: '/orders', token: '', sku: PEER_SKU, settings: { nestjs: versionOf('@nestjs/core'), ...store.settings } });
}

main().catch((error: unknown) => {
  console.error('nestjs peer failed to start:', error);
  process.exit(1);
});
