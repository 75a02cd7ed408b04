import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finalOrder, newKey, request, startTestPlatform, stockedSku, type TestPlatform } from './harness.js';

/**
 * Admission control on, with an event-loop delay of 2 ms allowed (the
 * default is 20), which a burst of 80 clients sending orders back to back for
 * two seconds in this same process is sure to exceed. Some are
 * refused at once, clearly; the health checks are answered throughout; every
 * order that was accepted exists and is settled.
 */
describe('admission control under a burst', () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await startTestPlatform({ ADMISSION_LOOP_DELAY_MS: '2' });
  });
  afterAll(() => t.stop());

  it('refuses what it cannot take in time with 503 and Retry-After, answers health checks, and loses no accepted order', async () => {
    const sku = await stockedSku(t, { stock: { WH_SH: 100_000 } });
    const customer = await t.token('customer', { subject: 'burst' });
    const until = Date.now() + 2000;
    const accepted: string[] = [];
    const refusals: { status: number; type: string; retryAfter: string | null }[] = [];
    const clients = Array.from({ length: 80 }, async () => {
      while (Date.now() < until) {
        const res = await t.api('POST', '/api/orders', { token: customer, idempotencyKey: newKey(), body: { lines: [{ sku, qty: 1 }] } });
        if (res.status === 201) accepted.push(res.body.id);
        else refusals.push({ status: res.status, type: res.body?.type, retryAfter: res.headers.get('retry-after') });
      }
    });
    const health: number[] = [];
    const probe = (async () => {
      while (Date.now() < until) {
        const [live, ready] = await Promise.all([request(t.url, 'GET', '/health/live'), request(t.url, 'GET', '/health/ready')]);
        health.push(live.status, ready.status);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    await Promise.all([...clients, probe]);

    expect(accepted.length).toBeGreaterThan(0);
    expect(refusals.length).toBeGreaterThan(0);
    for (const r of refusals) expect(r).toEqual({ status: 503, type: 'https://omnishop.dev/problems/overloaded', retryAfter: '1' });
    expect(health.length).toBeGreaterThan(4);
    expect(health.every((s) => s === 200)).toBe(true);
    // Every accepted order is there and reaches a final state: refused ones were refused before anything was written.
    for (const id of accepted.slice(0, 20)) expect(['confirmed', 'rejected']).toContain((await finalOrder(t, customer, id, 60_000)).status);
    const listed: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { id: string }[]; nextCursor: string | null } } = await t.api('GET', `/api/orders?limit=200${cursor ? `&cursor=${cursor}` : ''}`, { token: customer });
      listed.push(...page.body.items.map((o: { id: string }) => o.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(listed.sort()).toEqual([...accepted].sort());
  });
});
