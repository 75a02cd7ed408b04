import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finalOrder, newKey, settled, startTestPlatform, stockedSku, type TestPlatform } from './harness.js';
import { parseExposition, type Exposition } from './prometheus.js';

/** /metrics over real HTTP after real orders: valid Prometheus text whose figures move with the work done. */
describe('metrics at /metrics', () => {
  let t: TestPlatform;
  let customer: string;

  beforeAll(async () => {
    t = await startTestPlatform();
    customer = await t.token('customer', { subject: 'metrics-shopper' });
  });
  afterAll(() => t.stop());

  async function scrape(): Promise<Exposition> {
    const res = await fetch(`${t.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    return parseExposition(await res.text());
  }

  const placeOrder = (sku: string) => t.api('POST', '/api/orders', { token: customer, idempotencyKey: newKey(), body: { lines: [{ sku, qty: 1 }] } });

  it('counts requests by service, route and status, and events by group, type and outcome, after an order', async () => {
    const sku = await stockedSku(t, { stock: { WH_SH: 50 } });
    const before = await scrape();
    const placed = await placeOrder(sku);
    expect(placed.status).toBe(201);
    expect((await finalOrder(t, customer, placed.body.id)).status).toBe('confirmed');
    await settled(t);
    const after = await scrape();

    const orders = { service: 'order', method: 'POST', route: '/api/orders' };
    expect(after.sum('omnishop_http_requests_total', { ...orders, status: '201' }) - before.sum('omnishop_http_requests_total', { ...orders, status: '201' })).toBe(1);
    expect(after.sum('omnishop_http_request_duration_seconds_count', orders) - before.sum('omnishop_http_request_duration_seconds_count', orders)).toBe(1);
    expect(after.sum('omnishop_http_request_duration_seconds_bucket', { ...orders, le: '+Inf' })).toBe(after.sum('omnishop_http_request_duration_seconds_count', orders));
    // The path's id is never a label: the route template is.
    expect(after.samples.some((s) => s.labels.route?.includes(placed.body.id))).toBe(false);
    expect(after.has('omnishop_http_requests_total', { service: 'order', method: 'GET', route: '/api/orders/:id', status: '200' })).toBe(true);

    const placedEvents = { group: 'inventory', type: 'OrderPlaced', outcome: 'ok' };
    expect(after.sum('omnishop_events_handled_total', placedEvents)).toBeGreaterThan(before.sum('omnishop_events_handled_total', placedEvents));
    expect(after.sum('omnishop_event_handling_duration_seconds_count', { group: 'order', type: 'PaymentCaptured' })).toBeGreaterThan(0);

    expect(after.types.get('omnishop_http_requests_total')).toBe('counter');
    expect(after.types.get('omnishop_http_request_duration_seconds')).toBe('histogram');
    expect(after.types.get('omnishop_events_handled_total')).toBe('counter');
    expect(after.types.get('omnishop_event_handling_duration_seconds')).toBe('histogram');
  });

  it('reports lag, backlogs, dead letters, queues and the event loop of every service, idle once settled', async () => {
    await settled(t);
    const idle = await scrape();
    for (const r of t.platform.runtimes) {
      expect(idle.has('omnishop_outbox_backlog_events', { service: r.name }), r.name).toBe(true);
      expect(idle.sum('omnishop_outbox_backlog_events', { service: r.name }), r.name).toBe(0);
      expect(idle.sum('omnishop_dead_letters', { service: r.name }), r.name).toBe(0);
      // SQLite groups units of work into one commit and queues them; a PostgreSQL service has a pool instead.
      if (r.sdb.dialect === 'sqlite') expect(idle.has('omnishop_unit_of_work_queued', { service: r.name, kind: 'request' }), r.name).toBe(true);
      else expect(idle.sum('omnishop_db_pool_connections', { service: r.name, state: 'total' }), r.name).toBeGreaterThan(0);
    }
    for (const group of ['inventory', 'order', 'payment', 'fulfilment', 'customer']) {
      expect(idle.has('omnishop_consumer_lag_events', { group }), group).toBe(true);
      expect(idle.sum('omnishop_consumer_lag_events', { group }), group).toBe(0);
    }
    expect(idle.has('nodejs_eventloop_lag_p99_seconds', { thread: 'main' })).toBe(true);
    expect(idle.has('process_cpu_seconds_total')).toBe(true);
  });

  it('shows lag and backlog rising during a burst of orders and back at zero after', async () => {
    const sku = await stockedSku(t, { stock: { WH_SH: 500 } });
    let peak = 0;
    let bursting = true;
    const watching = (async () => {
      while (bursting) {
        const m = await scrape();
        peak = Math.max(peak, m.sum('omnishop_consumer_lag_events') + m.sum('omnishop_outbox_backlog_events') + m.sum('omnishop_unit_of_work_queued'));
      }
    })();
    const answers = await Promise.all(Array.from({ length: 200 }, () => placeOrder(sku)));
    expect(answers.every((a) => a.status === 201)).toBe(true);
    await settled(t);
    bursting = false;
    await watching;
    expect(peak).toBeGreaterThan(0);
    const after = await scrape();
    expect(after.sum('omnishop_consumer_lag_events')).toBe(0);
    expect(after.sum('omnishop_outbox_backlog_events')).toBe(0);
  });

  it('is no API operation: the API document leaves /metrics out', async () => {
    const doc = await t.api('GET', '/api/openapi.json');
    expect(Object.keys(doc.body.paths)).not.toContain('/metrics');
  });
});
