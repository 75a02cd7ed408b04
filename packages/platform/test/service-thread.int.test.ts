import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, finalOrder, newKey, openStore, startTestPlatform, type TestPlatform } from './harness.js';
import { parseExposition } from './prometheus.js';

/**
 * The embedded platform with inventory and payment on the service thread (as
 * `npm start` runs it): one port, every route, and the saga crossing between
 * the threads over the shared bus log, through the public API only.
 */
describe('service thread: inventory and payment on a second event loop', () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await startTestPlatform({ THREAD_SERVICES: 'inventory,payment' });
  });
  afterAll(() => t?.stop());

  const STORE = 'ST_TH_001';

  /** A style with one SKU, a store, and `qty` units there; each step waits for the thread's services to have heard of the last. */
  async function stocked(qty: number): Promise<string> {
    const admin = await t.token('brand_admin');
    const style = `TH${Math.floor(Math.random() * 1e9)}`;
    const created = await t.api('POST', '/api/catalog/styles', {
      token: admin,
      idempotencyKey: newKey(),
      body: { code: style, name: 'Thread Tee', category: 'tops', price: 9900, colours: [{ code: 'BLK', name: 'Black' }], sizes: ['M'] },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const sku = `${style}-BLK-M`;
    await openStore(t.url, admin, 'acme', STORE);
    const receipt = { sku, location: STORE, kind: 'receive', qty };
    const key = newKey();
    // 422 until inventory, on the other thread, has heard of the SKU and the store from the bus.
    await eventually(async () => ((await t.api('POST', '/api/inventory/movements', { token: admin, idempotencyKey: key, body: receipt })).status === 201 ? true : undefined), 'the stock receipt');
    // Until the order service (this thread) knows the SKU's price, an order for it is refused.
    await eventually(
      async () => ((await t.api('POST', '/api/promotions/price', { token: admin, body: { lines: [{ sku, qty: 1 }] } })).status === 200 ? true : undefined),
      'the price',
    );
    return sku;
  }

  it('serves every service at one port, and is ready only with the thread', async () => {
    const listed = await t.api('GET', '/api');
    expect((listed.body.services as { name: string }[]).map((s) => s.name).sort()).toEqual(
      ['catalog', 'customer', 'fulfilment', 'gateway', 'inventory', 'order', 'payment', 'promotion', 'store', 'webhook'].sort(),
    );
    expect(t.platform.runtimes.map((r) => r.name)).not.toContain('inventory');
    const ready = await t.api('GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.checks.thread).toBe('ok');
  });

  it('an order placed on this thread is held and paid on the other, and a burst for the last units sells each unit once', async () => {
    const sku = await stocked(20);
    const customer = await t.token('customer', { subject: 'thread-alice' });
    const admin = await t.token('brand_admin');
    const place = () => t.api('POST', '/api/orders', { token: customer, idempotencyKey: newKey(), body: { lines: [{ sku, qty: 1 }] } });
    const placed = await Promise.all(Array.from({ length: 30 }, place));
    expect(placed.map((r) => r.status), JSON.stringify(placed[0]?.body)).toEqual(Array(30).fill(201));
    const finals = await Promise.all(placed.map((r) => finalOrder(t, customer, r.body.id as string)));
    const count = (status: string) => finals.filter((o) => o.status === status).length;
    expect(count('confirmed')).toBe(20);
    expect(count('rejected')).toBe(10);
    const intents = await t.api('GET', `/api/payments/intents?orderId=${finals.find((o) => o.status === 'confirmed').id}`, { token: admin });
    expect(intents.body.items.map((i: { status: string }) => i.status)).toEqual(['captured']);
    const stock = await t.api('GET', `/api/inventory/stock?sku=${sku}`, { token: admin });
    expect(stock.body.locations).toEqual([expect.objectContaining({ location: STORE, onHand: 20, reserved: 20, available: 0 })]);
  });

  it("serves both threads' metrics at the one port's /metrics, merged into one valid exposition", async () => {
    const m = parseExposition(await (await fetch(`${t.url}/metrics`)).text());
    // Inventory and payment count on the service thread; what the main thread forwarded to them counts as the gateway's.
    expect(m.sum('omnishop_http_requests_total', { service: 'inventory', route: '/api/inventory/movements' })).toBeGreaterThan(0);
    expect(m.sum('omnishop_http_requests_total', { service: 'gateway', route: '/api/inventory/*' })).toBeGreaterThan(0);
    expect(m.sum('omnishop_events_handled_total', { group: 'inventory', type: 'OrderPlaced', outcome: 'ok' })).toBeGreaterThan(0);
    expect(m.sum('omnishop_events_handled_total', { group: 'order', type: 'StockReserved' })).toBeGreaterThan(0);
    for (const service of ['order', 'inventory', 'payment']) expect(m.has('omnishop_outbox_backlog_events', { service }), service).toBe(true);
    for (const group of ['order', 'inventory', 'payment']) expect(m.has('omnishop_consumer_lag_events', { group }), group).toBe(true);
    expect(m.has('nodejs_eventloop_lag_p99_seconds', { thread: 'main' })).toBe(true);
    expect(m.has('nodejs_eventloop_lag_p99_seconds', { thread: 'service' })).toBe(true);
  });

  it("shows one order's trace at the one port with the spans of both threads", async () => {
    const operator = await t.token('operator');
    const customer = await t.token('customer', { subject: 'thread-alice' });
    const orders = await t.api('GET', '/api/orders?status=confirmed', { token: customer });
    const orderId = orders.body.items[0].id as string;
    const list = await t.api('GET', `/api/traces?orderId=${orderId}`, { token: operator });
    const checkout = (list.body.items as { traceId: string; root: string; services: string[] }[]).find((i) => i.root === 'POST /api/orders');
    expect(checkout?.services, JSON.stringify(list.body)).toEqual(expect.arrayContaining(['order', 'inventory', 'payment']));
    const trace = await t.api('GET', `/api/traces/${checkout!.traceId}`, { token: operator });
    expect((trace.body.spans as { service: string; name: string }[]).map((s) => `${s.service}: ${s.name}`)).toEqual(expect.arrayContaining(['order: POST /api/orders', 'inventory: consume OrderPlaced', 'order: consume StockReserved']));
  });

  it('refuses a service it does not know by the setting that names it', async () => {
    await expect(startTestPlatform({ THREAD_SERVICES: 'inventory,bogus' })).rejects.toThrow(/threadServices \(env THREAD_SERVICES\): unknown service bogus/);
  });
});
