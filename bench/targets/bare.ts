/**
 * Baseline target: a bare Fastify 5 server, default options, with one
 * `POST /orders` route that parses the JSON body and answers 201 with a small
 * JSON body. No logging, auth, validation, database or events: the ceiling
 * the same machine reaches for "an HTTP POST with JSON in and out".
 */
import Fastify from 'fastify';
import type { AddressInfo } from 'node:net';
import { announce, exitOnSignals } from './protocol.js';

interface OrderBody {
  lines?: { sku: string; qty: number }[];
}

async function main(): Promise<void> {
  const app = Fastify({ logger: false });
  let seq = 0;
  app.post<{ Body: OrderBody }>('/orders', async (request, reply) => {
    reply.code(201);
    return { id: ++seq, status: 'pending', lines: request.body.lines?.length ?? 0 };
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  exitOnSignals(() => app.close());
  const { port } = app.server.address() as AddressInfo;
  announce({ url: `http://127.0.0.1:${port}`, path: '/orders', token: '', sku: 'BENCH-BLK-M', settings: { fastify: app.version } });
}

main().catch((error: unknown) => {
  console.error('bare target failed to start:', error);
  process.exit(1);
});
