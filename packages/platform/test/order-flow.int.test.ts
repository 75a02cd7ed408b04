import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installTracing } from '@omnishop/kit';
import { finalOrder, newKey, openStores, settled, startTestPlatform, stockedSku, type TestPlatform } from './harness.js';

describe('order lifecycle over the real API and bus', () => {
  let t: TestPlatform;
  let customer: string;
  let admin: string;

  beforeAll(async () => {
    t = await startTestPlatform({ RESERVATION_TTL_SECONDS: '1', EXPIRY_CHECK_MS: '50' });
    customer = await t.token('customer', { subject: 'alice' });
    admin = await t.token('brand_admin');
  });
  afterAll(() => t.stop());

  const stock = async (sku: string) => (await t.api('GET', `/api/inventory/stock?sku=${sku}`, { token: admin })).body.total;

  it('places an order that stock confirms, then completes it and sells the stock', async () => {
    const sku = await stockedSku(t, { price: 12900, stock: { WH_SH: 5, ST_SH_001: 2 } });
    const placed = await t.api('POST', '/api/orders', { token: customer, idempotencyKey: newKey(), body: { lines: [{ sku, qty: 3 }] } });
    expect(placed.status).toBe(201);
    expect(placed.headers.get('location')).toBe(`/api/orders/${placed.body.id}`);
    expect(placed.body).toMatchObject({ status: 'pending', total: 3 * 12900, currency: 'CNY', customerId: 'alice' });

    const confirmed = await finalOrder(t, customer, placed.body.id);
    expect(confirmed.status).toBe('confirmed');
    expect(await stock(sku)).toEqual({ onHand: 7, reserved: 3, available: 4 });
    await settled(t);
    const reservation = await t.api('GET', `/api/inventory/reservations/${placed.body.id}`, { token: admin });
    expect(reservation.body).toMatchObject({ status: 'committed', lines: [{ sku, location: 'WH_SH', qty: 3 }] });

    const completed = await t.api('POST', `/api/orders/${placed.body.id}/complete`, { token: admin });
    expect(completed.status).toBe(200);
    expect(completed.body.history.map((h: { status: string }) => h.status)).toEqual(['pending', 'awaiting_payment', 'confirmed', 'completed']);
    await settled(t);
    expect(await stock(sku)).toEqual({ onHand: 4, reserved: 0, available: 4 });

    const ledger = await t.api('GET', `/api/inventory/ledger?sku=${sku}`, { token: admin });
    expect(ledger.body.items.map((m: { kind: string }) => m.kind)).toEqual(['receive', 'receive', 'reserve', 'sell']);
    expect(ledger.body.balance).toEqual({ onHand: 4, reserved: 0, available: 4 });
  });

  it('cancelling a confirmed order gives its stock back', async () => {
    const sku = await stockedSku(t, { stock: { WH_SH: 2 } });
    const placed = await t.api('POST', '/api/orders', { token: customer, idempotencyKey: newKey(), body: { lines: [{ sku, qty: 2 }] } });
    expect((await finalOrder(t, customer, placed.body.id)).status).toBe('confirmed');
    // Paid, it may be on its way: the customer asks the store, whose staff cancel it.
    expect((await t.api('POST', `/api/orders/${placed.body.id}/cancel`, { token: customer })).status).toBe(409);
    const cancelled = await t.api('POST', `/api/orders/${placed.body.id}/cancel`, { token: admin });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    await settled(t);
    expect(await stock(sku)).toEqual({ onHand: 2, reserved: 0, available: 2 });
    const again = await t.api('POST', `/api/orders/${placed.body.id}/cancel`, { token: customer });
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toContain('application/problem+json');
  });

  it('rejects an order when no location has enough stock, and holds nothing', async () => {
    const sku = await stockedSku(t, { stock: { WH_SH: 1, ST_SH_001: 1 } });
    const placed = await t.api('POST', '/api/orders', { token: customer, idempotencyKey: newKey(), body: { lines: [{ sku, qty: 2 }] } });
    const order = await finalOrder(t, customer, placed.body.id);
    expect(order).toMatchObject({ status: 'rejected', reason: `insufficient_stock: ${sku}` });
    expect(await stock(sku)).toEqual({ onHand: 2, reserved: 0, available: 2 });
  });

  it('releases a reservation that expires before the order is confirmed', async () => {
    const sku = await stockedSku(t, { stock: { WH_SH: 4 } });
    // Hold the order service's consumer back, so the reservation outlives its TTL unconfirmed.
    const order = t.platform.runtimes.find((r) => r.name === 'order')!;
    const handle = order.consumer.handle.bind(order.consumer);
    let gate!: () => void;
    const opened = new Promise<void>((r) => (gate = r));
    order.consumer.handle = async (e, at) => {
      await opened;
      return handle(e, at);
    };
    try {
      const placed = await t.api('POST', '/api/orders', { token: customer, idempotencyKey: newKey(), body: { lines: [{ sku, qty: 4 }] } });
      await expect
        .poll(async () => (await t.api('GET', `/api/inventory/reservations/${placed.body.id}`, { token: admin })).body?.status, { timeout: 10_000 })
        .toBe('expired');
      expect(await stock(sku)).toEqual({ onHand: 4, reserved: 0, available: 4 });
      gate();
      const final = await finalOrder(t, customer, placed.body.id);
      expect(final).toMatchObject({ status: 'rejected', reason: 'reservation_expired' });
    } finally {
      gate();
      order.consumer.handle = handle;
    }
  });

  it('one trace follows an order from the HTTP request across the bus and back', async () => {
    const sku = await stockedSku(t, { stock: { WH_SH: 1 } });
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const placed = await t.api('POST', '/api/orders', {
      token: customer,
      idempotencyKey: newKey(),
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
      body: { lines: [{ sku, qty: 1 }] },
    });
    expect((await finalOrder(t, customer, placed.body.id)).status).toBe('confirmed');
    await settled(t);
    const names = installTracing()
      .byTrace(traceId)
      .map((s) => s.name);
    // The wallet provider's callback is a request of its own (a new trace); up to the payment request it is one.
    expect(names).toEqual(expect.arrayContaining(['POST /api/orders', 'consume OrderPlaced', 'consume StockReserved', 'consume PaymentRequested']));
  });

  it('a store manager records stock at their own store only', async () => {
    const sku = await stockedSku(t);
    await openStores(t, ['ST_SH_001', 'ST_BJ_001']);
    const manager = await t.token('store_manager', { store: 'ST_SH_001' });
    const receive = (location: string) =>
      t.api('POST', '/api/inventory/movements', { token: manager, idempotencyKey: newKey(), body: { sku, location, kind: 'receive', qty: 3 } });
    expect((await receive('ST_SH_001')).status).toBe(201);
    const elsewhere = await receive('ST_BJ_001');
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.body.detail).toContain('ST_SH_001');
    expect(await stock(sku)).toEqual({ onHand: 3, reserved: 0, available: 3 });
  });

  it("keeps one customer's orders from another", async () => {
    const sku = await stockedSku(t, { stock: { WH_SH: 1 } });
    const placed = await t.api('POST', '/api/orders', { token: customer, idempotencyKey: newKey(), body: { lines: [{ sku, qty: 1 }] } });
    const bob = await t.token('customer', { subject: 'bob' });
    expect((await t.api('GET', `/api/orders/${placed.body.id}`, { token: bob })).status).toBe(404);
    const bobsList = await t.api('GET', '/api/orders', { token: bob });
    expect(bobsList.body.items).toEqual([]);
    const otherBrand = await t.token('brand_admin', { tenant: 'globex' });
    expect((await t.api('GET', `/api/orders/${placed.body.id}`, { token: otherBrand })).status).toBe(404);
  });
});
