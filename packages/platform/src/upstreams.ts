import proxy from '@fastify/http-proxy';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ConfigError, Problem, unauthorized, type TokenAuthority } from '@omnishop/kit';

/** `order=http://127.0.0.1:9001,catalog=...` → service name → base URL. */
export function parseUpstreams(text: string): Map<string, string> {
  const upstreams = new Map<string, string>();
  for (const entry of text ? text.split(',') : []) {
    const at = entry.indexOf('=');
    upstreams.set(entry.slice(0, at), entry.slice(at + 1).replace(/\/+$/, ''));
  }
  return upstreams;
}

const BEARER = /^Bearer ([\w-]+\.[\w-]+\.[\w-]+)$/;

/**
 * A forwarded request's token is checked here first, so a forged or revoked
 * one goes no further; the service checks it again, and decides on roles. A
 * request without a token is forwarded: the service's public routes (a
 * provider's signed callback) need none, and the others answer 401 themselves.
 */
async function verifyBearer(request: FastifyRequest, auth: TokenAuthority): Promise<void> {
  const header = request.headers.authorization;
  if (header === undefined) return;
  const token = BEARER.exec(header)?.[1];
  if (!token) throw unauthorized('Authorization header must be "Bearer <JWT>", and a JWT is three base64url parts joined by dots');
  await auth.verify(token);
}

/**
 * Distributed mode: the process running the gateway is the single public
 * entry, and forwards `/api/<service>/*` to the process of that service,
 * passing on the request id and the trace. Rate limits are installed on the
 * HTTP server itself (createHttpServer), so they hold for forwarded requests too.
 */
export async function registerUpstreams(
  app: FastifyInstance,
  opts: { upstreams: string; auth: TokenAuthority; prefixes: Map<string, string>; local: string[] },
): Promise<void> {
  for (const [service, base] of parseUpstreams(opts.upstreams)) {
    const prefix = opts.prefixes.get(service);
    if (!prefix) throw new ConfigError([`upstreams (env UPSTREAMS): unknown service ${service}; known: ${[...opts.prefixes.keys()].join(', ')}`]);
    if (opts.local.includes(service)) throw new ConfigError([`upstreams (env UPSTREAMS): ${service} runs in this process; it cannot be forwarded too`]);
    await app.register(proxy, {
      upstream: base,
      prefix,
      rewritePrefix: prefix,
      config: { service: 'gateway' },
      preHandler: async (request) => verifyBearer(request, opts.auth),
      replyOptions: {
        rewriteRequestHeaders: (request, headers) => ({
          ...headers,
          'x-request-id': request.id,
          ...(request.ctx?.traceparent ? { traceparent: request.ctx.traceparent } : {}),
        }),
        onError: (reply) => {
          const problem = new Problem(502, 'bad-gateway', 'Bad gateway', { detail: `service ${service} did not answer` });
          void reply.code(502).type('application/problem+json').send(problem.toBody(reply.request.url));
        },
      },
    });
  }
}
