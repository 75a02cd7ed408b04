import Fastify, { type FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { httpClient, installTracing, Problem, runWithContext } from '../src/index.js';

describe('http client: context, deadline, retry only when safe, circuit breaker', () => {
  let upstream: FastifyInstance;
  let base: string;
  let calls: { method: string; headers: Record<string, unknown> }[] = [];
  let failNext = 0;

  beforeAll(async () => {
    upstream = Fastify();
    upstream.all('/thing', async (req, reply) => {
      calls.push({ method: req.method, headers: req.headers });
      if (failNext > 0) {
        failNext--;
        return reply.code(503).send({ down: true });
      }
      return { ok: true };
    });
    upstream.get('/slow', async () => {
      await new Promise((r) => setTimeout(r, 2000));
      return { late: true };
    });
    upstream.get('/missing', async (_req, reply) => reply.code(404).send({ missing: true }));
    await upstream.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(upstream.server.address() as AddressInfo).port}`;
  });
  afterAll(() => upstream.close());
  beforeEach(() => {
    calls = [];
    failNext = 0;
  });

  const inContext = <T>(fn: () => Promise<T>, ms = 5000) =>
    runWithContext(
      { service: 'test', requestId: 'req-42', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', signal: AbortSignal.timeout(ms) },
      fn,
    );

  it("passes on the caller's request id and trace context, as a client span of the caller's trace", async () => {
    const recent = installTracing();
    const client = httpClient({ name: 'upstream', baseUrl: base });
    const res = await inContext(() => client.call('GET', '/thing'));
    expect(res).toMatchObject({ status: 200, body: { ok: true } });
    expect(calls[0]!.headers).toMatchObject({ 'x-request-id': 'req-42', traceparent: expect.stringMatching(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/) });
    const sent = String(calls[0]!.headers.traceparent).split('-')[2];
    const [span] = recent.byTrace('0af7651916cd43dd8448eb211c80319c');
    expect(span).toMatchObject({ name: 'GET upstream', parentSpanContext: { spanId: 'b7ad6b7169203331' } });
    expect(span!.spanContext().spanId).toBe(sent);
    expect(span!.attributes['http.response.status_code']).toBe(200);
  });

  it('retries a GET through a brief outage', async () => {
    const client = httpClient({ name: 'upstream', baseUrl: base, retries: 2 });
    failNext = 2;
    const res = await client.call('GET', '/thing');
    expect(res.status).toBe(200);
    expect(calls).toHaveLength(3);
  });

  it('never repeats a POST without an Idempotency-Key, and repeats one with it', async () => {
    const client = httpClient({ name: 'upstream', baseUrl: base, retries: 2 });
    failNext = 1;
    await expect(client.call('POST', '/thing', { body: { a: 1 } })).rejects.toMatchObject({ status: 502 });
    expect(calls).toHaveLength(1);
    calls = [];
    failNext = 1;
    const res = await client.call('POST', '/thing', { body: { a: 1 }, idempotencyKey: 'k-1' });
    expect(res.status).toBe(200);
    expect(calls.map((c) => c.headers['idempotency-key'])).toEqual(['k-1', 'k-1']);
  });

  it('returns 4xx answers as they are: they are answers, not failures', async () => {
    const client = httpClient({ name: 'upstream', baseUrl: base });
    expect(await client.call('GET', '/missing')).toMatchObject({ status: 404, body: { missing: true } });
  });

  it("stops at the caller's deadline", async () => {
    const client = httpClient({ name: 'upstream', baseUrl: base, timeoutMs: 10_000 });
    const started = Date.now();
    const error = await inContext(() => client.call('GET', '/slow'), 200).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Problem);
    expect((error as Problem).status).toBe(504);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('opens the circuit after consecutive failures and fails fast until it half-opens', async () => {
    const client = httpClient({ name: 'upstream', baseUrl: base, retries: 0, breaker: { failures: 3, openMs: 300 } });
    failNext = 3;
    for (let i = 0; i < 3; i++) await expect(client.call('GET', '/thing')).rejects.toMatchObject({ status: 502 });
    const fast = await client.call('GET', '/thing').catch((e: unknown) => e);
    expect(fast).toMatchObject({ status: 503, headers: { 'retry-after': '1' } });
    expect(calls).toHaveLength(3);
    await new Promise((r) => setTimeout(r, 350));
    expect((await client.call('GET', '/thing')).status).toBe(200);
  });
});
