import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { fromPeers, keptBehaviour, PLATFORM_TENANT, routeSchema, type DocumentedRoute, type KeptBehaviour, type Principal, type RouteConfig } from '@omnishop/kit';
import { fromQueryString, matching, newestFirst, queryString } from './behaviour.js';

const RecordSchema = Type.Object(
  {
    at: Type.Number({ description: 'when it was written, in milliseconds since the epoch' }),
    service: Type.String(),
    kind: Type.String({ description: 'request or event' }),
    action: Type.String({ description: 'the route (`POST /api/orders`) or event type' }),
    tenant: Type.Optional(Type.String()),
    principal: Type.Optional(Type.String({ description: "who: the token's subject" })),
    role: Type.Optional(Type.String()),
    status: Type.Union([Type.Number(), Type.String()], { description: 'the HTTP status, or ok, retry, dead-letter, duplicate for an event' }),
    latencyMs: Type.Number(),
    requestId: Type.String({ description: 'the request id, or the event id' }),
    traceId: Type.Optional(Type.String({ description: 'its trace: `GET /api/traces/{traceId}`' })),
    error: Type.Optional(Type.String()),
  },
  { title: 'BehaviourRecord', description: 'One record of the behaviour log: a request or a consumed event' },
);

const ROLES = ['brand_admin', 'operator'] as const;

export const BEHAVIOUR_ROUTE = {
  method: 'GET',
  url: '/behaviour',
  summary:
    "Recent behaviour records (each thread keeps its last 10,000 of requests and consumed events), newest first: one request's or event's (`requestId`), every record of the traces about an order (`orderId`), or one user's (`customer`, a token subject); criteria given together must all match. brand_admin: the brand's records.",
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

export interface BehaviourSources {
  /** The other threads and processes whose records join this thread's (the service thread; a gateway's upstreams). */
  peers(): string[];
  /** The recent traces about an order that the caller may see, from every thread and process (GET /api/traces?orderId=). */
  tracesAbout(orderId: string, authorization: string | undefined, principal: Principal | undefined): Promise<ReadonlySet<string>>;
}

/**
 * Serves /api/console/behaviour from this thread's records and its peers',
 * each peer asked with the caller's token at /api/console/behaviour/records,
 * which answers its own records that match (the search runs where the records
 * are; only what matches travels). An order's records are those of the traces
 * about it.
 */
export async function registerBehaviour(app: FastifyInstance, sources: BehaviourSources): Promise<void> {
  await app.register(
    async (scope) => {
      const config: RouteConfig = { service: 'console', roles: ROLES };
      // This thread's matching records alone, for the thread or process that gathers them (not in the API document).
      scope.get('/behaviour/records', { config }, async (req) => {
        const q = fromQueryString(req.query as { requestId?: string; customer?: string; traces?: string });
        return { records: keptBehaviour(matching({ ...q, tenant: tenantOf(req.ctx?.principal) })) };
      });
      scope.route({
        method: BEHAVIOUR_ROUTE.method,
        url: BEHAVIOUR_ROUTE.url,
        config,
        schema: routeSchema('console', BEHAVIOUR_ROUTE),
        handler: async (req) => {
          const q = req.query as { requestId?: string; orderId?: string; customer?: string; limit: number };
          const authorization = req.headers.authorization;
          const traceIds = q.orderId === undefined ? undefined : await sources.tracesAbout(q.orderId, authorization, req.ctx?.principal);
          const query = { requestId: q.requestId, customer: q.customer, traceIds };
          const own = keptBehaviour(matching({ ...query, tenant: tenantOf(req.ctx?.principal) }));
          const theirs = await fromPeers<KeptBehaviour>(sources.peers(), `/api/console/behaviour/records?${queryString(query)}`, 'records', authorization);
          return { items: newestFirst([...own, ...theirs], q.limit) };
        },
      });
    },
    { prefix: '/api/console' },
  );
}
