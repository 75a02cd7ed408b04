import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finalOrder, newKey, request, startTestPlatform, stockedSku, type TestPlatform } from './harness.js';

/**
 * Admission control on, with an event-loop delay of 2 ms allowed (the
 * default is 20), which a burst of 80 clients sending orders back to back in
 * this same process is sure to exceed. Some are refused at once, clearly; the
 * health checks are answered throughout; every order that was accepted exists
 * and is settled. The clients wait as Retry-After asks, as a well-behaved
 * client does (one that retries at once only spins this shared event loop),
 * and the burst lasts two seconds and at least five rounds of health checks,
 * so a slow machine makes the test longer, not weaker.
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
    const start = Date.now();
    const probeRounds = 5;
    const health: number[] = [];
    const bursting = () => Date.now() - start < 2000 || (health.length < 2 * probeRounds && Date.now() - start < 30_000);
    const accepted: string[] = [];
    const refusals: { status: number; type: string; retryAfter: string | null }[] = [];
    const clients = Array.from({ length: 80 }, async () => {
      while (bursting()) {
        const res = await t.api('POST', '/api/orders', { token: customer, idempotencyKey: newKey(), body: { lines: [{ sku, qty: 1 }] } });
        if (res.status === 201) accepted.push(res.body.id);
        else {
          const retryAfter = res.headers.get('retry-after');
          refusals.push({ status: res.status, type: res.body?.type, retryAfter });
          await new Promise((r) => setTimeout(r, Number(retryAfter ?? 1) * 1000));
        }
      }
    });
    const probe = (async () => {
      while (bursting()) {
        const [live, ready] = await Promise.all([request(t.url, 'GET', '/health/live'), request(t.url, 'GET', '/health/ready')]);
        health.push(live.status, ready.status);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    await Promise.all([...clients, probe]);

    expect(accepted.length).toBeGreaterThan(0);
    expect(refusals.length).toBeGreaterThan(0);
    for (const r of refusals) expect(r).toEqual({ status: 503, type: 'https://omnishop.dev/problems/overloaded', retryAfter: '1' });
    expect(health.length).toBeGreaterThanOrEqual(2 * probeRounds);
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
