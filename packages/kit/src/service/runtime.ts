import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Logger } from 'pino';
import { audit, auditMigrations, auditPage, AuditRecordView } from '../audit/index.js';
import type { Principal, Role, TokenAuthority } from '../auth/index.js';
import { loadRevocations, revocationHandler, revocationMigrations } from '../auth/revocation.js';
import { acrossTenants, PLATFORM_TENANT } from '../context/index.js';
import { migrate, openDatabase, tablesOf, type Migrations, type ServiceDatabase } from '../db/index.js';
import { forbidden, notFound } from '../errors/index.js';
import { PageOf, PageQuery } from '../schema/index.js';
import type { Bus } from '../events/bus.js';
import { Consumer, type EventHandler, type RetryPolicy } from '../events/consumer.js';
import type { EventDefinition } from '../events/envelope.js';
import { Relay } from '../events/relay.js';
import { eventMigrations, type EventTables } from '../events/tables.js';
import { rebuildReadModel, type ReadModel } from '../events/read-model.js';
import type { Metrics } from '../metrics/index.js';
import { serviceGauges } from '../metrics/service.js';
import type { ServiceGauges } from '../metrics/index.js';
import { idempotencyMigrations } from '../idempotency/index.js';
import { jobMigrations, JobScheduler, type JobDefinition } from '../jobs/index.js';
import { retentionJob, retentionMigrations, type RetentionPolicy } from '../jobs/retention.js';
import { unitOfWork, type UnitOfWork } from '../transaction/index.js';
import { openApiDocument, routeSchema, type DocumentedRoute, type OpenApiDocument } from './openapi.js';
import { routeHandler, type RouteConfig } from './pipeline.js';
import { routeFor, type RouteDefinition } from './route.js';
import type { KitTables } from './tables.js';

/** Everything that makes a service: what is special about it, and nothing else. */
export interface ServiceDefinition<DB extends KitTables> {
  name: string;
  /** Where its API is mounted, e.g. `/api/orders`. */
  prefix: string;
  description: string;
  migrations: Migrations;
  routes: RouteDefinition<DB>[];
  /** Every event it may emit; emitting anything else is a bug caught at the emit. */
  emits?: EventDefinition[];
  handlers?: EventHandler<DB>[];
  jobs?: JobDefinition<DB>[];
  /** Its copies of other services' data, kept from events by its handlers: an operator may rebuild each by replay. */
  readModels?: ReadModel[];
}

export function defineService<DB extends KitTables>(def: ServiceDefinition<DB>): ServiceDefinition<DB> {
  return def;
}

export interface RuntimeOptions {
  dataDir: string;
  databaseUrl?: string;
  /** PostgreSQL: the most connections this service's pool holds (10 by default). */
  databasePoolMax?: number;
  bus: Bus;
  logger: Logger;
  retry?: RetryPolicy;
  sqliteSynchronous?: 'FULL' | 'NORMAL';
  relayIntervalMs?: number;
  /** The authority this process verifies tokens with: the runtime keeps it in step with revocations (AccessRevoked). */
  auth?: TokenAuthority;
  /** How often revocations recorded by other replicas of this service are read; 5 s by default. */
  revocationRefreshMs?: number;
  /** SQLite: how long a request may wait for its group commit before it is refused with 503 (see UnitOfWorkOptions). */
  queueLimitMs?: number;
  /** How long processed-event, Idempotency-Key and revocation records are kept (see retentionJob); kept forever without. */
  retention?: RetentionPolicy;
  /** The process's metrics: this service's consumer counts into it, and /metrics reads its backlogs and queue. */
  metrics?: Metrics;
}

const OPERATOR: readonly Role[] = ['operator'];
const AUDITORS: readonly Role[] = ['brand_admin', 'operator'];

const DeadLetterView = Type.Object(
  {
    id: Type.String({ description: 'the cursor for `after`' }),
    consumer: Type.String({ description: 'the consumer group that failed it' }),
    eventId: Type.String(),
    type: Type.String(),
    tenant: Type.String(),
    error: Type.String({ description: 'what the last attempt threw' }),
    attempts: Type.Integer(),
    failedAt: Type.String(),
    envelope: Type.Object(
      {
        id: Type.String(),
        type: Type.String(),
        version: Type.Integer(),
        source: Type.String(),
        key: Type.String(),
        tenant: Type.String(),
        time: Type.String(),
        headers: Type.Record(Type.String(), Type.String()),
        data: Type.Unknown({ description: "the event's fields, as docs/events.md lists them" }),
      },
      { title: 'EventEnvelope', description: 'An event as it travels: what happened (type, version, data), where (source, key, tenant), when, and its trace headers' },
    ),
  },
  { title: 'DeadLetter', description: 'An event this service failed to handle after its retries' },
);

/** The admin routes every service has, without their handlers: for documents that list routes without running a service. */
export const ADMIN_ROUTES = {
  deadLetters: {
    method: 'GET',
    url: '/admin/dead-letters',
    summary: 'List events this service failed to handle',
    roles: OPERATOR,
    query: Type.Object({
      limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
      after: Type.Optional(Type.String({ maxLength: 300, description: '`nextAfter` of the page before' })),
    }),
    response: {
      200: Type.Object(
        { items: Type.Array(DeadLetterView), nextAfter: Type.Union([Type.String(), Type.Null()], { description: 'for the next page; null on the last' }) },
        { title: 'DeadLetterPage', description: 'A page of dead letters, by id' },
      ),
    },
  },
  replay: {
    method: 'POST',
    url: '/admin/dead-letters/:id/replay',
    summary: 'Handle a dead-lettered event again',
    roles: OPERATOR,
    transaction: false,
    params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 300 }) }),
    response: {
      202: Type.Object(
        { replayed: Type.String(), handled: Type.Boolean({ description: 'false: it failed again and stays a dead letter, with the new error' }) },
        { title: 'Replay', description: 'The dead letter was handled again' },
      ),
    },
    errors: { 404: "no dead letter with that id (of the operator's brand, unless a platform operator)" },
  },
  events: {
    method: 'GET',
    url: '/admin/events',
    summary: "This service's event flow: its consumer group's lag, its outbox backlog, its dead letters, and the read models it can rebuild",
    roles: OPERATOR,
    response: {
      200: Type.Object(
        {
          service: Type.String(),
          group: Type.String({ description: 'its consumer group on the bus' }),
          lag: Type.Integer({ description: "events of the group's types on the bus it has not handled yet (0 when it consumes nothing)" }),
          outboxBacklog: Type.Integer({ description: 'events committed to its outbox and not yet on the bus' }),
          deadLetters: Type.Integer({ description: 'events waiting for a replay, of every brand' }),
          readModels: Type.Array(
            Type.Object({ name: Type.String(), description: Type.String(), tables: Type.Array(Type.String()), events: Type.Array(Type.String()) }, { title: 'ReadModel' }),
          ),
        },
        { title: 'EventFlow', description: "A service's consumer lag, outbox backlog and dead letters" },
      ),
    },
    errors: { 403: 'an operator of one brand: the figures are of every brand, for platform staff only' },
  },
  rebuild: {
    method: 'POST',
    url: '/admin/read-models/:name/rebuild',
    summary: 'Empty a read model and rebuild it by replaying the events the bus keeps, in a consumer of its own (no other group moves)',
    roles: OPERATOR,
    transaction: false,
    params: Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) }),
    query: Type.Object({ from: Type.Optional(Type.String({ format: 'date-time', description: 'replay events published from then on; default: all the bus keeps' })) }),
    response: {
      200: Type.Object(
        { readModel: Type.String(), from: Type.String(), replayed: Type.Integer({ description: 'events handed to its handlers' }) },
        { title: 'Rebuild', description: 'The read model was emptied and filled again from the events' },
      ),
    },
    errors: { 403: 'an operator of one brand: a read model holds every brand, so platform staff rebuild it', 404: 'no read model of that name in this service' },
  },
  audit: {
    method: 'GET',
    url: '/admin/audit',
    summary: "Security-relevant actions in this service, oldest first: a brand's admin and operator see that brand's, a platform operator every brand's",
    roles: AUDITORS,
    query: Type.Object(PageQuery),
    response: { 200: PageOf(AuditRecordView) },
  },
} as const satisfies Record<string, DocumentedRoute>;

/** Every route a service serves, its own and the admin routes, as its document lists them. */
export const documentedRoutes = (def: { routes: readonly DocumentedRoute[] }): DocumentedRoute[] => [...def.routes, ...Object.values(ADMIN_ROUTES)];

/**
 * Dead letters are kept per brand like any row: an operator of one brand sees and replays
 * only that brand's; a platform operator (tenant PLATFORM_TENANT) looks after every brand's.
 */
function asOperator<T>(principal: Principal, fn: () => Promise<T>): Promise<T> {
  return principal.tenant === PLATFORM_TENANT ? acrossTenants("a platform operator looks after every brand's dead letters and audit", fn) : fn();
}

/** Refuses an operator of one brand: what follows is of every brand (the bus, the outbox, a read model). */
function platformStaff(principal: Principal): void {
  if (principal.tenant !== PLATFORM_TENANT) throw forbidden(`platform staff only (an operator whose token's tenant is ${PLATFORM_TENANT})`);
}

/**
 * The handlers of a service's consumer group: its own, and AccessRevoked when it verifies tokens
 * (every service refuses revoked tokens itself). What the group handles, for the bus routes too.
 */
export function serviceHandlers<DB extends KitTables>(def: ServiceDefinition<DB>, auth?: TokenAuthority): EventHandler<DB>[] {
  return [...(def.handlers ?? []), ...(auth ? [revocationHandler<DB>(auth)] : [])];
}

/**
 * A service, running: its database (migrated at start), outbox relay,
 * consumer group, jobs, and a Fastify plugin with its routes, its OpenAPI
 * document and its dead-letter admin routes. The same runtime serves the
 * embedded platform (all services, one process) and a distributed process.
 */
export class ServiceRuntime<DB extends KitTables> {
  readonly name: string;
  readonly sdb: ServiceDatabase<DB>;
  readonly relay: Relay;
  readonly uow: UnitOfWork<DB>;
  readonly consumer: Consumer<DB>;
  private readonly jobs: JobScheduler<DB>;
  private readonly gauges: ServiceGauges;
  private revocationTimer: NodeJS.Timeout | undefined;
  private unwatch: (() => void) | undefined;
  /** Every route it serves: its own and the admin routes. */
  readonly routes: RouteDefinition<DB>[];

  constructor(
    readonly def: ServiceDefinition<DB>,
    private readonly opts: RuntimeOptions,
  ) {
    this.name = def.name;
    const logger = opts.logger.child({ service: def.name });
    this.sdb = openDatabase<DB>({
      service: def.name,
      url: opts.databaseUrl,
      poolMax: opts.databasePoolMax,
      dataDir: opts.dataDir,
      sqliteSynchronous: opts.sqliteSynchronous,
      onConnectionError: (error) => logger.warn({ err: error }, 'database connection lost; the pool reconnects on next use'),
    });
    this.relay = new Relay(tablesOf<EventTables>()(this.sdb.background), opts.bus, logger, { intervalMs: opts.relayIntervalMs, durable: () => this.sdb.durable(), service: def.name, dialect: this.sdb.dialect });
    this.uow = unitOfWork(def.name, this.sdb, this.relay, def.emits ?? [], { queueLimitMs: opts.queueLimitMs });
    this.consumer = new Consumer(def.name, serviceHandlers(def, opts.auth), this.uow, logger, { retry: opts.retry, metrics: opts.metrics });
    const retention = opts.retention ? [retentionJob<DB>(this.consumer.group, this.sdb.dialect, opts.retention, opts.bus)] : [];
    this.jobs = new JobScheduler(def.name, [...(def.jobs ?? []), ...retention], this.uow, logger, this.sdb.dialect);
    this.gauges = serviceGauges(this.name, this.sdb, this.uow);
    this.routes = [...def.routes, ...this.adminRoutes()];
  }

  /** Rebuilds one of its read models by replay (see rebuildReadModel); undefined when it has none of that name. */
  async rebuild(name: string, from: Date): Promise<number | undefined> {
    const model = this.def.readModels?.find((m) => m.name === name);
    if (!model) return undefined;
    return rebuildReadModel(model, { service: this.name, handlers: this.def.handlers ?? [], uow: this.uow, bus: this.opts.bus, logger: this.opts.logger, from });
  }

  /** Its consumer group's lag, its outbox backlog and dead letters, as an operator's console shows them. */
  async eventFlow() {
    const lag = this.consumer.types.length ? ((await this.opts.bus.lag())[this.consumer.group] ?? 0) : 0;
    return {
      service: this.name,
      group: this.consumer.group,
      lag,
      outboxBacklog: await this.gauges.outboxBacklog(),
      deadLetters: await this.gauges.deadLetters(),
      readModels: (this.def.readModels ?? []).map((m) => ({ name: m.name, description: m.description, tables: [...m.tables], events: m.events.map((e) => e.type) })),
    };
  }

  /** Migrates, then starts the relay, the consumer group and the jobs. Call before the bus starts. */
  async start(): Promise<void> {
    await migrate(this.sdb, this.name, { ...eventMigrations, ...idempotencyMigrations, ...revocationMigrations, ...auditMigrations, ...retentionMigrations, ...jobMigrations, ...this.def.migrations });
    await this.keepRevocationsInStep();
    this.relay.start();
    if (this.consumer.types.length) this.opts.bus.subscribe(this.consumer);
    this.jobs.start();
    this.unwatch = this.opts.metrics?.watchService(this.gauges);
  }

  /** Jobs stop, the outbox is flushed to the bus, the database closes. Call after the bus stopped delivering. */
  async stop(): Promise<void> {
    clearInterval(this.revocationTimer);
    this.unwatch?.();
    await this.jobs.stop();
    await this.relay.stop();
    await this.sdb.close();
  }

  /**
   * Replicas of a service share one consumer group, so only one of them handles
   * a given AccessRevoked; the others read what it recorded, now and every few seconds.
   */
  private async keepRevocationsInStep(): Promise<void> {
    const auth = this.opts.auth;
    if (!auth) return;
    const load = () => acrossTenants('every brand\'s revocations apply to the tokens this process verifies', () => loadRevocations(this.sdb.db, auth));
    await load();
    this.revocationTimer = setInterval(() => void load().catch((error: unknown) => this.opts.logger.warn({ err: error, service: this.name }, 'revocations not re-read; trying again shortly')), this.opts.revocationRefreshMs ?? 5000);
    this.revocationTimer.unref();
  }

  ping(): Promise<void> {
    return this.sdb.ping();
  }

  private document: Promise<OpenApiDocument> | undefined;

  /** This service's OpenAPI document, made once, when first asked for. */
  openApi(): Promise<OpenApiDocument> {
    this.document ??= openApiDocument({
      title: `Omnishop ${this.name}`,
      description: this.def.description,
      services: [{ name: this.name, prefix: this.def.prefix, description: this.def.description, routes: this.routes }],
    });
    return this.document;
  }

  readonly plugin: FastifyPluginAsync = async (app: FastifyInstance) => {
    for (const route of this.routes) this.mount(app, route);
    app.get('/openapi.json', async () => this.openApi());
  };

  private mount(app: FastifyInstance, route: RouteDefinition<DB>): void {
    // A public route names no roles, so the pipeline asks for no token (see RouteAccess).
    const isPublic = route.roles === 'public';
    if (isPublic && route.idempotent) throw new Error(`${route.method} ${route.url}: a public route has no principal to scope an Idempotency-Key by`);
    const config: RouteConfig = { service: this.name, roles: isPublic ? undefined : (route.roles as readonly Role[]), alwaysAdmitted: route.alwaysAdmitted ?? false };
    const handle = routeHandler(this.uow, route);
    app.route({
      method: route.method,
      url: route.url,
      config,
      schema: routeSchema(this.name, route),
      handler: (request, reply) => handle(request, reply),
    });
  }

  /** Every service lists and replays its dead letters, and shows its audit log, the same way. */
  adminRoutes(): RouteDefinition<DB>[] {
    const route = routeFor<DB>();
    return [
      route({
        ...ADMIN_ROUTES.deadLetters,
        handler: async ({ query, principal }) => {
          const items = await asOperator(principal, () => this.consumer.deadLetters({ limit: query.limit, after: query.after }));
          return { status: 200, body: { items, nextAfter: items.length === query.limit ? (items.at(-1)?.id ?? null) : null } };
        },
      }),
      route({
        ...ADMIN_ROUTES.replay,
        handler: async ({ params, principal }) => {
          const handled = await asOperator(principal, () => this.consumer.replay(params.id));
          if (handled === undefined) throw notFound('dead letter', params.id);
          await this.uow.run((tx) => audit(tx.db, { action: 'dead-letter.replay', target: params.id, outcome: handled ? 'ok' : 'failed' }));
          // Not handled: it failed again and stays a dead letter, with the new error.
          return { status: 202, body: { replayed: params.id, handled } };
        },
      }),
      route({
        ...ADMIN_ROUTES.events,
        handler: async ({ principal }) => {
          platformStaff(principal);
          return { status: 200, body: await this.eventFlow() };
        },
      }),
      route({
        ...ADMIN_ROUTES.rebuild,
        handler: async ({ params, query, principal }) => {
          platformStaff(principal);
          const from = new Date(query.from ?? 0);
          const replayed = await this.rebuild(params.name, from);
          if (replayed === undefined) throw notFound('read model', params.name);
          await this.uow.run((tx) => audit(tx.db, { action: 'read-model.rebuild', target: params.name, outcome: 'ok' }));
          return { status: 200, body: { readModel: params.name, from: from.toISOString(), replayed } };
        },
      }),
      route({
        ...ADMIN_ROUTES.audit,
        handler: async ({ query, principal }, tx) => {
          const tenant = principal.tenant === PLATFORM_TENANT ? undefined : principal.tenant;
          return { status: 200, body: await asOperator(principal, () => auditPage(tx.db, { tenant, limit: query.limit, cursor: query.cursor })) };
        },
      }),
    ];
  }
}
