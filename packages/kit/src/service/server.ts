import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { TokenAuthority } from '../auth/index.js';
import type { RateLimitOptions } from '../rate-limit/index.js';
import { installHttpMetrics } from '../metrics/http.js';
import type { Metrics } from '../metrics/index.js';
import { admission } from './admission.js';
import { installPipeline, requestId } from './pipeline.js';
import { clientErrorHandler, problemErrorHandler } from './problems.js';

export interface HttpServerOptions {
  logger: Logger;
  auth: TokenAuthority;
  bodyLimitBytes: number;
  requestTimeoutMs: number;
  /** Per-client and per-brand limits; none when left out. */
  rateLimit?: RateLimitOptions;
  /** How late the event loop may run before fewer requests are let in (see admission.ts); 0 or left out: all admitted. */
  admissionLoopDelayMs?: number;
  /** Counts every answer (see installHttpMetrics); none when left out. */
  metrics?: Metrics;
}

/** One HTTP server with the pipeline installed; services are registered on it as plugins. */
export function createHttpServer(opts: HttpServerOptions): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: opts.bodyLimitBytes,
    genReqId: requestId,
    requestTimeout: opts.requestTimeoutMs,
    connectionTimeout: opts.requestTimeoutMs,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    routerOptions: { ignoreTrailingSlash: true },
    // Errors the router raises before any route matches (a bad %-escape, an over-long path parameter) are problems too.
    frameworkErrors: problemErrorHandler(opts.logger),
    clientErrorHandler,
  });
  // Bodies are JSON: text/plain (Fastify reads it as a string by default) is 415 like any other type.
  app.removeContentTypeParser('text/plain');
  installPipeline(app, { ...opts, ...(opts.admissionLoopDelayMs ? { admission: admission({ loopDelayMs: opts.admissionLoopDelayMs }) } : {}) });
  if (opts.metrics) installHttpMetrics(app, opts.metrics);
  return app;
}

/**
 * Stops accepting, lets requests in flight finish, and closes keep-alive
 * connections as soon as they fall idle, including those that were busy when
 * closing began (Fastify's close otherwise waits out their keep-alive timeout).
 */
export async function closeGracefully(app: FastifyInstance, pollMs = 100): Promise<void> {
  const sweep = setInterval(() => app.server.closeIdleConnections(), pollMs);
  try {
    await app.close();
  } finally {
    clearInterval(sweep);
  }
}
