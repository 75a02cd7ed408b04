import { Readable } from 'node:stream';
import proxy from '@fastify/http-proxy';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { request as httpRequest } from 'undici';
import { ConfigError, Problem, unauthorized, unavailable, type HealthCheck, type TokenAuthority } from '@omnishop/kit';

/**
 * `order=http://127.0.0.1:9001,order=http://127.0.0.1:9002,catalog=...` → service name → the base
 * URLs of its replicas, in the order given: a service named twice has two replicas.
 */
export function parseUpstreams(text: string): Map<string, string[]> {
  const upstreams = new Map<string, string[]>();
  for (const entry of text ? text.split(',') : []) {
    const at = entry.indexOf('=');
    const service = entry.slice(0, at);
    upstreams.set(service, [...(upstreams.get(service) ?? []), entry.slice(at + 1).replace(/\/+$/, '')]);
  }
  return upstreams;
}

/** How long a replica that refused a connection is passed over before it is tried again. */
const DOWN_FOR_MS = 2000;

/** Errors that say the request never reached the replica, so another may take it. */
const UNREACHED = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * A service's replicas taken in turn, skipping one that lately refused a
 * connection (until DOWN_FOR_MS has passed), so a replica that died costs at
 * most one refused request, not every other one.
 */
class Replicas {
  private next = 0;
  private readonly downUntil = new Map<string, number>();
  constructor(readonly urls: string[]) {}

  pick(now = Date.now()): string {
    for (let tried = 0; tried < this.urls.length; tried++) {
      const url = this.urls[this.next++ % this.urls.length]!;
      if ((this.downUntil.get(url) ?? 0) <= now) return url;
    }
    return this.urls[this.next++ % this.urls.length]!; // every one is down: try anyway
  }

  down(url: string, now = Date.now()): void {
    this.downUntil.set(url, now + DOWN_FOR_MS);
  }
}

/** Whether the platform process (or service thread) at `url` says it is ready. */
export async function answersReady(url: string): Promise<boolean> {
  const res = await httpRequest(`${url}/health/ready`, { headersTimeout: 2000, bodyTimeout: 2000 });
  await res.body.dump();
  return res.statusCode === 200;
}

/** Readiness of the services this process forwards to: each needs a replica whose /health/ready answers 200. */
export function upstreamChecks(upstreams: Map<string, string[]>): Record<string, HealthCheck> {
  return Object.fromEntries(
    [...upstreams].map(([service, urls]) => [
      `upstream ${service}`,
      async () => {
        const answers = await Promise.all(urls.map((url) => answersReady(url).catch(() => false)));
        if (!answers.includes(true)) throw new Error(`no replica of ${service} is ready (${urls.join(', ')})`);
      },
    ]),
  );
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
  opts: { upstreams: Map<string, string[]>; auth: TokenAuthority; prefixes: Map<string, string>; local: string[] },
): Promise<void> {
  for (const [service, urls] of opts.upstreams) {
    const prefix = opts.prefixes.get(service);
    if (!prefix) throw new ConfigError([`upstreams (env UPSTREAMS): unknown service ${service}; known: ${[...opts.prefixes.keys()].join(', ')}`]);
    if (opts.local.includes(service)) throw new ConfigError([`upstreams (env UPSTREAMS): ${service} runs in this process; it cannot be forwarded too`]);
    await app.register(async (scope) => forward(scope, { service, prefix, urls, auth: opts.auth }));
  }
}

/**
 * One service's forwarding. The request body is read here first, whole, as
 * bytes (up to the server's body limit, else this process answers 413 as the
 * service would), then sent on: a service that answers before reading a body
 * (its own 413) and closes its connection then leaves its answer intact, not
 * a broken pipe, and the client's connection has been read to its end, so it
 * serves the next request at once.
 */
async function forward(scope: FastifyInstance, { service, prefix, urls, auth }: { service: string; prefix: string; urls: string[]; auth: TokenAuthority }): Promise<void> {
  const replicas = new Replicas(urls);
  const chosen = new WeakMap<object, string>(); // raw request → the replica it went to
  scope.removeAllContentTypeParsers();
  // As a stream of the bytes read: reply-from would re-encode a JSON body given as anything else.
  scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, Readable.from([body], { objectMode: false })));
  await scope.register(proxy, {
    proxyPayloads: false,
    // No fixed upstream: undici then keeps a connection pool per replica, and each request goes to the one picked.
    upstream: '',
    prefix,
    rewritePrefix: prefix,
    config: { service: 'gateway' },
    preHandler: async (request) => verifyBearer(request, auth),
    replyOptions: {
      getUpstream: (request) => {
        const url = replicas.pick();
        chosen.set(request.raw, url);
        return url;
      },
      rewriteRequestHeaders: (request, headers) => ({
        ...headers,
        'x-request-id': request.id,
        ...(request.ctx?.traceparent ? { traceparent: request.ctx.traceparent } : {}),
      }),
      onError: (reply, { error }) => {
        const url = chosen.get(reply.request.raw);
        // reply-from wraps the connection's error: its own code outside, the cause's inside.
        const code = (error as { cause?: { code?: string } }).cause?.code ?? (error as { code?: string }).code ?? '';
        // Never reached: the replica is passed over for a while, and the client told to try again (on another).
        const unreached = UNREACHED.has(code);
        if (unreached && url) replicas.down(url);
        const problem = unreached
          ? unavailable(`a replica of ${service} could not be reached; retry shortly`)
          : new Problem(502, 'bad-gateway', 'Bad gateway', { detail: `service ${service} did not answer` });
        reply.request.log.warn({ err: error, service, upstream: url }, unreached ? 'upstream replica unreachable' : 'upstream failed');
        void reply.code(problem.status).headers(problem.headers).type('application/problem+json').send(problem.toBody(reply.request.url));
      },
    },
  });
}
