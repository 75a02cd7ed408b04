import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import {
  createHttpServer,
  EmbeddedBus,
  installTracing,
  registerHealth,
  ServiceRuntime,
  tokenAuthority,
  type Logger,
  type RetryPolicy,
  type TokenAuthority,
} from '@omnishop/kit';
import { catalogService } from '@omnishop/catalog';
import { inventoryService } from '@omnishop/inventory';
import { orderService } from '@omnishop/order';
import type { PlatformConfig } from './config.js';

export interface Platform {
  app: FastifyInstance;
  url: string;
  auth: TokenAuthority;
  bus: EmbeddedBus;
  runtimes: ServiceRuntime<unknown>[];
  stop(): Promise<void>;
}

export function serviceDefinitions(config: PlatformConfig) {
  return [
    catalogService,
    inventoryService({ reservationTtlSeconds: config.reservationTtlSeconds, expiryCheckMs: config.expiryCheckMs }),
    orderService,
  ];
}

/**
 * The embedded platform: every service in this process, each on its own
 * SQLite file (or PostgreSQL schema), joined by the embedded bus, behind one
 * HTTP port at `/api/<service>`.
 */
export async function startPlatform(config: PlatformConfig, logger: Logger, opts: { retry?: RetryPolicy } = {}): Promise<Platform> {
  installTracing();
  const auth = tokenAuthority(config.jwtSecret);
  const bus = new EmbeddedBus(config.dataDir, logger, { synchronous: config.sqliteSynchronous });
  const runtimes = serviceDefinitions(config).map(
    (def) =>
      new ServiceRuntime<unknown>(def as never, {
        dataDir: config.dataDir,
        databaseUrl: config.databaseUrl,
        bus,
        logger,
        retry: opts.retry,
        sqliteSynchronous: config.sqliteSynchronous,
      }),
  );
  const app = createHttpServer({ logger, auth, bodyLimitBytes: config.bodyLimitBytes, requestTimeoutMs: config.requestTimeoutMs });
  let closing = false;
  registerHealth(app, { bus: () => bus.ping(), ...Object.fromEntries(runtimes.map((r) => [r.name, () => r.ping()])) }, () => closing);
  app.get('/api', { schema: { hide: true } }, async () => ({
    services: runtimes.map((r) => ({ name: r.name, api: r.def.prefix, openapi: `${r.def.prefix}/openapi.json`, description: r.def.description })),
  }));
  for (const runtime of runtimes) {
    await runtime.start();
    await app.register(runtime.plugin, { prefix: runtime.def.prefix });
  }
  await bus.start();
  await app.listen({ host: config.host, port: config.port });
  const { port } = app.server.address() as AddressInfo;
  return {
    app,
    url: `http://${config.host}:${port}`,
    auth,
    bus,
    runtimes,
    async stop() {
      closing = true;
      await app.close(); // stop accepting; in-flight requests finish
      await bus.stop(); // consumers finish the event in hand
      for (const r of runtimes) await r.stop(); // jobs stop, outboxes flush, databases close
      await bus.close();
    },
  };
}
