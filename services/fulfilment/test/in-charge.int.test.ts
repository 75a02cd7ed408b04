import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProblemBody } from '@omnishop/kit';
import { eventually, finalOrder, newKey, settled, startTestPlatform, stockedSku, type ApiResponse, type TestPlatform } from '../../../packages/platform/test/harness.js';

/**
 * Store staff act only on orders in their store's hands: an online order once
 * their store claimed it, a till sale of their store. Over real HTTP.
 */
describe("store staff act on their store's orders only", () => {
  let t: TestPlatform;
  let sku: string;
  const staffOf = (role: 'clerk' | 'store_manager', store: string) => t.token(role, { store, subject: `${role}-${store}` });

  beforeAll(async () => {
    t = await startTestPlatform();
    sku = await stockedSku(t, { stock: { ST_BJ_001: 50 } });
  });
  afterAll(() => t?.stop());

  function expectForbidden(res: ApiResponse<ProblemBody>, because: string): void {
    expect(res.status, JSON.stringify(res.body)).toBe(403);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body.type).toContain('forbidden');
    expect(res.body.detail).toContain(because);
  }

  /** A confirmed online order of alice's, offered to ST_BJ_001 (it holds the stock). */
  async function paidOrder(): Promise<{ id: string; customer: string }> {
    const customer = await t.token('customer', { subject: 'alice' });
    const placed = await t.api('POST', '/api/orders', { token: customer, idempotencyKey: newKey(), body: { lines: [{ sku, qty: 1 }] } });
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    expect((await finalOrder(t, customer, placed.body.id)).status).toBe('confirmed');
    await eventually(async () => ((await t.api('GET', `/api/fulfilment/orders/${placed.body.id}`, { token: customer })).status === 200 ? true : undefined), 'the offer');
    return { id: placed.body.id, customer };
  }

  const claim = async (id: string, store: string) => {
    const res = await t.api('POST', `/api/fulfilment/orders/${id}/claim`, { token: await staffOf('clerk', store) });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    await settled(t); // the claim reaches order and payment by event
  };

  it('refuses every store to cancel an online order that is only offered; the brand admin may', async () => {
    const { id } = await paidOrder();
    expectForbidden(await t.api('POST', `/api/orders/${id}/cancel`, { token: await staffOf('store_manager', 'ST_BJ_001') }), 'not in any store');
    expect((await t.api('POST', `/api/orders/${id}/cancel`, { token: await t.token('brand_admin') })).status).toBe(200);
  });

  it('lets the claiming store cancel, and refuses another store, naming the store in charge', async () => {
    const { id } = await paidOrder();
    await claim(id, 'ST_BJ_001');
    const other = await staffOf('clerk', 'ST_SH_001');
    const own = await staffOf('clerk', 'ST_BJ_001');
    expectForbidden(await t.api('POST', `/api/orders/${id}/cancel`, { token: other }), 'in the hands of ST_BJ_001');
    const cancelled = await t.api('POST', `/api/orders/${id}/cancel`, { token: own });
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelled' });
  });

  it("lets the fulfilling store's manager refund a collected order by hand, and refuses another store's", async () => {
    const { id, customer } = await paidOrder();
    await claim(id, 'ST_BJ_001');
    const clerk = await staffOf('clerk', 'ST_BJ_001');
    for (const step of ['ready', 'collected']) expect((await t.api('POST', `/api/fulfilment/orders/${id}/${step}`, { token: clerk })).status).toBe(200);
    await eventually(async () => ((await t.api('GET', `/api/orders/${id}`, { token: customer })).body.status === 'completed' ? true : undefined), 'completion');
    const intent = (await t.api('GET', `/api/payments/intents?orderId=${id}`, { token: customer })).body.items[0];
    const refund = (token: string) => t.api('POST', `/api/payments/intents/${intent.id}/refund`, { token, idempotencyKey: newKey(), body: { amount: 100, reason: 'goodwill' } });
    expectForbidden(await refund(await staffOf('store_manager', 'ST_SH_001')), 'in the hands of ST_BJ_001');
    const refunded = await refund(await staffOf('store_manager', 'ST_BJ_001'));
    expect(refunded.status, JSON.stringify(refunded.body)).toBe(201);
    expect(refunded.body).toMatchObject({ amount: 100 });
  });

  it("hands a given-back order out of the store's charge again", async () => {
    const { id } = await paidOrder();
    await claim(id, 'ST_BJ_001');
    const own = await staffOf('clerk', 'ST_BJ_001');
    expect((await t.api('POST', `/api/fulfilment/orders/${id}/give-back`, { token: own })).status).toBe(200);
    await settled(t);
    expectForbidden(await t.api('POST', `/api/orders/${id}/cancel`, { token: own }), 'not in any store');
  });

  it("keeps a till sale in its store's charge: another store's manager may not refund it", async () => {
    const tillSku = await stockedSku(t, { stock: { ST_SH_001: 5 } });
    const sale = await t.api('POST', '/api/orders/sales', { token: await staffOf('clerk', 'ST_SH_001'), idempotencyKey: newKey(), body: { lines: [{ sku: tillSku, qty: 1 }], paymentMethod: 'cash' } });
    expect(sale.status, JSON.stringify(sale.body)).toBe(201);
    const admin = await t.token('brand_admin');
    await settled(t);
    const intent = (await t.api('GET', `/api/payments/intents?orderId=${sale.body.id}`, { token: admin })).body.items[0];
    const refund = async (store: string) =>
      t.api('POST', `/api/payments/intents/${intent.id}/refund`, { token: await staffOf('store_manager', store), idempotencyKey: newKey(), body: { amount: 100, reason: 'goodwill' } });
    expectForbidden(await refund('ST_BJ_001'), 'in the hands of ST_SH_001');
    expect((await refund('ST_SH_001')).status).toBe(201);
  });
});
