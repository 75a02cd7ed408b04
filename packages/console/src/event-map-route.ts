import { PassThrough } from 'node:stream';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { routeSchema, type DocumentedRoute, type Logger, type MetricsJson, type RouteConfig } from '@omnishop/kit';
import { figuresOf, flows, snapshot, type Figures, type MappedService } from './event-map.js';

const NodeSchema = Type.Object({
  name: Type.String({ description: 'the service, and its consumer group' }),
  lag: Type.Number({ description: "events of the group's types on the bus it has not handled yet" }),
  outbox: Type.Number({ description: 'events committed to its outbox and not yet on the bus' }),
  deadLetters: Type.Number({ description: 'events it parked after its retries, waiting for a replay' }),
});
const EdgeSchema = Type.Object({
  type: Type.String({ description: 'the event type' }),
  from: Type.String({ description: 'the service that emits it' }),
  to: Type.String({ description: 'the service whose consumer group handles it' }),
  handled: Type.Number({ description: 'events of this type the consumer was done with since the process started' }),
  rate: Type.Number({ description: 'of those, per second since the previous snapshot of the stream (0 in the first)' }),
});
const SnapshotSchema = Type.Object(
  {
    at: Type.String(),
    windowSeconds: Type.Number({ description: 'the window `rate` is over; 0 in the first snapshot' }),
    nodes: Type.Array(NodeSchema),
    edges: Type.Array(EdgeSchema),
  },
  { title: 'EventMap', description: "Services as nodes, event types as edges from producer to consumer, with each edge's rate and each consumer group's lag" },
);

const ROLES = ['operator'] as const;

export const CONSOLE_ROUTES = {
  eventMap: {
    method: 'GET',
    url: '/event-map',
    summary:
      "The live event map of every service this port answers for (a gateway's: those it forwards to too), from their event definitions and the metrics of every thread and process running them. With `accept: text/event-stream` a stream of server-sent events, one `snapshot` (this schema, as JSON) a second with rates over the second before; otherwise one snapshot.",
    roles: ROLES,
    response: { 200: SnapshotSchema },
  },
} as const satisfies Record<string, DocumentedRoute>;

export interface EventMapSource {
  services: readonly MappedService[];
  /** The metrics of every thread of this process, as prom-client JSON. */
  metrics(): Promise<MetricsJson[]>;
  /** How often a stream sends a snapshot; default 1000. */
  intervalMs?: number;
  logger: Logger;
}

/** Serves /api/console/event-map: one snapshot, or a stream of them to a client that asks for server-sent events. */
export async function registerEventMap(app: FastifyInstance, source: EventMapSource): Promise<void> {
  const names = source.services.map((s) => s.name);
  const graph = flows(source.services);
  const every = source.intervalMs ?? 1000;
  const take = async (before?: { figures: Figures; at: number }) => {
    const at = Date.now();
    const figures = figuresOf(await source.metrics());
    return { figures, at, body: snapshot(names, graph, figures, before?.figures, before ? (at - before.at) / 1000 : 0, new Date(at)) };
  };
  // A stream never ends by itself: closing the server ends them, so in-flight requests can drain.
  const open = new Set<() => void>();
  app.addHook('preClose', (done) => {
    for (const end of open) end();
    done();
  });
  await app.register(
    async (scope) => {
      const config: RouteConfig = { service: 'console', roles: ROLES };
      const { eventMap } = CONSOLE_ROUTES;
      scope.route({
        method: eventMap.method,
        url: eventMap.url,
        config,
        schema: routeSchema('console', eventMap),
        handler: async (req, reply) => {
          let last = await take();
          if (!req.headers.accept?.includes('text/event-stream')) return last.body;
          const stream = new PassThrough();
          const send = () => stream.writableEnded || stream.write(`event: snapshot\ndata: ${JSON.stringify(last.body)}\n\n`);
          const timer = setInterval(() => {
            take(last)
              .then((next) => ((last = next), send()))
              .catch((error: unknown) => source.logger.warn({ err: error }, 'event map: metrics not read; trying again'));
          }, every);
          const end = () => (clearInterval(timer), open.delete(end), stream.end());
          open.add(end);
          reply.raw.once('close', end);
          send();
          return reply.type('text/event-stream').header('cache-control', 'no-store').header('x-accel-buffering', 'no').send(stream);
        },
      });
    },
    { prefix: '/api/console' },
  );
}
