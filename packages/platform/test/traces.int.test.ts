import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECKOUT_SERVICES, expectOneTree, type SpanSeen } from './trace-shape.js';
import { eventually, finalOrder, newKey, settled, startTestPlatform, stockedSku, type TestPlatform } from './harness.js';

/** A small OTLP/HTTP receiver: the JSON export requests it was sent. */
async function otlpReceiver(): Promise<{ url: string; spans: () => { name: string; traceId: string }[]; close(): Promise<void> }> {
  const received: { name: string; traceId: string }[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      if (req.url === '/v1/traces' && req.method === 'POST') {
        const doc = JSON.parse(body) as { resourceSpans: { scopeSpans: { spans: { name: string; traceId: string }[] }[] }[] };
        for (const rs of doc.resourceSpans) for (const ss of rs.scopeSpans) for (const s of ss.spans) received.push({ name: s.name, traceId: s.traceId });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans: () => received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('tracing: one user action is one trace across HTTP and the bus', () => {
  let t: TestPlatform;
  let receiver: Awaited<ReturnType<typeof otlpReceiver>>;
  let customer: string;
  let operator: string;

  beforeAll(async () => {
    receiver = await otlpReceiver();
    // Read once, when the process installs its tracer (this test file's process).
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.url;
    t = await startTestPlatform();
    customer = await t.token('customer', { subject: 'trace-shopper' });
    operator = await t.token('operator');
  });
  afterAll(async () => {
    await t?.stop();
    await receiver?.close();
    delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  });

  async function placeAndFinish(): Promise<string> {
    const sku = await stockedSku(t, { stock: { WH_SH: 5 } });
    const placed = await t.api('POST', '/api/orders', { token: customer, idempotencyKey: newKey(), body: { lines: [{ sku, qty: 1 }] } });
    expect(placed.status).toBe(201);
    expect((await finalOrder(t, customer, placed.body.id)).status).toBe('confirmed');
    await settled(t);
    return placed.body.id as string;
  }

  it("an order's checkout is one trace through every service it touched, each span a child of the one before", async () => {
    const orderId = await placeAndFinish();
    const found = await t.api('GET', `/api/traces?orderId=${orderId}`, { token: operator });
    expect(found.status).toBe(200);
    const checkout = (found.body.items as { traceId: string; root: string; services: string[] }[]).find((i) => i.root === 'POST /api/orders');
    expect(checkout, JSON.stringify(found.body)).toBeDefined();
    expect(checkout!.services).toEqual(expect.arrayContaining(CHECKOUT_SERVICES));

    const trace = await t.api('GET', `/api/traces/${checkout!.traceId}`, { token: operator });
    expect(trace.status).toBe(200);
    const spans = trace.body.spans as SpanSeen[];
    const names = spans.map((s) => `${s.service}: ${s.name}`);
    expect(names).toEqual(
      expect.arrayContaining([
        'order: POST /api/orders',
        'order: unit of work order',
        'order: outbox write',
        'order: publish OrderPlaced',
        'inventory: consume OrderPlaced',
        'inventory: publish StockReserved',
        'order: consume StockReserved',
        'payment: consume PaymentRequested',
      ]),
    );
    expectOneTree(spans, 'order: POST /api/orders');
    const byName = (service: string, name: string) => spans.find((s) => s.service === service && s.name === name)!;
    expect(byName('order', 'publish OrderPlaced').attributes['omnishop.event.key']).toBe(orderId);
  });

  it("keeps a brand's traces from another brand, and from customers", async () => {
    const orderId = await placeAndFinish();
    const list = await t.api('GET', `/api/traces?orderId=${orderId}`, { token: operator });
    const traceId = list.body.items[0].traceId as string;
    expect((await t.api('GET', `/api/traces/${traceId}`, { token: await t.token('brand_admin') })).status).toBe(200);
    expect((await t.api('GET', `/api/traces/${traceId}`, { token: await t.token('brand_admin', { tenant: 'globex' }) })).status).toBe(404);
    expect((await t.api('GET', `/api/traces?orderId=${orderId}`, { token: await t.token('operator', { tenant: 'globex' }) })).body.items).toEqual([]);
    expect((await t.api('GET', `/api/traces/${traceId}`, { token: customer })).status).toBe(403);
    expect((await t.api('GET', `/api/traces/${'0'.repeat(32)}`, { token: operator })).status).toBe(404);
    expect((await t.api('GET', '/api/traces/not-a-trace', { token: operator })).status).toBe(400);
  });

  it('exports the spans of an order over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set', async () => {
    const orderId = await placeAndFinish();
    const list = await t.api('GET', `/api/traces?orderId=${orderId}`, { token: operator });
    const checkout = (list.body.items as { traceId: string; root: string }[]).find((i) => i.root === 'POST /api/orders')!;
    await eventually(async () => {
      const names = receiver.spans().filter((s) => s.traceId === checkout.traceId).map((s) => s.name);
      return names.includes('POST /api/orders') && names.includes('consume OrderPlaced') ? true : undefined;
    }, 'the spans at the OTLP receiver');
  });
});
