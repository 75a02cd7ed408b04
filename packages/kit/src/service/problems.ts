import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import { Changed, conflict, Problem, unavailable, type FieldError } from '../errors/index.js';

interface AjvError {
  instancePath: string;
  message?: string;
  keyword: string;
  params: Record<string, unknown>;
}

const PART_NAMES: Record<string, string> = { body: 'body', querystring: 'query', params: 'path', headers: 'header' };

/** `body` + `/lines/0/qty` → `body.lines.0.qty`; a missing or unknown property is named too. */
function fieldOf(context: string, e: AjvError): string {
  const path = e.instancePath.split('/').filter(Boolean);
  if (e.keyword === 'required' && typeof e.params.missingProperty === 'string') path.push(e.params.missingProperty);
  if (e.keyword === 'additionalProperties' && typeof e.params.additionalProperty === 'string') path.push(e.params.additionalProperty);
  return [PART_NAMES[context] ?? context, ...path].join('.');
}

function messageOf(e: AjvError): string {
  if (e.keyword === 'additionalProperties') return 'is not a known field';
  if (e.keyword === 'required') return 'is required';
  if (e.keyword === 'enum' && Array.isArray(e.params.allowedValues)) return `must be one of ${e.params.allowedValues.join(', ')}`;
  return e.message ?? 'is invalid';
}

function fieldErrorOf(context: string, e: AjvError): FieldError {
  const error: FieldError = { field: fieldOf(context, e), message: messageOf(e) };
  if (e.keyword === 'enum' && Array.isArray(e.params.allowedValues)) error.allowed = e.params.allowedValues;
  return error;
}

const FASTIFY_CODES: Record<string, [number, string, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'body-too-large', 'Request body too large'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported-media-type', 'Unsupported media type'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'bad-request', 'Invalid Content-Length'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'validation', 'Request body is empty'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'malformed-json', 'Request body is not valid JSON'],
  FST_ERR_BAD_URL: [400, 'bad-url', 'URL is not valid'],
  FST_ERR_MAX_PARAM_LENGTH: [414, 'uri-too-long', 'Path parameter too long'],
};

/** Turns anything thrown while serving a request into a problem; unknown errors become a 500 that leaks nothing. */
export function toProblem(error: unknown): Problem {
  if (error instanceof Problem) return error;
  if (error instanceof Changed) return conflict(error.what, error.message);
  const fe = (typeof error === 'object' && error !== null ? error : {}) as FastifyError & { validation?: AjvError[]; validationContext?: string };
  if (Array.isArray(fe.validation)) {
    const errors = fe.validation.map((e) => fieldErrorOf(fe.validationContext ?? 'body', e));
    return new Problem(400, 'validation', 'Request validation failed', {
      detail: errors.map((e) => `${e.field} ${e.message}`).join('; '),
      errors,
    });
  }
  const known = fe.code ? FASTIFY_CODES[fe.code] : undefined;
  if (known) return new Problem(known[0], known[1], known[2], { detail: fe.message });
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new Problem(fe.statusCode, 'bad-request', 'Bad request', { detail: fe.message });
  }
  if (isDatabaseUnavailable(error)) return unavailable('a database or service this needs cannot be reached right now; retry shortly');
  return new Problem(500, 'internal', 'Internal error', { detail: 'an unexpected error occurred; it has been logged' });
}

export function problemErrorHandler(logger: Logger) {
  return (error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const problem = toProblem(error);
    // A 503 is the platform saying so on purpose (load, the database away): worth a warning, not a stack trace.
    if (problem.status === 503) logger.warn({ requestId: request.id, problem: problem.type, cause: (error as Error).message }, 'request refused');
    else if (problem.status >= 500) logger.error({ err: error, requestId: request.id }, 'request failed');
    return reply
      .code(problem.status)
      .headers(problem.headers)
      .type('application/problem+json')
      .send(problem.toBody(request.url));
  };
}

/** `/orders/:id/cancel` → a RegExp matching `/orders/<one segment>/cancel`, with or without a trailing slash. */
function pathPattern(url: string): RegExp {
  const literal = url.replace(/\/$/, '').replace(/[.+?^$()|[\]\\]/g, '\\$&');
  return new RegExp(`^${literal.replace(/:[^/]+/g, '[^/]+').replace(/\*/g, '.*')}/?$`);
}

/**
 * The routes' paths by method, learnt as routes are added, so a request
 * no route matches can be told apart: a path served with other methods is 405
 * (with `Allow`), any other 404.
 */
export class RouteMethods {
  private readonly patterns: { method: string; path: RegExp }[] = [];

  add(methods: string | string[], url: string): void {
    const path = pathPattern(url);
    for (const method of [methods].flat()) this.patterns.push({ method, path });
  }

  /** The methods some route serves this path with. */
  allowed(path: string): string[] {
    return [...new Set(this.patterns.filter((p) => p.path.test(path)).map((p) => p.method))];
  }
}

export function notFoundHandler(routes: RouteMethods) {
  return (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0] ?? '';
    const allowed = routes.allowed(path);
    const problem = allowed.length
      ? new Problem(405, 'method-not-allowed', 'Method not allowed', { detail: `${path} takes ${allowed.join(', ')}, not ${request.method}`, headers: { allow: allowed.join(', ') } })
      : new Problem(404, 'not-found', 'Not found', { detail: `no route ${request.method} ${path}` });
    return reply.code(problem.status).headers(problem.headers).type('application/problem+json').send(problem.toBody(request.url));
  };
}

/** What Node's HTTP parser refuses before Fastify sees a request: the parser's error code → the problem. */
const PARSER_PROBLEMS: Record<string, () => Problem> = {
  HPE_HEADER_OVERFLOW: () => new Problem(431, 'headers-too-large', 'Request header fields too large', { detail: 'the request line and headers together exceed the size this server reads' }),
  ERR_HTTP_REQUEST_TIMEOUT: () => new Problem(408, 'request-timeout', 'Request timeout', { detail: 'the request did not arrive in time' }),
};

/**
 * Answers a request the HTTP parser could not read (headers too large, a
 * malformed request line, too slow) with a problem too, then closes the
 * connection, saying so, so a client's keep-alive pool does not reuse it.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const problem = PARSER_PROBLEMS[error.code ?? '']?.() ?? new Problem(400, 'bad-request', 'Bad request', { detail: 'the request could not be read as HTTP' });
  const body = JSON.stringify(problem.toBody());
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
