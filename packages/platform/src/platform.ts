import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import {
  closeGracefully,
  createHttpServer,
  EmbeddedBus,
  installTracing,
  flushTracing,
  Metrics,
  NatsBus,
  type Bus,
  type HealthCheck,
  probedInBackground,
  registerHealth,
  ServiceRuntime,
  busRoutes,
  serviceHandlers,
  tokenAuthority,
  ConfigError,
  type Logger,
  type RetryPolicy,
  type Routes,
  type TokenAuthority,
  type KitTables,
} from '@omnishop/kit';
import { catalogService } from '@omnishop/catalog';
import { customerService } from '@omnishop/customer';
import { fulfilmentService } from '@omnishop/fulfilment';
import { gatewayService } from '@omnishop/gateway';
import { inventoryService } from '@omnishop/inventory';
import { orderService } from '@omnishop/order';
import { paymentService } from '@omnishop/payment';
import { promotionService } from '@omnishop/promotion';
import { storeService } from '@omnishop/store';
import { registerBehaviour, registerConsoleAssets, registerEventMap } from '@omnishop/console';
import { webhookService } from '@omnishop/webhook';
import { platformDocument, registerApiDocs, registerIndex } from './api-docs.js';
import { signingKeys, type PlatformConfig } from './config.js';
import type { LogSpec } from './logging.js';
import { peersMetrics, registerMetrics } from './metrics.js';
import { registerTraces } from './traces.js';
import { startServiceThread, type ServiceThread } from './service-thread.js';
import { parseUpstreams, registerUpstreams, upstreamChecks } from './upstreams.js';

export interface Platform {
  app: FastifyInstance;
  url: string;
  auth: TokenAuthority;
  bus: Bus;
  /** The services running on this thread. */
  runtimes: ServiceRuntime<KitTables>[];
  /** Every service this process serves, on this thread or the service thread. */
  services: { name: string; prefix: string; description?: string }[];
  /** Every service its port answers for: those it serves and those it forwards to (UPSTREAMS). */
  reachable: { name: string; prefix: string; description?: string }[];
  /** The heap of each other thread of this process (the service thread), beside process.memoryUsage()'s of this one. */
  threadHeaps(): Promise<{ usedBytes: number; totalBytes: number }[]>;
  stop(): Promise<void>;
}

/**
 * `publicUrl` is where this process answers, for the simulated wallet provider
 * to call back: known only after listen (port 0 in tests), hence a function.
 */
export function serviceDefinitions(
  config: PlatformConfig,
  publicUrl: () => string | undefined = () => undefined,
  auth: TokenAuthority = tokenAuthority(signingKeys(config)),
) {
  return [
    catalogService,
    storeService,
    inventoryService({ reservationTtlSeconds: config.reservationTtlSeconds, expiryCheckMs: config.expiryCheckMs }),
    orderService({ paymentTimeoutSeconds: config.paymentTimeoutSeconds, paymentCheckMs: config.paymentCheckMs }),
    promotionService,
    customerService,
    paymentService({
      providerSecret: config.paymentProviderSecret,
      latencyMs: config.paymentLatencyMs,
      failureRate: config.paymentFailureRate,
      renotifyMs: config.paymentRenotifyMs,
      baseUrl: publicUrl,
    }),
    fulfilmentService({ claimTimeoutSeconds: config.claimTimeoutSeconds, offerCheckMs: config.offerCheckMs }),
    webhookService({
      checkMs: config.webhookCheckMs,
      timeoutMs: config.webhookTimeoutMs,
      retry: { attempts: config.webhookAttempts, baseMs: config.webhookRetryBaseMs, maxMs: config.webhookRetryMaxMs },
    }),
    gatewayService({ auth, accessTtlSeconds: config.accessTokenTtlSeconds, refreshTtlSeconds: config.refreshTokenTtlSeconds }),
  ];
}

/** The services this process runs, in the order they start; an unknown name stops start-up. */
function chosenServices(config: PlatformConfig, publicUrl: () => string | undefined, auth: TokenAuthority) {
  const all = serviceDefinitions(config, publicUrl, auth);
  const known = (key: string, names: string[]) => {
    const unknown = names.filter((name) => !all.some((d) => d.name === name));
    if (unknown.length) throw new ConfigError([`${key}: unknown service ${unknown.join(', ')}; known: ${all.map((d) => d.name).join(', ')}`]);
    return names;
  };
  const wanted = known('services (env SERVICES)', config.services.split(','));
  const threaded = known('threadServices (env THREAD_SERVICES)', config.threadServices === 'none' ? [] : config.threadServices.split(',')).filter((name) => wanted.includes(name));
  // A thread of their own only beside others: a process of one service (distributed mode) keeps it on its main thread.
  const onThread = threaded.length < wanted.length ? threaded : [];
  const forwarded = [...parseUpstreams(config.upstreams).keys()];
  return {
    served: all.filter((d) => wanted.includes(d.name)),
    // What this process answers for, itself, on its service thread or through upstreams: its API document.
    reachable: all.filter((d) => wanted.includes(d.name) || forwarded.includes(d.name)),
    here: all.filter((d) => wanted.includes(d.name) && !onThread.includes(d.name)),
    onThread,
    prefixes: new Map(all.map((d) => [d.name, d.prefix])),
    // Every process of a platform routes every type to every group that handles it, wherever that group runs.
    routes: busRoutes(all.map((d) => ({ group: d.name, types: serviceHandlers(d as never, auth).map((h) => h.event.type) }))),
  };
}

/** The service thread's share of this process: its services on their own port, forwarded to from here. */
async function startThreadFor(config: PlatformConfig, onThread: string[], logger: Logger, opts: { retry?: RetryPolicy; threadLog?: LogSpec }) {
  if (!onThread.length) return undefined;
  const threadConfig = { ...config, services: onThread.join(','), threadServices: 'none', upstreams: '', port: 0 };
  return startServiceThread({ config: threadConfig, log: opts.threadLog ?? { level: config.logLevel }, retry: opts.retry }, logger);
}

/** Where this process forwards each service it does not run itself: UPSTREAMS, and the service thread's. */
const forwardingOf = (upstreams: Map<string, string[]>, thread: ServiceThread | undefined, onThread: string[]) =>
  new Map([...upstreams, ...(thread ? onThread.map((name): [string, string[]] => [name, [thread.url]]) : [])]);

/** How often the service thread's and the upstreams' readiness is asked: readiness is at most this (and one probe) behind. */
const NEIGHBOUR_PROBE_MS = 500;

const retentionOf = (config: PlatformConfig) => ({ seconds: config.retentionSeconds, everyMs: config.pruneEveryMs });

async function openBus(config: PlatformConfig, logger: Logger, routes: Routes): Promise<Bus> {
  if (!config.busUrl) return new EmbeddedBus(config.dataDir, logger, { synchronous: config.sqliteSynchronous, retention: retentionOf(config) });
  if (!/^nats:\/\//.test(config.busUrl)) throw new ConfigError([`busUrl (env BUS_URL): must be empty (embedded) or nats://..., got ${config.busUrl}`]);
  return NatsBus.connect({ url: config.busUrl, stream: config.busStream, subjectPrefix: `${config.busStream.toLowerCase()}.events`, partitions: config.busPartitions, routes }, logger);
}

/**
 * Runs the chosen services in this process, each on its own SQLite file (or
 * PostgreSQL schema), joined by the bus, behind one HTTP port at
 * `/api/<service>`. Embedded: every service, SQLite, the embedded bus.
 * Distributed: one service per process (SERVICES=order), PostgreSQL
 * (DATABASE_URL) and NATS JetStream (BUS_URL), any number of replicas.
 * The services' code is the same either way.
 */
export async function startPlatform(
  config: PlatformConfig,
  logger: Logger,
  opts: {
    retry?: RetryPolicy;
    /** more checks /health/ready waits for, e.g. the demo seed */
    readiness?: Record<string, HealthCheck>;
    /** how the service thread (threadServices) writes its log; default JSON lines on stdout at config.logLevel */
    threadLog?: LogSpec;
  } = {},
): Promise<Platform> {
  const recent = installTracing();
  // One authority for the process: every service here verifies with it, and the gateway mints and revokes with it.
  const auth = tokenAuthority(signingKeys(config));
  const listening: { url?: string } = {}; // known once the server listens
  const { served, reachable, here: definitions, onThread, prefixes, routes } = chosenServices(config, () => listening.url, auth);
  const upstreams = parseUpstreams(config.upstreams);
  const bus = await openBus(config, logger, routes);
  const metrics = new Metrics();
  metrics.watchBus(bus);
  const thread = await startThreadFor(config, onThread, logger, opts);
  const runtimes = definitions.map(
    (def) =>
      // Each service has a database type of its own; the platform knows them all as what they share, the kit's tables.
      new ServiceRuntime<KitTables>(def as never, {
        dataDir: config.dataDir,
        databaseUrl: config.databaseUrl,
        databasePoolMax: config.databasePoolMax,
        bus,
        logger,
        retry: opts.retry,
        sqliteSynchronous: config.sqliteSynchronous,
        queueLimitMs: config.queueLimitMs,
        retention: retentionOf(config),
        auth,
        metrics,
      }),
  );
  const app = createHttpServer({
    logger,
    auth,
    bodyLimitBytes: config.bodyLimitBytes,
    requestTimeoutMs: config.requestTimeoutMs,
    rateLimit: { windowMs: config.rateLimitWindowMs, clientMax: config.rateLimitClientMax, brandMax: config.rateLimitBrandMax },
    admissionLoopDelayMs: config.admissionLoopDelayMs,
    metrics,
  });
  let closing = false;
  // Other event loops (the service thread, upstream processes) are asked in the background, so readiness answers at once under load.
  const neighbours = Object.entries({ ...(thread ? { thread: () => thread.ready() } : {}), ...upstreamChecks(upstreams) }).map(
    ([name, check]) => [name, probedInBackground(check, NEIGHBOUR_PROBE_MS)] as const,
  );
  const checks = {
    bus: () => bus.ping(),
    ...Object.fromEntries(runtimes.map((r) => [r.name, () => r.ping()])),
    ...Object.fromEntries(neighbours.map(([name, probe]) => [name, probe.check])),
  };
  registerHealth(app, { ...checks, ...opts.readiness }, () => closing);
  registerIndex(app, reachable);
  registerMetrics(app, metrics, thread);
  // The service thread's and (distributed) the upstream processes' recent spans and behaviour records join this thread's.
  const peers = () => [...new Set([...(thread ? [thread.url] : []), ...[...upstreams.values()].flat()])];
  const tracesAbout = await registerTraces(app, recent, peers);
  await registerApiDocs(app, () => platformDocument(reachable));
  // The console: its page and assets, and the event map of every service this port answers for, with the figures of
  // the service thread and (a gateway) the upstream processes.
  await registerConsoleAssets(app);
  await registerEventMap(app, { services: reachable, logger, metrics: async () => [await metrics.json(), ...(await peersMetrics(peers()))] });
  await registerBehaviour(app, { peers, tracesAbout });
  for (const runtime of runtimes) {
    await runtime.start();
    await app.register(runtime.plugin, { prefix: runtime.def.prefix });
  }
  await registerUpstreams(app, { upstreams: forwardingOf(upstreams, thread, onThread), auth, prefixes, local: runtimes.map((r) => r.name) });
  await bus.start();
  await app.listen({ host: config.host, port: config.port });
  const { port } = app.server.address() as AddressInfo;
  const url = (listening.url = `http://${config.host}:${port}`);
  logger.setBindings({ port });
  return {
    app,
    url,
    auth,
    bus,
    runtimes,
    services: served,
    reachable,
    threadHeaps: async () => (thread ? [await thread.heap()] : []),
    async stop() {
      closing = true;
      for (const [, probe] of neighbours) probe.stop();
      await closeGracefully(app); // stop accepting; in-flight requests finish, forwarded ones too
      await bus.stop(); // consumers finish the event in hand
      for (const r of runtimes) await r.stop(); // jobs stop, outboxes flush, databases close
      await bus.close();
      await thread?.stop(); // the same, on the service thread
      await flushTracing(); // spans an exporter still holds
    },
  };
}
