import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { fromPeers, keptBehaviour, PLATFORM_TENANT, routeSchema, type DocumentedRoute, type KeptBehaviour, type Principal, type RouteConfig } from '@omnishop/kit';
import { findBehaviour } from './behaviour.js';

const RecordSchema = Type.Object(
  {
    at: Type.Number({ description: 'when it was written, in milliseconds since the epoch' }),
    service: Type.String(),
    kind: Type.String({ description: 'request, event or job' }),
    action: Type.String({ description: 'the route (`POST /api/orders`), event type or job name' }),
    tenant: Type.Optional(Type.String()),
    principal: Type.Optional(Type.String({ description: "who: the token's subject" })),
    role: Type.Optional(Type.String()),
    status: Type.Union([Type.Number(), Type.String()], { description: 'the HTTP status, or ok, retry, dead-letter, duplicate for an event' }),
    latencyMs: Type.Number(),
    requestId: Type.String({ description: 'the request id, or the event id' }),
    traceId: Type.Optional(Type.String({ description: 'its trace: `GET /api/traces/{traceId}`' })),
    error: Type.Optional(Type.String()),
  },
  { title: 'BehaviourRecord', description: 'One record of the behaviour log: a request, a consumed event or a job run' },
);

const ROLES = ['brand_admin', 'operator'] as const;

export const BEHAVIOUR_ROUTE = {
  method: 'GET',
  url: '/behaviour',
  summary:
    "Recent behaviour records (each thread keeps its last 10,000), newest first: one request's or event's (`requestId`), every record of an order's traces (`orderId`), or one user's (`customer`, a token subject); criteria given together must all match. brand_admin: the brand's records.",
  roles: ROLES,
  query: Type.Object({
    requestId: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'a request id (`x-request-id`) or an event id' })),
    orderId: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'an order id: the records of the traces about it' })),
    customer: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: "who did it: a token's subject (a customer's id)" })),
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  }),
  response: { 200: Type.Object({ items: Type.Array(RecordSchema) }, { title: 'BehaviourPage', description: 'Behaviour records, newest first' }) },
} as const satisfies DocumentedRoute;

const tenantOf = (principal: Principal | undefined) => (principal?.tenant === PLATFORM_TENANT ? undefined : principal?.tenant);

/**
 * Serves /api/console/behaviour from this thread's records and its peers'
 * (the service thread; in distributed mode the processes it forwards to),
 * asked with the caller's token at /api/console/behaviour/records, which
 * answers a thread's own records only. An order's records are those of the
 * traces about it, as GET /api/traces finds them (every thread's spans).
 */
export async function registerBehaviour(app: FastifyInstance, peers: () => string[]): Promise<void> {
  await app.register(
    async (scope) => {
      const config: RouteConfig = { service: 'console', roles: ROLES };
      // This thread's records alone, for the thread or process that gathers them (not in the API document).
      scope.get('/behaviour/records', { config }, async (req) => ({ records: findBehaviour(keptBehaviour(), { tenant: tenantOf(req.ctx?.principal), limit: 10_000 }) }));
      scope.route({
        method: BEHAVIOUR_ROUTE.method,
        url: BEHAVIOUR_ROUTE.url,
        config,
        schema: routeSchema('console', BEHAVIOUR_ROUTE),
        handler: async (req) => {
          const q = req.query as { requestId?: string; orderId?: string; customer?: string; limit: number };
          const authorization = req.headers.authorization;
          const traceIds = q.orderId === undefined ? undefined : await tracesAbout(app, q.orderId, authorization);
          const records = [...keptBehaviour(), ...(await fromPeers<KeptBehaviour>(peers(), '/api/console/behaviour/records', 'records', authorization))];
          return { items: findBehaviour(records, { requestId: q.requestId, traceIds, customer: q.customer, tenant: tenantOf(req.ctx?.principal), limit: q.limit }) };
        },
      });
    },
    { prefix: '/api/console' },
  );
}

/** The ids of the recent traces about an order, asked of this platform's own trace route with the caller's token. */
async function tracesAbout(app: FastifyInstance, orderId: string, authorization: string | undefined): Promise<Set<string>> {
  const res = await app.inject({ method: 'GET', url: `/api/traces?orderId=${encodeURIComponent(orderId)}&limit=100`, headers: authorization ? { authorization } : {} });
  if (res.statusCode !== 200) return new Set();
  return new Set((res.json() as { items: { traceId: string }[] }).items.map((t) => t.traceId));
}
