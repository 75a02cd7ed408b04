import type { FastifyInstance } from 'fastify';
import { request } from 'undici';
import type { Metrics, MetricsJson } from '@omnishop/kit';

/** Where Prometheus scrapes; not an API operation, so the API document leaves it out. */
export const METRICS_PATH = '/metrics';

/**
 * Serves this process's metrics in Prometheus text at /metrics. The embedded
 * platform's service thread has a registry of its own (its own module
 * instances): the main thread asks it over the loopback for its figures as
 * JSON (`accept: application/json`) and merges them with prom-client's
 * AggregatorRegistry, so one scrape of the public port sees both threads.
 * Their series never collide: services run on one thread only, and the
 * default metrics carry a `thread` label.
 */
export function registerMetrics(app: FastifyInstance, metrics: Metrics, thread?: { url: string }): void {
  app.get(METRICS_PATH, async (req, reply) => {
    if (req.headers.accept?.includes('application/json')) return metrics.json();
    const others: MetricsJson[] = [];
    if (thread) {
      const res = await request(`${thread.url}${METRICS_PATH}`, { headers: { accept: 'application/json' } });
      if (res.statusCode === 200) others.push((await res.body.json()) as MetricsJson);
      else await res.body.dump();
    }
    return reply.type(metrics.contentType).send(await metrics.text(others));
  });
}
