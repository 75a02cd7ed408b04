import type { FastifyInstance } from 'fastify';
import type { RouteConfig } from '../service/pipeline.js';
import type { Metrics } from './index.js';

/**
 * Counts every answer by service, method, route template and status, and its
 * latency from the pipeline's start (request.startedAt). A request no route
 * matched is `unmatched`, so a scan of random paths adds no series.
 */
export function installHttpMetrics(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onResponse', (request, reply, done) => {
    const config = request.routeOptions.config as RouteConfig | undefined;
    const seconds = (performance.now() - request.startedAt) / 1000;
    metrics.request(config?.service ?? 'platform', request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, seconds);
    done();
  });
}
