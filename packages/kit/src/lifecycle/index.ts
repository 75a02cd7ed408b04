import { Type, type TSchema } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { choice } from '../schema/index.js';

export type HealthCheck = () => Promise<void>;

const Readiness = Type.Object(
  {
    status: choice(['ok', 'degraded', 'shutting-down']),
    checks: Type.Record(Type.String(), Type.String(), { description: 'each dependency: `ok`, or `failing: <why>`' }),
  },
  { title: 'Readiness', description: 'Each dependency and whether it answers' },
);

/** For API documents; no token, no rate limit, never refused for load. */
const HEALTH_DOC = { tags: ['health'], description: 'Public: no token.', security: [] };

const json = (description: string, schema: TSchema) => ({ description, content: { 'application/json': { schema } } });
const LIVE_RESPONSES = { 200: json('The process answers', Type.Object({ status: choice(['ok']) }, { title: 'Liveness' })) };
const READY_RESPONSES = {
  200: json('Ready: every check answers', Readiness),
  503: json('Not ready: a check fails (named in `checks`), or the process is shutting down', Readiness),
};

/**
 * `/health/live`: the process answers. `/health/ready`: every dependency
 * (each service's database, the bus) answers; 503 with the failing ones
 * named otherwise, and 503 while shutting down.
 */
export function registerHealth(app: FastifyInstance, checks: Record<string, HealthCheck>, isClosing: () => boolean): void {
  app.get('/health/live', { schema: { ...HEALTH_DOC, summary: 'Liveness: the process answers', response: LIVE_RESPONSES } }, async () => ({ status: 'ok' }));
  app.get('/health/ready', { schema: { ...HEALTH_DOC, summary: 'Readiness: every database, the bus and any start-up work (the demo seed) answer', response: READY_RESPONSES } }, async (_request, reply) => {
    const results: Record<string, string> = {};
    await Promise.all(
      Object.entries(checks).map(async ([name, check]) => {
        try {
          await check();
          results[name] = 'ok';
        } catch (error) {
          results[name] = `failing: ${String(error)}`;
        }
      }),
    );
    const ready = !isClosing() && Object.values(results).every((r) => r === 'ok');
    reply.code(ready ? 200 : 503);
    return { status: ready ? 'ok' : isClosing() ? 'shutting-down' : 'degraded', checks: results };
  });
}

/**
 * A check of something reached over the network (the service thread, another process), probed in the
 * background every `everyMs` and answered from its latest outcome. `/health/ready` then answers at
 * once however busy that neighbour is (a probe of a loaded thread took 200 ms, twice what a load
 * balancer allows), and is at most one interval and one probe behind. Fails until the first probe ends.
 */
export function probedInBackground(check: HealthCheck, everyMs: number): { check: HealthCheck; stop(): void } {
  let outcome: { ok: true } | { ok: false; error: unknown } = { ok: false, error: new Error('not probed yet') };
  let probing = false;
  const probe = () => {
    if (probing) return; // a slow neighbour: one probe at a time
    probing = true;
    check().then(
      () => (outcome = { ok: true }),
      (error: unknown) => (outcome = { ok: false, error }),
    ).finally(() => (probing = false));
  };
  probe();
  const timer = setInterval(probe, everyMs);
  timer.unref();
  return {
    check: async () => {
      if (!outcome.ok) throw outcome.error;
    },
    stop: () => clearInterval(timer),
  };
}

/**
 * A readiness check for work a process does after it listens (a demo seed,
 * a warm-up): failing, saying what is still under way, until `open()`.
 */
export function readinessGate(pending: string): { check: HealthCheck; open(): void } {
  let open = false;
  return {
    check: async () => {
      if (!open) throw new Error(pending);
    },
    open: () => {
      open = true;
    },
  };
}

/**
 * Graceful shutdown on SIGTERM or SIGINT: `stop` runs once (stop accepting,
 * drain, flush, close). A second signal, or `stop` overrunning `graceMs`,
 * exits at once: nothing is lost that was accepted, since accepted means committed.
 */
export function onShutdownSignals(stop: () => Promise<void>, logger: Logger, graceMs = 20_000): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ graceMs }, 'shutdown overran its grace period: exiting');
      process.exit(1);
    }, graceMs);
    timer.unref();
    stop().then(
      () => {
        logger.info('stopped cleanly');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}
