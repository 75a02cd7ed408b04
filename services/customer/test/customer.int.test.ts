import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventEnvelope, ProblemBody } from '@omnishop/kit';
import { OrderCompleted } from '@omnishop/order/events';
import { finalOrder, newKey, settled, startTestPlatform, stockedSku, type ApiResponse, type TestPlatform } from '../../../packages/platform/test/harness.js';

/**
 * The customer service over real HTTP: orders placed and completed through the
 * order service earn points; a brand admin reverses them.
 */
describe('customer: members and loyalty points', () => {
  let t: TestPlatform;
  let admin: string;
  /** An acme SKU at 123.45 yuan, with stock for orders. */
  let sku: string;

  beforeAll(async () => {
    t = await startTestPlatform();
    admin = await t.token('brand_admin');
    sku = await stockedSku(t, { price: 12_345, stock: { WH_SH: 100 } });
  });
  afterAll(() => t?.stop());

  function expectProblem(res: ApiResponse<ProblemBody>, status: number, field?: string): void {
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    if (field) expect(res.body.errors?.map((e) => e.field), JSON.stringify(res.body)).toContain(field);
  }

  /** Places an order as the customer, waits for it to be confirmed, completes it as a brand admin; returns its id and total. */
  async function completedOrder(customer: string, qty = 1): Promise<{ id: string; total: number }> {
    const placed = await t.api('POST', '/api/orders', { token: customer, idempotencyKey: newKey(), body: { lines: [{ sku, qty }] } });
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    expect((await finalOrder(t, customer, placed.body.id)).status).toBe('confirmed');
    const completed = await t.api('POST', `/api/orders/${placed.body.id}/complete`, { token: admin });
    expect(completed.status, JSON.stringify(completed.body)).toBe(200);
    await settled(t);
    return { id: placed.body.id, total: placed.body.total };
  }

  const me = (token: string) => t.api('GET', '/api/customers/me', { token });
  const reverse = (id: string, body: unknown, token = admin) => t.api('POST', `/api/customers/members/${id}/points/reverse`, { token, body });

  it('a completed order makes the customer a member with floor(total / 100) points and one ledger entry', async () => {
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
    const customer = t.platform.runtimes.find((r) => r.name === 'customer')!;
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
    expect((await t.api('GET', '/api/customers/admin/dead-letters', { token: await t.token('operator') })).body.items).toEqual([]);
  });

  it('staff see a member; the brand admin reverses an order once, and a repeat returns the same reversal', async () => {
    const erin = await t.token('customer', { subject: 'erin' });
    const first = await completedOrder(erin);
    const second = await completedOrder(erin);
    const earned = Math.floor(first.total / 100);

    for (const role of ['clerk', 'store_manager', 'brand_admin'] as const) {
      const res = await t.api('GET', '/api/customers/members/erin', { token: await t.token(role, { store: 'ST_SH_001' }) });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: 'erin', balance: 2 * earned });
    }

    const reversed = await reverse('erin', { orderId: first.id, reason: 'refund R1' });
    expect(reversed.status, JSON.stringify(reversed.body)).toBe(201);
    expect(reversed.body).toMatchObject({ entry: { orderId: first.id, delta: -earned, reason: 'reversed', note: 'refund R1' }, member: { balance: earned, lifetimePoints: earned } });
    const repeat = await reverse('erin', { orderId: first.id, reason: 'refund R1' });
    expect(repeat.status).toBe(200);
    expect(repeat.body.entry).toEqual(reversed.body.entry);

    const ledger = await t.api('GET', '/api/customers/me/points?limit=2', { token: erin });
    expect(ledger.body.balance).toBe(earned);
    expect(ledger.body.items.map((e: { reason: string; orderId: string }) => [e.reason, e.orderId])).toEqual([
      ['reversed', first.id],
      ['earned', second.id],
    ]);
    const rest = await t.api('GET', `/api/customers/me/points?limit=2&cursor=${ledger.body.nextCursor}`, { token: erin });
    expect(rest.body).toMatchObject({ items: [{ reason: 'earned', orderId: first.id }], nextCursor: null });

    // An order that earned this member nothing cannot be reversed.
    expectProblem(await reverse('erin', { orderId: 'not-an-order-of-erin', reason: 'refund' }), 422, 'body.orderId');
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

  it('only customers use /me; only staff look members up; only a brand admin reverses', async () => {
    const clerk = await t.token('clerk', { store: 'ST_SH_001' });
    const manager = await t.token('store_manager', { store: 'ST_SH_001' });
    const customer = await t.token('customer', { subject: 'erin' });
    expectProblem(await me(clerk), 403);
    expectProblem(await t.api('PUT', '/api/customers/me', { token: admin, body: { name: 'Boss' } }), 403);
    expectProblem(await t.api('GET', '/api/customers/members/erin', { token: await t.token('operator') }), 403);
    for (const token of [customer, clerk, manager]) expectProblem(await reverse('erin', { orderId: 'x', reason: 'refund' }, token), 403);
    expectProblem(await t.api('GET', '/api/customers/me'), 401);
  });

  it("another brand sees none of acme's members: 404", async () => {
    const globexAdmin = await t.token('brand_admin', { tenant: 'globex' });
    const globexCarol = await t.token('customer', { tenant: 'globex', subject: 'carol' });
    expectProblem(await t.api('GET', '/api/customers/members/carol', { token: globexAdmin }), 404);
    expectProblem(await reverse('carol', { orderId: 'x', reason: 'refund' }, globexAdmin), 404);
    expectProblem(await me(globexCarol), 404);
    expect((await me(await t.token('customer', { subject: 'carol' }))).body.balance).toBe(246);
  });

  describe('bad input: a 4xx naming the field, and nothing written', () => {
    it.each([
      ['a missing order id', { reason: 'refund' }, 'body.orderId'],
      ['an order id with spaces', { orderId: 'a b', reason: 'refund' }, 'body.orderId'],
      ['an empty reason', { orderId: 'x', reason: '' }, 'body.reason'],
      ['an unknown field', { orderId: 'x', reason: 'refund', points: 5 }, 'body.points'],
    ])('reverse with %s', async (_, body, field) => {
      expectProblem(await reverse('carol', body), 400, field);
    });

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
