import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import {
  byTrace,
  fromPeers,
  notFound,
  PLATFORM_TENANT,
  platformRoutes,
  routeSchema,
  spanConcerns,
  spanView,
  summarize,
  visibleTo,
  type DocumentedRoute,
  type Principal,
  type RecentSpans,
  type RouteConfig,
  type SpanView,
} from '@omnishop/kit';

const SpanSchema = Type.Object(
  {
    traceId: Type.String(),
    spanId: Type.String(),
    parentSpanId: Type.Optional(Type.String()),
    name: Type.String({ description: 'what the span did: `POST /api/orders`, `unit of work order`, `publish OrderPlaced`, `consume OrderPlaced`' }),
    kind: Type.String({ description: 'internal, server, client, producer or consumer' }),
    service: Type.String({ description: 'the service that did the work' }),
    tenant: Type.Optional(Type.String()),
    startMs: Type.Number({ description: 'start, in milliseconds since the epoch' }),
    durationMs: Type.Number(),
    error: Type.Optional(Type.String()),
    attributes: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()])),
  },
  { title: 'Span', description: 'One finished span of a trace' },
);
const TraceSummarySchema = Type.Object(
  {
    traceId: Type.String(),
    root: Type.String({ description: 'the name of the span the trace began with' }),
    startMs: Type.Number(),
    durationMs: Type.Number(),
    spans: Type.Integer(),
    services: Type.Array(Type.String()),
    errors: Type.Integer({ description: 'spans that ended in an error' }),
  },
  { title: 'TraceSummary', description: 'A trace in a list: where it began, how long it ran, which services it crossed' },
);
const TraceSchema = Type.Object({ traceId: Type.String(), spans: Type.Array(SpanSchema) }, { title: 'Trace', description: "A trace's spans from every thread and process that reported them, in start order" });

const ROLES = ['brand_admin', 'operator'] as const;
const KEPT = 'Recent traces only: each process keeps its last 10,000 spans in memory (export them with OTEL_EXPORTER_OTLP_ENDPOINT to keep more).';

/** The trace routes, as documents list them. */
export const TRACE_ROUTES = {
  list: {
    method: 'GET',
    url: '/',
    summary: `Recent traces, newest first: those about an order (a request naming it in its path, an event keyed by it) or a request id, or all. ${KEPT}`,
    roles: ROLES,
    query: Type.Object({
      orderId: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'an order id (or any id a path names or an event is keyed by)' })),
      requestId: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'a request id (`x-request-id`) or an event id' })),
      limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    }),
    response: { 200: Type.Object({ items: Type.Array(TraceSummarySchema) }, { title: 'TraceList', description: 'Recent traces' }) },
  },
  one: {
    method: 'GET',
    url: '/:traceId',
    summary: `One trace with its spans from every thread and process of the platform that kept them. ${KEPT}`,
    roles: ROLES,
    params: Type.Object({ traceId: Type.String({ pattern: '^[0-9a-f]{32}$', description: '32 lowercase hex digits' }) }),
    response: { 200: TraceSchema },
    errors: { 404: "no span of that trace is kept (any more), or none of the caller's brand" },
  },
} as const satisfies Record<string, DocumentedRoute>;

export const TRACES_SERVICE = platformRoutes('traces', 'Recent traces kept in memory for the console: one user action across every service, over HTTP and the bus', TRACE_ROUTES);

/** What a principal may see: a platform operator every brand's spans, anyone else their brand's. */
const tenantOf = (principal: Principal | undefined) => (principal?.tenant === PLATFORM_TENANT ? undefined : principal?.tenant);

/** The ids of the recent traces about `id` (an order, a request) that `principal` may see, asked with its token. */
export type TracesAbout = (id: string, authorization: string | undefined, principal: Principal | undefined) => Promise<Set<string>>;

/**
 * Serves /api/traces from this thread's recent spans and those of its peers
 * (the service thread, and in distributed mode the processes it forwards to),
 * asked over HTTP with the caller's own token at /api/traces/spans, which
 * answers a thread's own spans only, so no peer asks further. A peer that does
 * not answer is left out. Returns how to find the traces about an id, for the behaviour log.
 */
export async function registerTraces(app: FastifyInstance, recent: RecentSpans, peers: () => string[]): Promise<TracesAbout> {
  const gather = async (authorization: string | undefined, path: string): Promise<SpanView[]> => [
    ...recent.all().map(spanView),
    ...(await fromPeers<SpanView>(peers(), path, 'spans', authorization)),
  ];
  /** The spans a principal may see of the traces about `id`, from every thread and process. */
  const spansAbout = async (id: string | undefined, authorization: string | undefined, tenant: string | undefined) => {
    const spans = visibleTo(await gather(authorization, `/api/traces/spans${id ? `?id=${encodeURIComponent(id)}` : ''}`), tenant);
    const wanted = id ? new Set(spans.filter((s) => spanConcerns(s, id)).map((s) => s.traceId)) : undefined;
    return { spans, wanted };
  };
  await app.register(
    async (scope) => {
      const config: RouteConfig = { service: 'traces', roles: ROLES };
      // The raw spans of this thread alone, for the thread or process that gathers them (not in the API document).
      scope.get('/spans', { config }, async (req) => {
        const { traceId, id } = req.query as { traceId?: string; id?: string };
        const tenant = tenantOf(req.ctx?.principal);
        let spans = visibleTo(recent.all().map(spanView), tenant);
        if (traceId) spans = spans.filter((s) => s.traceId === traceId);
        if (id) {
          const ids = new Set(spans.filter((s) => spanConcerns(s, id)).map((s) => s.traceId));
          spans = spans.filter((s) => ids.has(s.traceId));
        }
        return { spans };
      });
      const { list, one } = TRACE_ROUTES;
      scope.route({
        method: list.method,
        url: list.url,
        config,
        schema: routeSchema('traces', list),
        handler: async (req) => {
          const q = req.query as { orderId?: string; requestId?: string; limit: number };
          const { spans, wanted } = await spansAbout(q.orderId ?? q.requestId, req.headers.authorization, tenantOf(req.ctx?.principal));
          const items = [...byTrace(spans)].filter(([traceId]) => !wanted || wanted.has(traceId)).slice(0, q.limit).map(([traceId, s]) => summarize(traceId, s));
          return { items };
        },
      });
      scope.route({
        method: one.method,
        url: one.url,
        config,
        schema: routeSchema('traces', one),
        handler: async (req) => {
          const { traceId } = req.params as { traceId: string };
          const spans = visibleTo(await gather(req.headers.authorization, `/api/traces/spans?traceId=${traceId}`), tenantOf(req.ctx?.principal)).filter((s) => s.traceId === traceId);
          if (!spans.length) throw notFound('trace', traceId);
          return { traceId, spans: byTrace(spans).get(traceId) };
        },
      });
    },
    { prefix: TRACES_SERVICE.prefix },
  );
  return async (id, authorization, principal) => (await spansAbout(id, authorization, tenantOf(principal))).wanted ?? new Set();
}
