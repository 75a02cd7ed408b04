import { describe, expect, it } from 'vitest';
import { Metrics } from '../src/metrics/index.js';

const lines = (text: string, prefix: string) => text.split('\n').filter((l) => l.startsWith(prefix));

describe('metrics', () => {
  it('counts requests by status and keeps their latency by route, in cumulative buckets', async () => {
    const m = new Metrics();
    m.request('order', 'POST', '/api/orders', 201, 0.003);
    m.request('order', 'POST', '/api/orders', 201, 0.2);
    m.request('order', 'POST', '/api/orders', 422, 0.0001);
    const text = await m.text();
    expect(lines(text, 'omnishop_http_requests_total{')).toEqual([
      'omnishop_http_requests_total{service="order",method="POST",route="/api/orders",status="201"} 2',
      'omnishop_http_requests_total{service="order",method="POST",route="/api/orders",status="422"} 1',
    ]);
    const route = 'service="order",method="POST",route="/api/orders"';
    expect(lines(text, 'omnishop_http_request_duration_seconds_bucket{')).toContain(`omnishop_http_request_duration_seconds_bucket{${route},le="0.0005"} 1`);
    expect(lines(text, 'omnishop_http_request_duration_seconds_bucket{')).toContain(`omnishop_http_request_duration_seconds_bucket{${route},le="0.005"} 2`);
    expect(lines(text, 'omnishop_http_request_duration_seconds_bucket{')).toContain(`omnishop_http_request_duration_seconds_bucket{${route},le="+Inf"} 3`);
    expect(lines(text, 'omnishop_http_request_duration_seconds_count{')).toEqual([`omnishop_http_request_duration_seconds_count{${route}} 3`]);
    expect(text).toContain('# TYPE omnishop_http_request_duration_seconds histogram');
    expect(text).toContain('# TYPE omnishop_http_requests_total counter');
  });

  it("merges another thread's figures, summing the same series and keeping the rest", async () => {
    const main = new Metrics();
    const other = new Metrics();
    main.event('order', 'StockReserved', 'ok', 0.01);
    other.event('order', 'StockReserved', 'ok', 0.02);
    other.event('inventory', 'OrderPlaced', 'retry', 0.02);
    const text = await main.text([await other.json()]);
    expect(text).toContain('omnishop_events_handled_total{group="order",type="StockReserved",outcome="ok"} 2');
    expect(text).toContain('omnishop_events_handled_total{group="inventory",type="OrderPlaced",outcome="retry"} 1');
    expect(text).toContain('omnishop_event_handling_duration_seconds_count{group="order",type="StockReserved"} 2');
    expect(text.match(/^# TYPE omnishop_events_handled_total /gm)).toHaveLength(1);
  });

  it('reads lag and backlogs from what it watches, only while watched', async () => {
    const m = new Metrics();
    const unwatch = m.watchService({ service: 'order', outboxBacklog: async () => 7, deadLetters: async () => 2, queued: () => ({ request: 3, background: 1 }) });
    m.watchBus({ lag: async () => ({ order: 5 }) });
    const text = await m.text();
    expect(text).toContain('omnishop_outbox_backlog_events{service="order"} 7');
    expect(text).toContain('omnishop_dead_letters{service="order"} 2');
    expect(text).toContain('omnishop_unit_of_work_queued{service="order",kind="request"} 3');
    expect(text).toContain('omnishop_consumer_lag_events{group="order"} 5');
    unwatch();
    expect(await m.text()).not.toContain('omnishop_outbox_backlog_events{service="order"}');
  });
});
