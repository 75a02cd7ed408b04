import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signed } from '../../../services/payment/domain/notification.js';
import type { ProblemBody } from '@omnishop/kit';
import { eventually, finalOrder, issuedCoupon, member, newKey, publishedEvents, settled, startTestPlatform, stockedSku, type ApiResponse, type TestPlatform } from './harness.js';

/**
 * The order saga end to end, through the public API only: an online order
 * with a coupon is paid, claimed by a store, shipped and received, then
 * partly returned; and each way it can fail compensates (stock and coupon
 * back, payment cancelled or refunded). Till sales take the store's stock at
 * once, and race the web for the last unit.
 */
describe('order saga: stock, coupons, payment, fulfilment, points, returns', () => {
  /** The wallet provider answers after 20 ms, with success. */
  let t: TestPlatform;
  /** The provider fails every payment. */
  let failing: TestPlatform;
  /** The provider never answers by itself; payment times out after a second. */
  let silent: TestPlatform;

  beforeAll(async () => {
    [t, failing, silent] = await Promise.all([
      startTestPlatform(),
      startTestPlatform({ PAYMENT_FAILURE_RATE: '1' }),
      startTestPlatform({ PAYMENT_LATENCY_MS: '600000', PAYMENT_TIMEOUT_SECONDS: '1', PAYMENT_CHECK_MS: '100' }),
    ]);
  });
  afterAll(() => Promise.all([t, failing, silent].map((p) => p?.stop())));

  const STORE = 'ST_SH_001';
  const token = (p: TestPlatform, role: Parameters<TestPlatform['token']>[0], subject?: string) =>
    p.token(role, { ...(subject ? { subject } : {}), ...(role === 'clerk' || role === 'store_manager' ? { store: STORE } : {}) });

  function expectProblem(res: ApiResponse<ProblemBody>, status: number, field?: string): void {
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    if (field) expect(res.body.errors?.map((e) => e.field), JSON.stringify(res.body)).toContain(field);
  }

  async function stockAt(p: TestPlatform, sku: string, location = STORE) {
    const res = await p.api('GET', `/api/inventory/stock?sku=${sku}`, { token: await token(p, 'brand_admin') });
    const at = (res.body.locations as { location: string; onHand: number; reserved: number; available: number }[]).find((l) => l.location === location);
    return { onHand: at?.onHand ?? 0, reserved: at?.reserved ?? 0, available: at?.available ?? 0 };
  }

  async function couponState(p: TestPlatform, customer: string, code: string) {
    const res = await p.api('GET', `/api/promotions/wallet?customerId=${customer}`, { token: await token(p, 'brand_admin') });
    return (res.body.items as { code: string; status: string; redeemedOrder: string | null }[]).find((c) => c.code === code);
  }

  const campaignSpent = async (p: TestPlatform, campaign: string) =>
    (await p.api('GET', `/api/promotions/campaigns/${campaign}`, { token: await token(p, 'brand_admin') })).body.spent as number;

  async function paymentOf(p: TestPlatform, orderId: string) {
    const res = await p.api('GET', `/api/payments/intents?orderId=${orderId}`, { token: await token(p, 'brand_admin') });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.items as { id: string; status: string; amount: number; refunded: number; currency: string; providerRef: string; method: string; refunds: unknown[] }[];
  }

  async function place(p: TestPlatform, customer: string, body: Record<string, unknown>) {
    const res = await p.api('POST', '/api/orders', { token: await token(p, 'customer', customer), idempotencyKey: newKey(), body });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as { id: string; status: string; subtotal: number };
  }

  const eventsOf = async (p: TestPlatform, orderId: string, types: string[]) => (await publishedEvents(p, { types, key: orderId })).map((e) => e.type);

  it('pays, fulfils, completes and returns an online order with a coupon; stock, coupon, payment, points and history agree', async () => {
    const sku = await stockedSku(t, { price: 12_900, stock: { [STORE]: 3 } });
    const { code, campaign } = await issuedCoupon(t, 'alice', { kind: 'fixed', amount: 2000 });
    const alice = await token(t, 'customer', 'alice');
    const placed = await place(t, 'alice', { lines: [{ sku, qty: 2 }], coupons: [code] });
    expect(placed).toMatchObject({ status: 'pending', subtotal: 25_800 });

    const paid = await finalOrder(t, alice, placed.id);
    expect(paid).toMatchObject({ status: 'confirmed', subtotal: 25_800, discount: 2000, total: 23_800, coupons: [{ code, discount: 2000 }] });
    expect(paid.lines).toEqual([{ sku, qty: 2, unitPrice: 12_900, discount: 2000, returnedQty: 0 }]);
    const [intent] = await paymentOf(t, placed.id);
    expect(intent).toMatchObject({ status: 'captured', amount: 23_800, method: 'wallet' });
    expect(await couponState(t, 'alice', code)).toMatchObject({ status: 'redeemed', redeemedOrder: placed.id });
    expect(await campaignSpent(t, campaign)).toBe(2000);

    // Offered to the store holding the stock; claimed, booked, shipped, received.
    const clerk = await token(t, 'clerk');
    await eventually(async () => ((await t.api('GET', `/api/fulfilment/orders/${placed.id}`, { token: clerk })).body?.status === 'offered' ? true : undefined), 'the offer');
    expect((await t.api('POST', `/api/fulfilment/orders/${placed.id}/claim`, { token: clerk })).status).toBe(200);
    expect((await t.api('POST', `/api/fulfilment/orders/${placed.id}/book`, { token: clerk, body: { carrier: 'SF', tracking: 'SF0000000001' } })).status).toBe(200);
    expect((await t.api('POST', `/api/fulfilment/orders/${placed.id}/ship`, { token: clerk })).status).toBe(200);
    expect((await t.api('POST', `/api/fulfilment/orders/${placed.id}/received`, { token: alice })).status).toBe(200);
    await settled(t);

    const done = (await t.api('GET', `/api/orders/${placed.id}`, { token: alice })).body;
    expect(done.history.map((h: { status: string }) => h.status)).toEqual(['pending', 'awaiting_payment', 'confirmed', 'completed']);
    expect(await stockAt(t, sku)).toEqual({ onHand: 1, reserved: 0, available: 1 });
    const me = (await t.api('GET', '/api/customers/me', { token: alice })).body;
    expect(me.balance).toBe(238);

    // One unit comes back to the store: it is stock again, half the payment is refunded, half the points reversed.
    const returned = await t.api('POST', `/api/orders/${placed.id}/returns`, { token: clerk, idempotencyKey: newKey(), body: { lines: [{ sku, qty: 1 }], reason: 'too small' } });
    expect(returned.status, JSON.stringify(returned.body)).toBe(201);
    expect(returned.body).toMatchObject({ status: 'completed', returns: [{ location: STORE, lines: [{ sku, qty: 1 }], amount: 11_900 }] });
    await settled(t);
    expect(await stockAt(t, sku)).toEqual({ onHand: 2, reserved: 0, available: 2 });
    const [partly] = await paymentOf(t, placed.id);
    expect(partly).toMatchObject({ status: 'partially_refunded', refunded: 11_900, refunds: [{ amount: 11_900, by: 'test-clerk', reason: expect.stringContaining('too small') }] });
    const refundAudit = (await t.api('GET', '/api/payments/admin/audit?limit=200', { token: await token(t, 'brand_admin') })).body.items.filter(
      (r: { action: string; target: string }) => r.action === 'payment.refund' && r.target.startsWith(partly!.id),
    );
    expect(refundAudit).toMatchObject([{ actor: { subject: 'test-clerk', role: 'clerk' } }]);
    expect((await t.api('GET', '/api/customers/me', { token: alice })).body.balance).toBe(238 - 119);

    // The rest comes back: the order is wholly returned, everything refunded, every point reversed.
    const rest = await t.api('POST', `/api/orders/${placed.id}/returns`, { token: clerk, idempotencyKey: newKey(), body: { lines: [{ sku, qty: 1 }], reason: 'changed mind' } });
    expect(rest.body.status).toBe('returned');
    expectProblem(await t.api('POST', `/api/orders/${placed.id}/returns`, { token: clerk, idempotencyKey: newKey(), body: { lines: [{ sku, qty: 1 }], reason: 'again' } }), 409);
    await settled(t);
    expect(await stockAt(t, sku)).toEqual({ onHand: 3, reserved: 0, available: 3 });
    expect((await paymentOf(t, placed.id))[0]).toMatchObject({ refunded: 23_800 });
    expect((await t.api('GET', '/api/customers/me', { token: alice })).body.balance).toBe(0);
    // Both returns are in the order service's audit, with who took them; both refunds in the payment service's.
    const admin = await token(t, 'brand_admin');
    const audited = async (service: string, action: string) =>
      ((await t.api('GET', `/api/${service}/admin/audit?limit=200`, { token: admin })).body.items as { action: string; target: string; actor: { subject: string } | null }[]).filter(
        (r) => r.action === action && r.target.includes(action === 'order.return' ? placed.id : intent!.id),
      );
    expect((await audited('orders', 'order.return')).map((r) => r.actor?.subject)).toEqual(['test-clerk', 'test-clerk']);
    expect(await audited('payments', 'payment.refund')).toHaveLength(2);
    expect(await eventsOf(t, placed.id, ['OrderPlaced', 'CouponsApplied', 'StockReserved', 'PaymentRequested', 'PaymentCaptured', 'OrderConfirmed', 'OrderCompleted', 'OrderReturned'])).toEqual(
      expect.arrayContaining(['OrderPlaced', 'CouponsApplied', 'StockReserved', 'PaymentRequested', 'PaymentCaptured', 'OrderConfirmed', 'OrderCompleted', 'OrderReturned', 'OrderReturned']),
    );
  });

  it('a failed payment cancels the order: stock and coupon come back', async () => {
    const sku = await stockedSku(failing, { stock: { [STORE]: 1 } });
    const { code, campaign } = await issuedCoupon(failing, 'bob');
    const placed = await place(failing, 'bob', { lines: [{ sku, qty: 1 }], coupons: [code] });
    const final = await finalOrder(failing, await token(failing, 'customer', 'bob'), placed.id);
    expect(final).toMatchObject({ status: 'cancelled', reason: expect.stringContaining('payment_failed') });
    await settled(failing);
    expect(await stockAt(failing, sku)).toEqual({ onHand: 1, reserved: 0, available: 1 });
    expect(await couponState(failing, 'bob', code)).toMatchObject({ status: 'issued', redeemedOrder: null });
    expect(await campaignSpent(failing, campaign)).toBe(0);
    expect((await paymentOf(failing, placed.id))[0]).toMatchObject({ status: 'failed' });
  });

  it('an unpaid order times out and is cancelled; money a late callback took is given back at once', async () => {
    const sku = await stockedSku(silent, { stock: { [STORE]: 1 } });
    const { code } = await issuedCoupon(silent, 'carol');
    const placed = await place(silent, 'carol', { lines: [{ sku, qty: 1 }], coupons: [code] });
    const final = await finalOrder(silent, await token(silent, 'customer', 'carol'), placed.id);
    expect(final).toMatchObject({ status: 'cancelled', reason: 'payment_timeout' });
    await settled(silent);
    const [intent] = await paymentOf(silent, placed.id);
    expect(intent).toMatchObject({ status: 'cancelled' });
    expect(await stockAt(silent, sku)).toEqual({ onHand: 1, reserved: 0, available: 1 });
    expect(await couponState(silent, 'carol', code)).toMatchObject({ status: 'issued' });

    // The provider's success arrives late (the customer approved it after all), twice: the money is given back once, the order stays cancelled.
    const late = signed(
      { notificationId: newKey(), tenant: 'acme', intentId: intent!.id, providerRef: intent!.providerRef, outcome: 'success', amount: intent!.amount, currency: intent!.currency, timestamp: new Date().toISOString() },
      silent.config.paymentProviderSecret,
    );
    expect((await silent.api('POST', '/api/payments/callbacks/wallet', { body: late })).body).toMatchObject({ applied: false, intent: { status: 'refunded', refunded: intent!.amount } });
    expectProblem(await silent.api('POST', '/api/payments/callbacks/wallet', { body: late }), 409);
    await settled(silent);
    expect((await silent.api('GET', `/api/orders/${placed.id}`, { token: await token(silent, 'brand_admin') })).body.status).toBe('cancelled');
    expect(await eventsOf(silent, placed.id, ['PaymentCaptured', 'PaymentRefunded'])).toEqual(['PaymentRefunded']);
  });

  it("a made-up coupon, someone else's or one already used is refused at once, naming it; nothing is held", async () => {
    const sku = await stockedSku(t, { stock: { [STORE]: 2 } });
    const { code } = await issuedCoupon(t, 'dave');
    const order = async (customer: string, coupons: string[]) =>
      t.api<ProblemBody>('POST', '/api/orders', { token: await token(t, 'customer', customer), idempotencyKey: newKey(), body: { lines: [{ sku, qty: 1 }], coupons } });
    const madeUp = await order('dave', [code, 'ABCDEFGHJKLM']);
    expectProblem(madeUp, 422, 'body.coupons.1');
    expect(madeUp.body.errors).toEqual([{ field: 'body.coupons.1', message: 'is not a coupon of this brand' }]);
    const others = await order('erin', [code]);
    expect(others.body.errors).toEqual([{ field: 'body.coupons.0', message: "is not in this customer's wallet" }]);
    const used = await place(t, 'dave', { lines: [{ sku, qty: 1 }], coupons: [code] });
    expect((await finalOrder(t, await token(t, 'customer', 'dave'), used.id)).status).toBe('confirmed');
    await settled(t);
    const again = await order('dave', [code]);
    expect(again.body.errors).toEqual([{ field: 'body.coupons.0', message: 'was already used' }]);
    expect(await stockAt(t, sku)).toEqual({ onHand: 2, reserved: 1, available: 1 });
    expect(await couponState(t, 'dave', code)).toMatchObject({ status: 'redeemed', redeemedOrder: used.id });
  });

  it('a paid order cancelled by staff (the customer may not, it may be on its way) is refunded, and the stock goes back', async () => {
    const sku = await stockedSku(t, { stock: { [STORE]: 1 } });
    const frank = await token(t, 'customer', 'frank');
    const placed = await place(t, 'frank', { lines: [{ sku, qty: 1 }] });
    expect((await finalOrder(t, frank, placed.id)).status).toBe('confirmed');
    expectProblem(await t.api('POST', `/api/orders/${placed.id}/cancel`, { token: frank }), 409);
    const cancelled = await t.api('POST', `/api/orders/${placed.id}/cancel`, { token: await token(t, 'brand_admin') });
    expect(cancelled.body.status).toBe('cancelled');
    await settled(t);
    expect((await paymentOf(t, placed.id))[0]).toMatchObject({ status: 'refunded', refunded: 9900 });
    expect(await stockAt(t, sku)).toEqual({ onHand: 1, reserved: 0, available: 1 });
  });

  it('a till sale takes the store stock, redeems the coupon, is paid in cash and handed over at once', async () => {
    const sku = await stockedSku(t, { price: 5000, stock: { [STORE]: 2, ST_BJ_001: 5 } });
    const { code } = await issuedCoupon(t, 'gina', { kind: 'percent', percent: 10 });
    await member(t, 'gina');
    const clerk = await token(t, 'clerk');
    const sale = await t.api('POST', '/api/orders/sales', { token: clerk, idempotencyKey: newKey(), body: { lines: [{ sku, qty: 2 }], customerId: 'gina', coupons: [code], paymentMethod: 'cash' } });
    expect(sale.status, JSON.stringify(sale.body)).toBe(201);
    expect(sale.body).toMatchObject({ channel: 'pos', store: STORE, paymentMethod: 'cash' });
    const done = await finalOrder(t, clerk, sale.body.id);
    expect(done).toMatchObject({ status: 'completed', total: 9000, discount: 1000 });
    expect(done.history.map((h: { status: string }) => h.status)).toEqual(['pending', 'awaiting_payment', 'confirmed', 'completed']);
    await settled(t);
    expect(await stockAt(t, sku)).toEqual({ onHand: 0, reserved: 0, available: 0 });
    expect(await stockAt(t, sku, 'ST_BJ_001')).toMatchObject({ onHand: 5 });
    expect((await paymentOf(t, sale.body.id))[0]).toMatchObject({ method: 'cash', status: 'captured', amount: 9000 });
    expect((await t.api('GET', `/api/fulfilment/orders/${sale.body.id}`, { token: clerk })).status).toBe(404);

    // The store has none left: another sale is refused, though Beijing has five.
    const none = await t.api('POST', '/api/orders/sales', { token: clerk, idempotencyKey: newKey(), body: { lines: [{ sku, qty: 1 }], paymentMethod: 'wallet' } });
    expect((await finalOrder(t, clerk, none.body.id)).status).toBe('rejected');
  });

  it('the till and the web selling the last unit at once make exactly one sale, every time', async () => {
    const clerk = await token(t, 'clerk');
    for (let round = 0; round < 5; round++) {
      const sku = await stockedSku(t, { stock: { [STORE]: 1 } });
      const [till, web] = await Promise.all([
        t.api('POST', '/api/orders/sales', { token: clerk, idempotencyKey: newKey(), body: { lines: [{ sku, qty: 1 }], paymentMethod: 'cash' } }),
        t.api('POST', '/api/orders', { token: await token(t, 'customer', 'hank'), idempotencyKey: newKey(), body: { lines: [{ sku, qty: 1 }] } }),
      ]);
      const finals = await Promise.all([finalOrder(t, clerk, till.body.id), finalOrder(t, clerk, web.body.id)]);
      const sold = finals.filter((o) => ['confirmed', 'completed'].includes(o.status));
      expect(sold, JSON.stringify(finals.map((o) => o.status))).toHaveLength(1);
      expect(finals.filter((o) => o.status === 'rejected')).toHaveLength(1);
      await settled(t);
      // The one unit is sold at the till (gone), or held for the web order until it ships.
      const tillWon = sold[0]!.channel === 'pos';
      expect(await stockAt(t, sku)).toEqual(tillWon ? { onHand: 0, reserved: 0, available: 0 } : { onHand: 1, reserved: 1, available: 0 });
    }
  });

  it('a coupon that cannot apply to the cart rejects the order, which says which coupon and why; its stock is released', async () => {
    const sku = await stockedSku(t, { price: 9900, stock: { [STORE]: 1 } });
    const { code } = await issuedCoupon(t, 'hana', { kind: 'threshold', amount: 5000, threshold: 30_000 });
    const placed = await place(t, 'hana', { lines: [{ sku, qty: 1 }], coupons: [code] });
    const final = await finalOrder(t, await token(t, 'customer', 'hana'), placed.id);
    expect(final).toMatchObject({ status: 'rejected', reason: expect.stringContaining(`COUPON ${code}: not applied`) });
    expect(final.coupons).toEqual([{ code, discount: null, refusal: expect.stringContaining('below the threshold') }]);
    await settled(t);
    expect(await stockAt(t, sku)).toEqual({ onHand: 1, reserved: 0, available: 1 });
    expect(await couponState(t, 'hana', code)).toMatchObject({ status: 'issued' });
  });

  it('50 orders naming one coupon at once: exactly one gets it, the others are refused at once or rejected, and their stock released', async () => {
    const sku = await stockedSku(t, { stock: { [STORE]: 100 } });
    const { code, campaign } = await issuedCoupon(t, 'ivy', { kind: 'fixed', amount: 1000 });
    const ivy = await token(t, 'customer', 'ivy');
    const placed = await Promise.all(
      Array.from({ length: 50 }, () => t.api('POST', '/api/orders', { token: ivy, idempotencyKey: newKey(), body: { lines: [{ sku, qty: 1 }], coupons: [code] } })),
    );
    // Once its redemption is known, later orders are told at once that it was used; the others the saga refuses.
    expect(placed.every((p) => p.status === 201 || (p.status === 422 && p.body.errors[0].message === 'was already used'))).toBe(true);
    const accepted = placed.filter((p) => p.status === 201);
    const finals = await Promise.all(accepted.map((p) => finalOrder(t, ivy, p.body.id)));
    const winners = finals.filter((o) => o.status === 'confirmed');
    expect(winners).toHaveLength(1);
    expect(winners[0]).toMatchObject({ discount: 1000, total: 8900 });
    const losers = finals.filter((o) => o.status === 'rejected');
    expect(losers).toHaveLength(accepted.length - 1);
    // Each rejected order says which coupon was refused, and why.
    for (const o of losers) {
      expect(o.reason).toContain(`COUPON ${code}: not applied`);
      expect(o.coupons).toEqual([{ code, discount: null, refusal: expect.stringContaining(`COUPON ${code}: not applied`) }]);
    }
    await settled(t);
    expect(await couponState(t, 'ivy', code)).toMatchObject({ status: 'redeemed', redeemedOrder: winners[0].id });
    expect(await campaignSpent(t, campaign)).toBe(1000);
    expect(await stockAt(t, sku)).toEqual({ onHand: 100, reserved: 1, available: 99 });
  });

  it('refuses bad input on placement, sales and returns, naming the field, and writes nothing', async () => {
    const sku = await stockedSku(t, { stock: { [STORE]: 1 } });
    const clerk = await token(t, 'clerk');
    const admin = await token(t, 'brand_admin');
    const alice = await token(t, 'customer', 'alice');
    const post = (path: string, tok: string, body: unknown) => t.api('POST', path, { token: tok, idempotencyKey: newKey(), body });
    expectProblem(await post('/api/orders', alice, { lines: [{ sku, qty: 1 }], coupons: ['lowercase'] }), 400, 'body.coupons.0');
    expectProblem(await post('/api/orders', alice, { lines: [{ sku, qty: 1 }], coupons: 'ABCDEFGHJKLM' }), 400, 'body.coupons');
    expectProblem(await post('/api/orders/sales', clerk, { lines: [{ sku, qty: 1 }] }), 400, 'body.paymentMethod');
    expectProblem(await post('/api/orders/sales', clerk, { lines: [{ sku, qty: 1 }], paymentMethod: 'cheque' }), 400, 'body.paymentMethod');
    expectProblem(await post('/api/orders/sales', clerk, { lines: [{ sku, qty: 1 }], paymentMethod: 'cash', coupons: ['ABCDEFGHJKLM'] }), 422, 'body.customerId');
    expectProblem(await post('/api/orders/sales', clerk, { lines: [{ sku: 'NOPE-X-Y', qty: 1 }], paymentMethod: 'cash' }), 422, 'body.lines.0.sku');
    const nobody = await post('/api/orders/sales', clerk, { lines: [{ sku, qty: 1 }], paymentMethod: 'cash', customerId: 'nobody' });
    expectProblem(nobody, 422, 'body.customerId');
    expect(nobody.body.errors[0].message).toContain('is not a member of this brand');
    expect((await t.api('GET', '/api/customers/members/nobody', { token: clerk })).status).toBe(404);
    expectProblem(await post('/api/orders/sales', alice, { lines: [{ sku, qty: 1 }], paymentMethod: 'cash' }), 403);
    expectProblem(await post('/api/orders/sales', admin, { lines: [{ sku, qty: 1 }], paymentMethod: 'cash' }), 403);
    const placed = await place(t, 'alice', { lines: [{ sku, qty: 1 }] });
    await finalOrder(t, alice, placed.id);
    expectProblem(await post(`/api/orders/${placed.id}/returns`, clerk, { lines: [{ sku, qty: 1 }], reason: 'x' }), 409);
    expectProblem(await post(`/api/orders/${placed.id}/returns`, clerk, { lines: [{ sku, qty: 0 }], reason: 'x' }), 400, 'body.lines.0.qty');
    expectProblem(await post(`/api/orders/${placed.id}/returns`, clerk, { lines: [{ sku, qty: 1 }] }), 400, 'body.reason');
    expectProblem(await post(`/api/orders/${placed.id}/returns`, admin, { lines: [{ sku, qty: 1 }], reason: 'x' }), 400, 'body.location');
    expectProblem(await post(`/api/orders/${placed.id}/returns`, alice, { lines: [{ sku, qty: 1 }], reason: 'x' }), 403);
    expectProblem(await post('/api/orders/not-a-uuid/returns', clerk, { lines: [{ sku, qty: 1 }], reason: 'x' }), 400, 'path.id');
    await settled(t);
    expect(await stockAt(t, sku)).toMatchObject({ onHand: 1 });
    const clerksOrders = (await t.api('GET', '/api/orders?limit=100', { token: admin })).body.items as { channel: string; status: string }[];
    expect(clerksOrders.filter((o) => o.channel === 'pos' && o.status === 'pending')).toEqual([]);
  });
});
