import { randomUUID } from 'node:crypto';
import { Ajv, type Options as AjvOptions } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Role, TokenAuthority } from '../auth/index.js';
import { currentContext, runWithContext, withDeadline, type RequestContext } from '../context/index.js';
import { Problem, roleForbidden, unauthorized } from '../errors/index.js';
import { claimKey, IDEMPOTENCY_HEADER, requestHash, storeResponse, type IdempotencyTables } from '../idempotency/index.js';
import { behaviourLog } from '../log/index.js';
import { installRateLimits, type RateLimitOptions } from '../rate-limit/index.js';
import { annotate, serverSpanAttributes, startSpan, type ActiveSpan } from '../trace/index.js';
import { overloaded, type UnitOfWork } from '../transaction/index.js';
import type { Admission } from './admission.js';
import { notFoundHandler, problemErrorHandler, RouteMethods } from './problems.js';
import type { RouteDefinition, RouteResult } from './route.js';

/** What a route tells the pipeline about itself. */
export interface RouteConfig {
  service?: string;
  roles?: readonly Role[];
  alwaysAdmitted?: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    span: ActiveSpan | null;
    /** The same object the handler reads through currentContext(); kept here for hooks that run outside it. */
    ctx: RequestContext | null;
    startedAt: number;
  }
}

export interface PipelineOptions {
  logger: Logger;
  auth: TokenAuthority;
  requestTimeoutMs: number;
  /** Refuses requests past what the process can work on in time; none when left out. */
  admission?: Admission;
  /** Per-client and per-brand limits; none when left out. */
  rateLimit?: RateLimitOptions;
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** Accepts the caller's request id when it is sane, otherwise makes one. */
export function requestId(req: { headers: Record<string, unknown> }): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * Body validation never coerces (a quantity sent as "5" is an error, not 5) and
 * rejects unknown fields by name; path, query and header values arrive as
 * strings and are coerced to the schema's types.
 */
function validators(app: FastifyInstance): void {
  const base: AjvOptions = { allErrors: true, removeAdditional: false, useDefaults: true, strict: false };
  const strictAjv = addFormats.default(new Ajv({ ...base, coerceTypes: false }));
  const coercingAjv = addFormats.default(new Ajv({ ...base, coerceTypes: 'array' }));
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? strictAjv : coercingAjv).compile(schema));
}

/**
 * The request pipeline, in the order a request meets it:
 * request id → context and trace → admission → behaviour log (when the answer is sent) → auth →
 * rate limit → validation → idempotency → unit of work → handler → outbox. The hooks are
 * installed here, for every route; the last four are each route's handler, `routeHandler` below.
 */
export function installPipeline(app: FastifyInstance, opts: PipelineOptions): void {
  app.decorateRequest('span', null);
  app.decorateRequest('ctx', null);
  app.decorateRequest('startedAt', 0);
  validators(app);

  // 1. request id (Fastify's genReqId, see server.ts) is echoed to the caller.
  // 2. context: trace span from the caller's traceparent, deadline, request id.
  app.addHook('onRequest', (request, reply, done) => {
    request.startedAt = performance.now();
    reply.header('x-request-id', request.id);
    const config = request.routeOptions.config as RouteConfig;
    const span = startSpan(`${request.method} ${request.routeOptions.url ?? 'unknown'}`, request.headers);
    request.span = span;
    const ctx: RequestContext = withDeadline(
      { service: config.service ?? 'platform', requestId: request.id, traceparent: span.traceparent, traceId: span.traceId },
      opts.requestTimeoutMs,
    );
    request.ctx = ctx;
    runWithContext(ctx, done);
  });

  // 3. admission: a service's request past what the process can work on in time is refused
  // at once, before auth or its body cost anything. Health checks, docs and routes marked
  // alwaysAdmitted always go through.
  const gate = opts.admission;
  if (gate) {
    app.addHook('onClose', (_app, done) => {
      gate.stop();
      done();
    });
    app.addHook('onRequest', (request, reply, done) => {
      const config = request.routeOptions.config as RouteConfig;
      if (!config.service || config.alwaysAdmitted) return done();
      if (!gate.tryAcquire()) return done(overloaded('the platform'));
      // 'close' comes once whatever happens: answered, failed, or the client gone mid-way.
      reply.raw.once('close', () => gate.release());
      done();
    });
  }

  // 4. behaviour log: one record when the response is sent, whatever happened.
  app.addHook('onResponse', (request, reply, done) => {
    const ctx = request.ctx;
    const config = request.routeOptions.config as RouteConfig;
    behaviourLog(opts.logger, {
      service: config.service ?? 'platform',
      kind: 'request',
      action: `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`,
      tenant: ctx?.tenant,
      principal: ctx?.principal?.subject,
      role: ctx?.principal?.role,
      status: reply.statusCode,
      latencyMs: Math.round((performance.now() - request.startedAt) * 100) / 100,
      requestId: request.id,
      traceId: request.span?.traceId,
    });
    if (request.span) annotate(request.span.span, serverSpanAttributes(config.service ?? 'platform', request.routeOptions.url, request.url, reply.statusCode, ctx?.tenant, request.id));
    request.span?.end(reply.statusCode >= 500 ? `status ${reply.statusCode}` : undefined);
    done();
  });

  // 5. auth: a route that names roles needs a valid bearer token with one of them.
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const roles = (request.routeOptions.config as RouteConfig).roles;
    if (!roles) return;
    const ctx = request.ctx;
    const header = request.headers.authorization;
    if (!header) throw unauthorized('Authorization header with a Bearer token is required');
    // The signature part may be empty here (an unsigned token), for the verifier to say so.
    const match = /^Bearer ([\w-]+\.[\w-]+\.[\w-]*)$/.exec(header);
    if (!match?.[1]) throw unauthorized('Authorization header must be "Bearer <JWT>", and a JWT is three base64url parts joined by dots');
    const principal = await opts.auth.verify(match[1]);
    if (ctx) {
      ctx.principal = principal;
      ctx.tenant = principal.tenant;
    }
    if (!roles.includes(principal.role)) throw roleForbidden(`role ${principal.role} may not ${request.method} ${request.routeOptions.url}`);
  });

  // 6. rate limit: per client and per brand, after auth, so the limits count verified subjects and tenants.
  if (opts.rateLimit) installRateLimits(app, opts.rateLimit);

  // 7. validation: Fastify checks params, query, headers and body against the route's schemas.
  // Errors anywhere become problem+json.
  app.setErrorHandler(problemErrorHandler(opts.logger));
  const routes = new RouteMethods();
  app.addHook('onRoute', (route) => routes.add(route.method, route.url));
  app.setNotFoundHandler(notFoundHandler(routes));
}

/**
 * 8–11. A route's handler: its slow work that needs no transaction (prepare) → idempotency → unit of work → handler → outbox. A
 * write runs in one transaction (commit on success, roll back on error) whose
 * emitted events go to the outbox in it; a creating POST claims its
 * Idempotency-Key in the same transaction, so a repeat gets the first answer
 * (status, body and headers) and a failure leaves no claim. Reads, and the
 * rare route that opens its own transactions, run outside one.
 */
export function routeHandler<DB extends IdempotencyTables>(uow: UnitOfWork<DB>, route: RouteDefinition<DB>) {
  const isPublic = route.roles === 'public';
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const principal = currentContext()?.principal;
    if (!principal && !isPublic) throw new Error(`${route.method} ${route.url} reached its handler without a principal`);
    const given = { body: request.body, params: request.params, query: request.query, principal };
    const input = route.prepare ? { ...given, prepared: await route.prepare(given, uow.readOnly()) } : given;
    let replayed = false;
    const result: RouteResult =
      route.method === 'GET' || route.transaction === false
        ? await route.handler(input, uow.readOnly())
        : await uow.run(async (tx) => {
            if (!route.idempotent || !principal) return route.handler(input, tx);
            const claim = {
              tenant: principal.tenant,
              key: String(request.headers[IDEMPOTENCY_HEADER]),
              hash: requestHash([route.method, request.url, principal.subject, request.body]),
            };
            const earlier = await claimKey(tx.db, claim);
            if (earlier) {
              replayed = true;
              return earlier;
            }
            const fresh = await route.handler(input, tx);
            await storeResponse(tx.db, claim, fresh);
            return fresh;
          });
    reply.code(result.status);
    if (result.headers) reply.headers(result.headers);
    if (replayed) reply.header('idempotent-replayed', 'true');
    if (result.body instanceof Problem) return reply.headers(result.body.headers).type('application/problem+json').send(result.body.toBody(request.url));
    return result.body;
  };
}
