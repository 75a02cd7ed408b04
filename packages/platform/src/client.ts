import type { FastifyInstance } from 'fastify';

/** Calls the platform's own public API in-process (seed, CLI): the same validation and pipeline as any client. */
export interface ApiCall {
  method: 'GET' | 'POST' | 'PUT';
  url: string;
  token: string;
  body?: unknown;
  idempotencyKey?: string;
}

export async function callApi<T = unknown>(app: FastifyInstance, call: ApiCall): Promise<{ status: number; body: T }> {
  const res = await app.inject({
    method: call.method,
    url: call.url,
    headers: {
      authorization: `Bearer ${call.token}`,
      ...(call.idempotencyKey ? { 'idempotency-key': call.idempotencyKey } : {}),
    },
    ...(call.body === undefined ? {} : { payload: call.body as object }),
  });
  return { status: res.statusCode, body: (res.body ? res.json() : null) as T };
}

/** Polls until `check` returns something other than undefined, and returns it; for waiting on events to flow. */
export async function eventually<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
