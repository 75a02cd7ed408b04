import {
  BrokenCircuitError,
  circuitBreaker,
  ConsecutiveBreaker,
  ExponentialBackoff,
  handleType,
  retry,
  wrap,
  type IPolicy,
} from 'cockatiel';
import { request, type Dispatcher } from 'undici';
import { currentContext } from '../context/index.js';
import { childSpan, SpanKind } from '../trace/index.js';
import { Problem } from '../errors/index.js';

/**
 * Service-to-service calls. Each call carries the caller's context (request
 * id, W3C traceparent) and ends by the caller's deadline or its own timeout,
 * whichever comes first. Only calls that are safe to repeat (GET, PUT,
 * DELETE, or a POST with an Idempotency-Key) are retried; a circuit breaker
 * fails fast while the other side is down, so one failing service means
 * delay, not a pile-up.
 */
export interface HttpClientOptions {
  /** The service called, for error messages. */
  name: string;
  baseUrl: string;
  timeoutMs?: number;
  /** Retries after the first attempt, for calls safe to repeat. */
  retries?: number;
  /** Consecutive failures that open the circuit, and how long it stays open. */
  breaker?: { failures: number; openMs: number };
}

export interface CallOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** Makes a POST safe to retry. */
  idempotencyKey?: string;
}

export interface CallResult<T> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
}

/** A failure worth retrying: no answer, a timeout, or a 5xx. */
class TransientFailure extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

const SAFE_TO_REPEAT = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);

export interface HttpClient {
  call<T = unknown>(method: string, path: string, opts?: CallOptions): Promise<CallResult<T>>;
}

export function httpClient(opts: HttpClientOptions): HttpClient {
  const transient = handleType(TransientFailure);
  const breaker = circuitBreaker(transient, {
    halfOpenAfter: opts.breaker?.openMs ?? 5000,
    breaker: new ConsecutiveBreaker(opts.breaker?.failures ?? 5),
  });
  const retrying: IPolicy = wrap(
    retry(transient, { maxAttempts: opts.retries ?? 2, backoff: new ExponentialBackoff({ initialDelay: 50, maxDelay: 1000 }) }),
    breaker,
  );

  async function once<T>(method: string, path: string, call: CallOptions, deadline: AbortSignal): Promise<CallResult<T>> {
    const ctx = currentContext();
    const headers: Record<string, string> = { accept: 'application/json', ...call.headers };
    if (ctx?.requestId) headers['x-request-id'] = ctx.requestId;
    const span = childSpan(`${method} ${opts.name}`, SpanKind.CLIENT);
    span?.span.setAttributes({ 'omnishop.service': ctx?.service ?? 'platform', 'http.request.method': method, 'url.full': new URL(path, opts.baseUrl).toString() });
    if (span) headers.traceparent = span.traceparent;
    if (call.idempotencyKey) headers['idempotency-key'] = call.idempotencyKey;
    if (call.body !== undefined) headers['content-type'] = 'application/json';
    const signal = AbortSignal.any([deadline, AbortSignal.timeout(opts.timeoutMs ?? 5000)]);
    // undici's request rather than fetch: the same client underneath, a third of fetch's CPU per call
    // (measured 60 against 200 µs), and the wallet provider calls back once per order.
    let status: number;
    let responseHeaders: CallResult<T>['headers'];
    let text: string;
    try {
      const res = await request(new URL(path, opts.baseUrl), {
        method: method as Dispatcher.HttpMethod,
        headers,
        body: call.body === undefined ? null : JSON.stringify(call.body),
        signal,
      });
      status = res.statusCode;
      responseHeaders = res.headers;
      text = await res.body.text();
    } catch (error) {
      span?.end(error);
      if (deadline.aborted) throw deadlineExceeded(opts.name);
      throw new TransientFailure(`${opts.name}: ${(error as Error).message}`);
    }
    span?.span.setAttribute('http.response.status_code', status);
    span?.end(status >= 500 ? `status ${status}` : undefined);
    if (status >= 500) throw new TransientFailure(`${opts.name} answered ${status}`, status);
    return { status, headers: responseHeaders, body: parseBody(text) as T };
  }

  return {
    async call(method, path, call = {}) {
      const deadline = currentContext()?.signal ?? new AbortController().signal;
      const upper = method.toUpperCase();
      const repeatable = SAFE_TO_REPEAT.has(upper) || call.idempotencyKey !== undefined;
      try {
        return await (repeatable ? retrying : breaker).execute(() => once(upper, path, call, deadline));
      } catch (error) {
        if (error instanceof BrokenCircuitError) {
          throw new Problem(503, 'upstream-unavailable', 'A service this needs is unavailable', {
            detail: `${opts.name} is failing; calls are paused briefly`,
            headers: { 'retry-after': String(Math.ceil((opts.breaker?.openMs ?? 5000) / 1000)) },
          });
        }
        if (error instanceof TransientFailure) {
          throw new Problem(502, 'upstream-failed', 'A service this needs failed', { detail: error.message });
        }
        throw error;
      }
    },
  };
}

/** JSON when it is JSON; the text otherwise (an HTML error page from a proxy is still an answer). */
function parseBody(text: string): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const deadlineExceeded = (name: string) =>
  new Problem(504, 'deadline-exceeded', 'Deadline exceeded', { detail: `the request ran out of time waiting for ${name}` });
