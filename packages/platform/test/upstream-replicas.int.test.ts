import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestPlatform, type TestPlatform } from './harness.js';

/**
 * A gateway process forwarding one service to two replicas (UPSTREAMS names
 * it twice): they take turns, one that dies costs at most one retryable 503
 * and never a 502 while the other is up, and readiness says when none is left.
 */
describe('gateway: a service with two replicas', () => {
  let a: TestPlatform;
  let b: TestPlatform;
  let gateway: TestPlatform;
  beforeAll(async () => {
    [a, b] = await Promise.all([startTestPlatform({ SERVICES: 'store' }), startTestPlatform({ SERVICES: 'store' })]);
    gateway = await startTestPlatform({ SERVICES: 'gateway', UPSTREAMS: `store=${a.url},store=${b.url}` });
  });
  afterAll(() => Promise.all([gateway, a, b].map((p) => p?.stop().catch(() => undefined))));

  const list = async () => gateway.api('GET', '/api/stores', { token: await gateway.token('brand_admin') });

  it('takes the replicas in turn, passes over one that died, and is not ready once none is left', async () => {
    // Each replica keeps its own stores here: a store opened through the gateway lands on one of them.
    const admin = await gateway.token('brand_admin');
    for (const code of ['ST_RR_001', 'ST_RR_002']) {
      const opened = await gateway.api('POST', '/api/stores', {
        token: admin,
        idempotencyKey: `rr-${code}`,
        body: { code, name: code, type: 'store', city: 'Shanghai', lat: 31.23, lng: 121.47, hours: {} },
      });
      expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    }
    const seen = await Promise.all([list(), list()]);
    expect(seen.map((r) => (r.body.items as { code: string }[]).map((s) => s.code)).sort()).toEqual([['ST_RR_001'], ['ST_RR_002']]);
    expect((await gateway.api('GET', '/health/ready')).body.checks['upstream store']).toBe('ok');

    await a.stop();
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await list();
      statuses.push(res.status);
      if (res.status === 503) expect(res.headers.get('retry-after')).toBe('1');
    }
    expect(statuses.filter((s) => s !== 200 && s !== 503), 'no 502 while a replica is up').toEqual([]);
    expect(statuses.filter((s) => s === 503).length, 'at most the one request that found it gone').toBeLessThanOrEqual(1);
    expect((await gateway.api('GET', '/health/ready')).status).toBe(200);

    await b.stop();
    // Readiness asks the upstreams in the background: it says so within one probe interval.
    const ready = await eventually(async () => {
      const res = await gateway.api('GET', '/health/ready');
      return res.status === 503 ? res : undefined;
    }, 'readiness without a live replica');
    expect(ready.body.checks['upstream store']).not.toBe('ok');
    expect((await list()).status).toBe(503);
  });
});
