import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Problem } from '../errors/index.js';

export interface RateLimitOptions {
  /** The window both limits count in. */
  windowMs: number;
  /** Requests one client may make per window: the token's subject when it has one, else its IP. 0: no limit. */
  clientMax: number;
  /** Requests all clients of one brand (the token's tenant) may make per window. 0: no limit. */
  brandMax: number;
}

/** Health checks are how an orchestrator decides a process lives; they are never throttled. */
const exempt = (request: FastifyRequest) => request.routeOptions.url?.startsWith('/health/') === true;

/**
 * Per-client and per-brand request limits (@fastify/rate-limit's counters,
 * in this process's memory), answered with 429 problem+json and
 * `Retry-After`. They run after authentication so the keys are the verified
 * subject and tenant: a forged token can neither dodge a limit nor spend
 * someone else's. A request refused its token (401) is not counted.
 */
export function installRateLimits(app: FastifyInstance, opts: RateLimitOptions): void {
  if (opts.clientMax <= 0 && opts.brandMax <= 0) return;
  app.register(fastifyRateLimit, { global: false });
  app.after(() => {
    const limit = (who: string, max: number, keyOf: (request: FastifyRequest) => string | undefined) => ({
      who,
      keyOf,
      check: app.createRateLimit({ max, timeWindow: opts.windowMs, keyGenerator: (request) => keyOf(request) ?? '' }),
    });
    const limits = [
      ...(opts.clientMax > 0 ? [limit('client', opts.clientMax, (r) => (r.ctx?.principal ? `sub:${r.ctx.principal.tenant}:${r.ctx.principal.subject}` : `ip:${r.ip}`))] : []),
      ...(opts.brandMax > 0 ? [limit('brand', opts.brandMax, (r) => (r.ctx?.principal ? `tenant:${r.ctx.principal.tenant}` : undefined))] : []),
    ];
    app.addHook('onRequest', async (request) => {
      if (exempt(request)) return;
      for (const { who, check, keyOf } of limits) {
        // A request without a verified token has no brand to count against.
        if (keyOf(request) === undefined) continue;
        const state = await check(request);
        if (!state.isAllowed && state.isExceeded) {
          const seconds = Math.max(1, state.ttlInSeconds);
          throw new Problem(429, 'rate-limited', 'Too many requests', {
            detail: `more than ${state.max} requests in ${opts.windowMs / 1000} s from this ${who}; retry after ${seconds} s`,
            headers: { 'retry-after': String(seconds) },
          });
        }
      }
    });
  });
}
