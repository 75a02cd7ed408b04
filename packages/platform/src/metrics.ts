import type { FastifyInstance } from 'fastify';
import { request } from 'undici';
import type { Metrics, MetricsJson } from '@omnishop/kit';

/** Where Prometheus scrapes; not an API operation, so the API document leaves it out. */
export const METRICS_PATH = '/metrics';

/** The figures of the thread or process at `url` as JSON (`accept: application/json`); undefined when it answers otherwise. */
async function metricsAt(url: string): Promise<MetricsJson | undefined> {
  const res = await request(`${url}${METRICS_PATH}`, { headers: { accept: 'application/json' } });
  if (res.statusCode === 200) return (await res.body.json()) as MetricsJson;
  await res.body.dump();
  return undefined;
}

/**
 * The figures of this process's other threads: the embedded platform's
 * service thread has a registry of its own (its own module instances), asked
 * over the loopback for its figures as JSON.
 */
export async function threadMetrics(thread?: { url: string }): Promise<MetricsJson[]> {
  const figures = thread && (await metricsAt(thread.url));
  return figures ? [figures] : [];
}

/** The figures of each of `peers` (the service thread, a gateway's upstream processes) that answers; one out of reach is left out. */
export async function peersMetrics(peers: readonly string[]): Promise<MetricsJson[]> {
  const answers = await Promise.all(peers.map((url) => metricsAt(url).catch(() => undefined)));
  return answers.filter((figures): figures is MetricsJson => figures !== undefined);
}

/**
 * Serves this process's metrics in Prometheus text at /metrics, the service
 * thread's merged in with prom-client's AggregatorRegistry, so one scrape of
 * the public port sees both threads. Their series never collide: services run
 * on one thread only, and the default metrics carry a `thread` label.
 */
export function registerMetrics(app: FastifyInstance, metrics: Metrics, thread?: { url: string }): void {
  app.get(METRICS_PATH, async (req, reply) => {
    if (req.headers.accept?.includes('application/json')) return metrics.json();
    return reply.type(metrics.contentType).send(await metrics.text(await threadMetrics(thread)));
  });
}
