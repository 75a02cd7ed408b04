import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventEnvelope, ProblemBody } from '@omnishop/kit';
import { OrderCompleted } from '@omnishop/order/contract';
import { PaymentRefunded } from '@omnishop/payment/contract';
import {
  eventually,
  finalOrder,
  newKey,
  publishedEvents,
  settled,
  startTestPlatform,
  stockedSku,
  type ApiResponse,
  type TestPlatform,
} from '../../../packages/platform/test/harness.js';

/**
 * The customer service over real HTTP and the real bus: orders placed, paid
 * and completed through the order and payment services earn points; refunds
 * of the payment take back their share.
 */
describe('customer: members and loyalty points', () => {
  let t: TestPlatform;
  let admin: string;
  /** An acme SKU at 123.45 yuan, with stock for orders. */
  let sku: string;

  beforeAll(async () => {
    t = await startTestPlatform();
    admin = await t.token('brand_admin');
    sku = await stockedSku(t, { price: 12_345, stock: { WH_SH: 100, ST_SH_001: 10 } });
  });
  afterAll(() => t?.stop());

  function expectProblem(res: ApiResponse<ProblemBody>, status: number, field?: string): void {
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    if (field) expect(res.body.errors?.map((e) => e.field), JSON.stringify(res.body)).toContain(field);
  }

  const orderStatus = async (token: string, id: string, status: string) =>
    eventually(async () => ((await t.api('GET', `/api/orders/${id}`, { token })).body.status === status ? true : undefined), `order ${id} to be ${status}`);

  /** Places an order as the customer, pays it by wallet and waits for it to be confirmed; returns its id, total and payment intent. */
  async function paidOrder(customer: string, qty = 1): Promise<{ id: string; total: number; intentId: string }> {
    const placed = await t.api('POST', '/api/orders', { token: customer, idempotencyKey: newKey(), body: { lines: [{ sku, qty }] } });
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    // The saga asks the payment service for the money; the simulated wallet provider pays it.
    expect((await finalOrder(t, customer, placed.body.id)).status).toBe('confirmed');
    const intents = await t.api('GET', `/api/payments/intents?orderId=${placed.body.id}`, { token: customer });
    expect(intents.body.items, JSON.stringify(intents.body)).toHaveLength(1);
    return { id: placed.body.id, total: placed.body.total, intentId: intents.body.items[0].id };
  }

  /** Hands a paid order over (as a brand admin) and waits for its points. */
  async function complete(id: string): Promise<void> {
    const completed = await t.api('POST', `/api/orders/${id}/complete`, { token: admin });
    expect(completed.status, JSON.stringify(completed.body)).toBe(200);
    await settled(t);
  }

  async function completedOrder(customer: string, qty = 1) {
    const order = await paidOrder(customer, qty);
    await complete(order.id);
    return order;
  }

  /** Refunds part of a payment (as a brand admin) through the payment service, and waits for its effects. */
  async function refund(intentId: string, amount: number, reason: string): Promise<string> {
    const res = await t.api('POST', `/api/payments/intents/${intentId}/refund`, { token: admin, idempotencyKey: newKey(), body: { amount, reason } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    await settled(t);
    return res.body.id;
  }

  const me = (token: string) => t.api('GET', '/api/customers/me', { token });
  const ledger = async (token: string) => (await t.api('GET', '/api/customers/me/points', { token })).body;
  const noDeadLetters = async () => expect((await t.api('GET', '/api/customers/admin/dead-letters', { token: await t.token('operator') })).body.items).toEqual([]);
  const customerRuntime = () => t.platform.runtimes.find((r) => r.name === 'customer')!;

  it('a paid, completed order makes the customer a member with floor(paid / 100) points and one ledger entry', async () => {
    const carol = await t.token('customer', { subject: 'carol' });
    expectProblem(await me(carol), 404);
    const order = await completedOrder(carol, 2);
    expect(order.total).toBe(24_690);

    const profile = await me(carol);
    expect(profile.status).toBe(200);
    expect(profile.body).toMatchObject({ id: 'carol', name: null, tier: 'bronze', balance: 246, lifetimePoints: 246 });
    const ledger = await t.api('GET', '/api/customers/me/points', { token: carol });
    expect(ledger.body).toMatchObject({ balance: 246, nextCursor: null, items: [{ orderId: order.id, delta: 246, reason: 'earned', note: null }] });
  });

  it('the same OrderCompleted delivered again earns nothing twice', async () => {
    const dave = await t.token('customer', { subject: 'dave' });
    const order = await completedOrder(dave);
    const customer = customerRuntime();
    // A new envelope (new event id), so the consumer's processed-id check does not catch it: the ledger's rule must.
    const again: EventEnvelope = {
      id: newKey(),
      type: OrderCompleted.type,
      version: OrderCompleted.version,
      source: 'order',
      key: order.id,
      tenant: 'acme',
      time: new Date().toISOString(),
      headers: {},
      data: { orderId: order.id },
    };
    await customer.consumer.handle([again]);
    await customer.consumer.handle([again]);
    await settled(t);
    const ledger = await t.api('GET', '/api/customers/me/points', { token: dave });
    expect(ledger.body.items).toHaveLength(1);
    expect(ledger.body.balance).toBe(Math.floor(order.total / 100));
    // Skipped, not failed: nothing was parked as a dead letter.
    await noDeadLetters();
  });

  it('a partial refund takes back its share of the points; a second takes back the rest, exactly', async () => {
    const erin = await t.token('customer', { subject: 'erin' });
    const order = await completedOrder(erin);
    expect((await me(erin)).body).toMatchObject({ balance: 123, lifetimePoints: 123 });

    // 60.00 of 123.45 refunded: floor(123 × 6000 / 12345) = 59 points back.
    await refund(order.intentId, 6_000, 'one item returned');
    expect((await me(erin)).body).toMatchObject({ balance: 64, lifetimePoints: 64 });
    // The rest refunded: the order has then given back all 123 it earned.
    const lastRefund = await refund(order.intentId, 6_345, 'the rest returned');
    expect((await me(erin)).body).toMatchObject({ balance: 0, lifetimePoints: 0, tier: 'bronze' });
    expect((await ledger(erin)).items).toMatchObject([
      { orderId: order.id, delta: -64, reason: 'reversed', note: 'the rest returned' },
      { orderId: order.id, delta: -59, reason: 'reversed', note: 'one item returned' },
      { orderId: order.id, delta: 123, reason: 'earned', note: null },
    ]);
    const reversed = await publishedEvents(t, { types: ['PointsReversed'], key: 'erin' });
    expect(reversed.map((e) => e.data)).toEqual([
      { memberId: 'erin', orderId: order.id, points: 59, reason: 'one item returned', balance: 64, tier: 'bronze' },
      { memberId: 'erin', orderId: order.id, points: 64, reason: 'the rest returned', balance: 0, tier: 'bronze' },
    ]);

    // The last refund delivered again, as a new event: counted by its refund id, it takes nothing twice.
    const [delivered] = await publishedEvents(t, { types: [PaymentRefunded.type], key: order.id }).then((events) => events.filter((e) => e.data.refundId === lastRefund));
    await customerRuntime().consumer.handle([{ ...delivered!, id: newKey() }]);
    await settled(t);
    expect((await ledger(erin)).items).toHaveLength(3);
    await noDeadLetters();
  });

  it('a refund before the order completes takes nothing back, and the order then earns only on what was not refunded', async () => {
    const gina = await t.token('customer', { subject: 'gina' });
    const order = await paidOrder(gina);
    await refund(order.intentId, 6_000, 'price adjustment');
    expectProblem(await me(gina), 404);
    await complete(order.id);
    // What is kept of 123 points after 60.00 of 123.45 is refunded: 123 - 59.
    expect((await me(gina)).body).toMatchObject({ balance: 64, lifetimePoints: 64 });
    await refund(order.intentId, 6_345, 'the rest returned');
    expect((await me(gina)).body).toMatchObject({ balance: 0 });
  });

  it('a walk-in sale at the till earns nothing and makes nobody a member', async () => {
    const clerk = await t.token('clerk', { store: 'ST_SH_001' });
    const sale = await t.api('POST', '/api/orders/sales', { token: clerk, idempotencyKey: newKey(), body: { lines: [{ sku, qty: 1 }], paymentMethod: 'cash' } });
    expect(sale.status, JSON.stringify(sale.body)).toBe(201);
    await orderStatus(clerk, sale.body.id, 'completed');
    await settled(t);
    expectProblem(await t.api('GET', `/api/customers/members/${sale.body.customerId}`, { token: admin }), 404);
    expect(await publishedEvents(t, { types: ['PointsEarned'], key: sale.body.customerId })).toEqual([]);
    await noDeadLetters();
  });

  it('staff see a member, and page through their ledger', async () => {
    const hana = await t.token('customer', { subject: 'hana' });
    const first = await completedOrder(hana);
    const second = await completedOrder(hana);
    for (const role of ['clerk', 'store_manager', 'brand_admin'] as const) {
      const res = await t.api('GET', '/api/customers/members/hana', { token: await t.token(role, { store: 'ST_SH_001' }) });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: 'hana', balance: 246 });
    }
    const page = await t.api('GET', '/api/customers/me/points?limit=1', { token: hana });
    expect(page.body).toMatchObject({ balance: 246, items: [{ reason: 'earned', orderId: second.id }] });
    const rest = await t.api('GET', `/api/customers/me/points?limit=1&cursor=${page.body.nextCursor}`, { token: hana });
    expect(rest.body).toMatchObject({ items: [{ reason: 'earned', orderId: first.id }], nextCursor: null });
  });

  it('a customer names themselves with PUT /me, and sees only themselves', async () => {
    const frank = await t.token('customer', { subject: 'frank' });
    const named = await t.api('PUT', '/api/customers/me', { token: frank, body: { name: 'Frank Li' } });
    expect(named.status).toBe(200);
    expect(named.body).toMatchObject({ id: 'frank', name: 'Frank Li', tier: 'bronze', balance: 0 });
    expect((await me(frank)).body.name).toBe('Frank Li');
    // The ledger is the caller's own; another member is not theirs to see or change.
    expect((await t.api('GET', '/api/customers/me/points', { token: frank })).body).toEqual({ items: [], nextCursor: null, balance: 0 });
    expectProblem(await t.api('GET', '/api/customers/members/erin', { token: frank }), 403);
  });

  it('only customers use /me; only staff look members up', async () => {
    const clerk = await t.token('clerk', { store: 'ST_SH_001' });
    expectProblem(await me(clerk), 403);
    expectProblem(await t.api('PUT', '/api/customers/me', { token: admin, body: { name: 'Boss' } }), 403);
    expectProblem(await t.api('GET', '/api/customers/members/erin', { token: await t.token('operator') }), 403);
    expectProblem(await t.api('GET', '/api/customers/me'), 401);
  });

  it("another brand sees none of acme's members: 404", async () => {
    const globexAdmin = await t.token('brand_admin', { tenant: 'globex' });
    const globexCarol = await t.token('customer', { tenant: 'globex', subject: 'carol' });
    expectProblem(await t.api('GET', '/api/customers/members/carol', { token: globexAdmin }), 404);
    expectProblem(await me(globexCarol), 404);
    expect((await me(await t.token('customer', { subject: 'carol' }))).body.balance).toBe(246);
  });

  describe('bad input: a 4xx naming the field, and nothing written', () => {
    it('a name that is empty or not a string, a bad page, a member id with spaces', async () => {
      const carol = await t.token('customer', { subject: 'carol' });
      expectProblem(await t.api('PUT', '/api/customers/me', { token: carol, body: { name: '' } }), 400, 'body.name');
      expectProblem(await t.api('PUT', '/api/customers/me', { token: carol, body: { name: 7 } }), 400, 'body.name');
      expectProblem(await t.api('GET', '/api/customers/me/points?limit=0', { token: carol }), 400, 'query.limit');
      expectProblem(await t.api('GET', '/api/customers/me/points?cursor=bogus', { token: carol }), 400, 'query.cursor');
      expectProblem(await t.api('GET', '/api/customers/members/a%20b', { token: admin }), 400, 'path.id');
      expect((await me(carol)).body).toMatchObject({ name: null, balance: 246 });
    });
  });
});
