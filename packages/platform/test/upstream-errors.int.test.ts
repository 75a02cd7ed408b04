import { Client } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from './harness.js';

/**
 * A gateway forwarding to a service whose own answer is a 4xx: the client gets
 * that answer as the service gave it, and its keep-alive connection to the
 * gateway stays usable; stopping the gateway then takes no longer than usual.
 */
describe("gateway: an upstream's own 4xx", () => {
  let store: TestPlatform;
  let gateway: TestPlatform;
  beforeAll(async () => {
    store = await startTestPlatform({ SERVICES: 'store', BODY_LIMIT_BYTES: '4096' });
    gateway = await startTestPlatform({ SERVICES: 'gateway', UPSTREAMS: `store=${store.url}` });
  });
  afterAll(() => Promise.all([gateway, store].map((p) => p?.stop().catch(() => undefined))));

  it('passes on a 413 for a body over the service limit and a 400, and the same connection serves the next request at once', async () => {
    const admin = await gateway.token('brand_admin');
    const client = new Client(gateway.url, { pipelining: 0 });
    const send = async (method: 'GET' | 'POST', body?: string) => {
      const res = await client.request({
        method,
        path: '/api/stores',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json', 'idempotency-key': `up-${Math.random()}` },
        body,
        headersTimeout: 3000,
        bodyTimeout: 3000,
      });
      const text = await res.body.text();
      return { status: res.statusCode, type: String(res.headers['content-type']), body: text ? JSON.parse(text) : undefined };
    };
    try {
      // Over the store's limit (4 KiB), under the gateway's (1 MiB): the store's own answer.
      const overService = await send('POST', JSON.stringify({ code: 'ST_BIG_001', name: 'x'.repeat(800_000) }));
      expect(overService.status).toBe(413);
      expect(overService.type).toMatch(/^application\/problem\+json/);
      expect(overService.body.instance).toBe('/api/stores');
      let started = Date.now();
      expect((await send('GET')).status, 'the same connection, right after').toBe(200);
      expect(Date.now() - started).toBeLessThan(2000);
      // Over both: the gateway answers as the service would, without forwarding 5 MB.
      const overBoth = await send('POST', JSON.stringify({ code: 'ST_BIG_002', name: 'x'.repeat(5_000_000) }));
      expect(overBoth.status).toBe(413);
      expect(overBoth.type).toMatch(/^application\/problem\+json/);
      started = Date.now();
      expect((await send('GET')).status).toBe(200);
      expect(Date.now() - started).toBeLessThan(2000);

      const invalid = await send('POST', JSON.stringify({ code: 'ST_BAD_001' }));
      expect(invalid.status).toBe(400);
      expect(invalid.type).toMatch(/^application\/problem\+json/);
      expect(JSON.stringify(invalid.body)).toMatch(/name/);
      expect((await send('GET')).status).toBe(200);
    } finally {
      await client.close();
    }
    const stopping = Date.now();
    await gateway.stop();
    expect(Date.now() - stopping, 'graceful shutdown does not wait on a stuck connection').toBeLessThan(3000);
  });
});
