/**
 * Pipeline target: the kit's HTTP server with its whole request pipeline
 * (request id, context, OpenTelemetry span, behaviour log, JWT auth, schema
 * validation, problem+json errors, metrics) in front of a route that answers like the
 * bare one, without a database. The gap between this and bare is what the
 * pipeline costs; the gap between this and order placement is what the
 * database and the outbox cost.
 *
 * Environment: BENCH_JWT_SECRET (the key the parent mints its token with),
 * BENCH_LOG_LEVEL, BENCH_LOG_DEST as for the platform target.
 */
import type { AddressInfo } from 'node:net';
import { Type } from '@sinclair/typebox';
import { createHttpServer, createLogger, installTracing, logStream, Metrics, SkuCode, tokenAuthority, type RouteConfig } from '@omnishop/kit';
import { announce, exitOnSignals } from './protocol.js';

async function main(): Promise<void> {
  installTracing();
  const secret = process.env.BENCH_JWT_SECRET;
  if (!secret) throw new Error('BENCH_JWT_SECRET is not set');
  const logger = createLogger({
    level: process.env.BENCH_LOG_LEVEL ?? 'info',
    // As the platform writes its log (see packages/platform/src/logging.ts).
    destination: logStream(process.env.BENCH_LOG_DEST ?? '/dev/null').destination,
  });
  const metrics = process.env.AB_NO_METRICS ? undefined : new Metrics();
  const app = createHttpServer({ logger, auth: tokenAuthority(secret), bodyLimitBytes: 1_048_576, requestTimeoutMs: 10_000, metrics });
  const config: RouteConfig = { service: 'bench', roles: ['customer'] };
  let seq = 0;
  app.post(
    '/orders',
    {
      config,
      schema: {
        headers: Type.Object({ 'idempotency-key': Type.String({ minLength: 1, maxLength: 200 }) }),
        body: Type.Object(
          { lines: Type.Array(Type.Object({ sku: SkuCode, qty: Type.Integer({ minimum: 1, maximum: 999 }) }, { additionalProperties: false }), { minItems: 1, maxItems: 50 }) },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      reply.code(201);
      return { id: ++seq, status: 'pending', lines: (request.body as { lines: unknown[] }).lines.length };
    },
  );
  await app.listen({ host: '127.0.0.1', port: 0 });
  exitOnSignals(() => app.close());
  const { port } = app.server.address() as AddressInfo;
  announce({ url: `http://127.0.0.1:${port}`, path: '/orders', token: '', sku: 'BENCH-BLK-M', settings: { logLevel: process.env.BENCH_LOG_LEVEL ?? 'info' } });
}

main().catch((error: unknown) => {
  console.error('pipeline target failed to start:', error);
  process.exit(1);
});
