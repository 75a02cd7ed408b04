import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventEnvelope, ProblemBody } from '@omnishop/kit';
import {
  eventually,
  member,
  newKey,
  publishedEvents,
  settled,
  startTestPlatform,
  stockedSku,
  type ApiOptions,
  type ApiResponse,
  type TestPlatform,
} from '../../../packages/platform/test/harness.js';
import { signed, type WalletNotification } from '../domain/notification.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

interface Intent {
  id: string;
  orderId: string;
  amount: number;
  refunded: number;
  currency: string;
  method: 'wallet' | 'cash';
  status: string;
  providerRef: string;
}

const PRICE = 9900;

/** Each platform's SKU, with stock online and at the till's store. */
const skus = new Map<TestPlatform, string>();
const stock = async (p: TestPlatform) => skus.set(p, await stockedSku(p, { price: PRICE, stock: { WH_SH: 1000, ST_SH_001: 1000 } }));

const api = (p: TestPlatform, method: string, path: string, token: string | undefined, opts: ApiOptions = {}) =>
  p.api<Json>(method, `/api/payments${path}`, { ...(token ? { token } : {}), ...opts });
const post = (p: TestPlatform, path: string, token: string | undefined, body: unknown, opts: ApiOptions = {}) => api(p, 'POST', path, token, { idempotencyKey: newKey(), body, ...opts });
const admin = (p: TestPlatform) => p.token('brand_admin');

function expectProblem(res: ApiResponse<ProblemBody>, status: number, field?: string): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  expect(res.body).toMatchObject({ type: expect.stringMatching(/^https:\/\/omnishop\.dev\/problems\/[a-z-]+$/), status });
  if (field) expect(res.body.errors?.map((e) => e.field), JSON.stringify(res.body)).toContain(field);
}

/** An online order by a customer, paid by wallet: the saga asks the payment service for it. */
async function placeOrder(p: TestPlatform, customer: string, qty = 1): Promise<string> {
  const res = await p.api<Json>('POST', '/api/orders', { token: customer, idempotencyKey: newKey(), body: { lines: [{ sku: skus.get(p), qty }] } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id;
}

/** A sale at the till of ST_SH_001, rung up by its clerk. */
async function tillSale(p: TestPlatform, paymentMethod: 'cash' | 'wallet', opts: { qty?: number; customerId?: string } = {}): Promise<string> {
  const clerk = await p.token('clerk', { store: 'ST_SH_001' });
  const body = { lines: [{ sku: skus.get(p), qty: opts.qty ?? 1 }], paymentMethod, ...(opts.customerId ? { customerId: opts.customerId } : {}) };
  const res = await p.api<Json>('POST', '/api/orders/sales', { token: clerk, idempotencyKey: newKey(), body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id;
}

/** The order's payments as someone sees them. */
const paymentsOf = async (p: TestPlatform, orderId: string, token?: string): Promise<Intent[]> =>
  (await api(p, 'GET', `/intents?orderId=${orderId}`, token ?? (await admin(p)))).body.items;

/** The order's payment, once the saga has created it (and, if told, once it is in a status). */
const paymentOf = (p: TestPlatform, orderId: string, status?: string): Promise<Intent> =>
  eventually(async () => {
    const [intent] = await paymentsOf(p, orderId);
    return intent && (!status || intent.status === status) ? intent : undefined;
  }, `the payment of order ${orderId}${status ? ` to be ${status}` : ''}`);

const orderOf = async (p: TestPlatform, id: string) => (await p.api<Json>('GET', `/api/orders/${id}`, { token: await admin(p) })).body;
const orderIn = (p: TestPlatform, id: string, status: string) =>
  eventually(async () => {
    const order = await orderOf(p, id);
    return order.status === status ? order : undefined;
  }, `order ${id} to be ${status}`);

/** What the service published for an order, of one type. */
const published = (p: TestPlatform, type: string, orderId: string) => publishedEvents(p, { types: [type], key: orderId });

/** The bus delivers at least once: the same event again, under a new id so no consumer recognises it. */
async function redeliver(p: TestPlatform, type: string, orderId: string): Promise<void> {
  const [event] = await published(p, type, orderId);
  expect(event, `a ${type} of ${orderId}`).toBeDefined();
  await p.platform.bus.publish([{ ...(event as EventEnvelope), id: randomUUID() }]);
}

/** A notification the way the provider would send it, signed with the platform's provider secret unless told otherwise. */
function notification(p: TestPlatform, intent: Intent, over: Partial<WalletNotification> = {}, secret = p.config.paymentProviderSecret) {
  const n: WalletNotification = {
    notificationId: randomUUID(),
    tenant: 'acme',
    intentId: intent.id,
    providerRef: intent.providerRef,
    outcome: 'success',
    amount: intent.amount,
    currency: intent.currency,
    timestamp: new Date().toISOString(),
    ...over,
  };
  return signed(n, secret);
}

const callback = (p: TestPlatform, body: unknown) => p.api<Json>('POST', '/api/payments/callbacks/wallet', { body });

/**
 * The payment service's side of the order saga over real HTTP and the real
 * bus: orders ask for their payment, the simulated wallet provider calls back
 * with signed notifications, and the test sends callbacks itself to forge,
 * replay, delay and race them.
 */
describe('payment: the saga takes, cancels and refunds payments; signed wallet callbacks capture at most once', () => {
  /** The provider waits ten minutes here, so the test delivers every callback itself. */
  let t: TestPlatform;
  /** The provider calls back after 20 ms, with success. */
  let fast: TestPlatform;
  /** The provider calls back after 20 ms, with failure. */
  let failing: TestPlatform;
  let alice: string;
  let bob: string;
  let clerk: string;
  let manager: string;

  beforeAll(async () => {
    [t, fast, failing] = await Promise.all([
      startTestPlatform({ PAYMENT_LATENCY_MS: '600000' }),
      startTestPlatform({ PAYMENT_LATENCY_MS: '20' }),
      startTestPlatform({ PAYMENT_LATENCY_MS: '20', PAYMENT_FAILURE_RATE: '1' }),
    ]);
    await Promise.all([t, fast, failing].map(stock));
    alice = await t.token('customer', { subject: 'alice' });
    bob = await t.token('customer', { subject: 'bob' });
    clerk = await t.token('clerk', { store: 'ST_SH_001' });
    manager = await t.token('store_manager', { store: 'ST_SH_001' });
  });
  afterAll(() => Promise.all([t, fast, failing].map((p) => p?.stop())));

  /** An order of alice's (or someone's) awaiting payment on `t`, and its wallet payment, created. */
  async function pendingPayment(customer = alice, qty = 1): Promise<Intent> {
    const orderId = await placeOrder(t, customer, qty);
    const intent = await paymentOf(t, orderId);
    expect(intent).toMatchObject({ orderId, amount: PRICE * qty, refunded: 0, currency: 'CNY', method: 'wallet', status: 'created', providerRef: expect.stringMatching(/^WLT/) });
    return intent;
  }

  it('takes the payment an order asks for: the provider calls back, the payment is captured and the order confirmed', async () => {
    const customer = await fast.token('customer', { subject: 'alice' });
    const orderId = await placeOrder(fast, customer);
    const intent = await paymentOf(fast, orderId, 'captured');
    expect(intent).toMatchObject({ orderId, amount: PRICE, method: 'wallet' });
    expect(await published(fast, 'PaymentCaptured', orderId)).toHaveLength(1);
    await orderIn(fast, orderId, 'confirmed');
    expect((await api(fast, 'GET', `/intents/${intent.id}`, customer)).body).toMatchObject({ id: intent.id, status: 'captured', providerRef: intent.providerRef });
  });

  it('fails a wallet payment when the provider fails it: the order is cancelled and nothing is charged again', async () => {
    const orderId = await placeOrder(failing, await failing.token('customer', { subject: 'alice' }));
    await paymentOf(failing, orderId, 'failed');
    const order = await orderIn(failing, orderId, 'cancelled');
    expect(order.reason).toMatch(/^payment_failed/);
    expect(await published(failing, 'PaymentFailed', orderId)).toHaveLength(1);
    expect(await published(failing, 'PaymentCaptured', orderId)).toHaveLength(0);
    // The cancellation finds no live payment to cancel or refund.
    expect(await published(failing, 'PaymentCancelled', orderId)).toHaveLength(0);
    expect(await published(failing, 'PaymentRefunded', orderId)).toHaveLength(0);
    // Asked again for the order (a redelivery), the payment service does not charge it a second time.
    await redeliver(failing, 'PaymentRequested', orderId);
    expect(await paymentsOf(failing, orderId)).toHaveLength(1);
  });

  it('takes cash at the till at once; a redelivered request creates no second payment', async () => {
    const orderId = await tillSale(t, 'cash');
    const intent = await paymentOf(t, orderId);
    expect(intent).toMatchObject({ status: 'captured', method: 'cash', providerRef: null, amount: PRICE });
    await orderIn(t, orderId, 'completed');
    await redeliver(t, 'PaymentRequested', orderId);
    expect(await paymentsOf(t, orderId)).toHaveLength(1);
    expect(await published(t, 'PaymentCaptured', orderId)).toHaveLength(1);
    // A wallet payment at the till: the provider is asked, as online.
    expect(await paymentOf(t, await tillSale(t, 'wallet'))).toMatchObject({ status: 'created', method: 'wallet' });
    // Payments are created by the saga only: there is no route to pay "for" an order (the list of intents takes GET only).
    expectProblem(await post(t, '/intents', alice, { orderId, amount: 1, method: 'wallet' }), 405);
  });

  it('captures once when the same notification is delivered twice; a later one for a settled intent changes nothing', async () => {
    const intent = await pendingPayment();
    const n = notification(t, intent);
    const first = await callback(t, n);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({ applied: true, intent: { status: 'captured' } });
    expectProblem(await callback(t, n), 409);
    const later = await callback(t, notification(t, intent));
    expect(later.status).toBe(200);
    expect(later.body).toMatchObject({ applied: false, intent: { status: 'captured' } });
    const lateFailure = await callback(t, notification(t, intent, { outcome: 'failure' }));
    expect(lateFailure.body).toMatchObject({ applied: false, intent: { status: 'captured' } });
    expect(await published(t, 'PaymentCaptured', intent.orderId)).toHaveLength(1);
    expect(await published(t, 'PaymentFailed', intent.orderId)).toHaveLength(0);
    await orderIn(t, intent.orderId, 'confirmed');
  });

  it('rejects a forged or tampered notification with a problem, and changes nothing', async () => {
    const intent = await pendingPayment();
    const forged = await callback(t, notification(t, intent, {}, 'a-secret-the-provider-never-shared-with-us'));
    expectProblem(forged, 401);
    expect((forged.body as ProblemBody).type).toMatch(/callback-signature-invalid$/);
    const tampered = { ...notification(t, intent, { outcome: 'failure' }), outcome: 'success' };
    expectProblem(await callback(t, tampered), 401);
    const otherBrand = { ...notification(t, intent), tenant: 'other' };
    expectProblem(await callback(t, otherBrand), 401);
    expectProblem(await callback(t, { ...notification(t, intent), signature: undefined }), 400, 'body.signature');
    expect((await paymentOf(t, intent.orderId)).status).toBe('created');
  });

  it('rejects a notification whose timestamp is outside the window', async () => {
    const intent = await pendingPayment();
    const stale = await callback(t, notification(t, intent, { timestamp: new Date(Date.now() - 10 * 60_000).toISOString() }));
    expectProblem(stale, 401);
    expect((stale.body as ProblemBody).type).toMatch(/callback-stale$/);
    expect((await paymentOf(t, intent.orderId)).status).toBe('created');
    expect((await callback(t, notification(t, intent))).body).toMatchObject({ applied: true });
  });

  it('takes 20 concurrent deliveries of one notification as one capture and one event', async () => {
    const intent = await pendingPayment();
    const n = notification(t, intent);
    const answers = await Promise.all(Array.from({ length: 20 }, () => callback(t, n)));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 409)).toHaveLength(19);
    // Distinct notifications racing each other: still one capture.
    const other = await pendingPayment();
    const raced = await Promise.all(Array.from({ length: 20 }, (_, i) => callback(t, notification(t, other, { outcome: i % 2 ? 'failure' : 'success' }))));
    expect(raced.every((a) => a.status === 200)).toBe(true);
    expect(raced.filter((a) => a.body.applied)).toHaveLength(1);
    expect(await published(t, 'PaymentCaptured', intent.orderId)).toHaveLength(1);
    const settledEvents = (await published(t, 'PaymentCaptured', other.orderId)).length + (await published(t, 'PaymentFailed', other.orderId)).length;
    expect(settledEvents).toBe(1);
  });

  it('refunds by hand in parts up to the captured amount, and no further; only a store manager or the brand', async () => {
    const orderId = await tillSale(t, 'cash', { qty: 2 });
    const paid = await paymentOf(t, orderId, 'captured');
    const key = newKey();
    const first = await post(t, `/intents/${paid.id}/refund`, await admin(t), { amount: 3000, reason: 'goodwill: late delivery' }, { idempotencyKey: key });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body).toMatchObject({ amount: 3000, intent: { status: 'partially_refunded', refunded: 3000 } });
    expect(first.body.intent.refunds).toEqual([{ id: first.body.id, amount: 3000, reason: 'goodwill: late delivery', by: 'test-brand_admin', at: expect.any(String) }]);
    const replayed = await post(t, `/intents/${paid.id}/refund`, await admin(t), { amount: 3000, reason: 'goodwill: late delivery' }, { idempotencyKey: key });
    expect(replayed.body).toEqual(first.body);
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    expectProblem(await post(t, `/intents/${paid.id}/refund`, manager, { amount: 2 * PRICE - 3000 + 1, reason: 'too much' }), 422, 'body.amount');
    const rest = await post(t, `/intents/${paid.id}/refund`, manager, { amount: 2 * PRICE - 3000, reason: 'the rest' });
    expect(rest.body).toMatchObject({ intent: { status: 'refunded', refunded: 2 * PRICE } });
    const seen = await t.api('GET', `/api/payments/intents/${paid.id}`, { token: await admin(t) });
    expect(seen.body.refunds.map((r: { amount: number; reason: string; by: string }) => [r.amount, r.reason, r.by])).toEqual([
      [3000, 'goodwill: late delivery', 'test-brand_admin'],
      [2 * PRICE - 3000, 'the rest', 'test-store_manager'],
    ]);
    expectProblem(await post(t, `/intents/${paid.id}/refund`, await admin(t), { amount: 1, reason: 'nothing left' }), 422, 'body.amount');
    expect(await published(t, 'PaymentRefunded', orderId)).toHaveLength(2);
    // Nothing captured, nothing to refund.
    const pending = await pendingPayment();
    expectProblem(await post(t, `/intents/${pending.id}/refund`, await admin(t), { amount: 1, reason: 'x' }), 409);
    expectProblem(await post(t, `/intents/${paid.id}/refund`, clerk, { amount: 1, reason: 'x' }), 403);
    expectProblem(await post(t, `/intents/${paid.id}/refund`, alice, { amount: 1, reason: 'x' }), 403);
  });

  it('cancels a pending payment by hand, which cancels its order; money a late callback says was taken is given back', async () => {
    const intent = await pendingPayment();
    const cancelled = await api(t, 'POST', `/intents/${intent.id}/cancel`, alice);
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    expect((await api(t, 'POST', `/intents/${intent.id}/cancel`, alice)).status).toBe(200);
    expect((await callback(t, notification(t, intent))).body).toMatchObject({ applied: false, intent: { status: 'refunded', refunded: PRICE } });
    expect((await callback(t, notification(t, intent))).body).toMatchObject({ applied: false, intent: { status: 'refunded', refunded: PRICE } });
    await orderIn(t, intent.orderId, 'cancelled');
    expect(await published(t, 'PaymentCancelled', intent.orderId)).toHaveLength(1);
    expect(await published(t, 'PaymentCaptured', intent.orderId)).toHaveLength(0);
    expect((await published(t, 'PaymentRefunded', intent.orderId)).map((e) => e.data)).toEqual([
      expect.objectContaining({ amount: PRICE, refundedTotal: PRICE, reason: 'captured after the payment was cancelled: given back' }),
    ]);
    const paid = await paymentOf(t, await tillSale(t, 'cash'));
    expectProblem(await api(t, 'POST', `/intents/${paid.id}/cancel`, clerk), 409);
  });

  it('cancels the payment of an order cancelled while awaiting it; a late failure changes nothing', async () => {
    const intent = await pendingPayment();
    expect((await t.api('POST', `/api/orders/${intent.orderId}/cancel`, { token: alice })).status).toBe(200);
    await paymentOf(t, intent.orderId, 'cancelled');
    expect((await callback(t, notification(t, intent, { outcome: 'failure' }))).body).toMatchObject({ applied: false, intent: { status: 'cancelled' } });
    expect(await published(t, 'PaymentCancelled', intent.orderId)).toHaveLength(1);
    expect(await published(t, 'PaymentRefunded', intent.orderId)).toHaveLength(0);
    expect((await orderOf(t, intent.orderId)).reason).toBe('cancelled by customer');
  });

  it('refunds a paid order in full when it is cancelled, once', async () => {
    const intent = await pendingPayment();
    expect((await callback(t, notification(t, intent))).body).toMatchObject({ applied: true });
    await orderIn(t, intent.orderId, 'confirmed');
    expect((await t.api('POST', `/api/orders/${intent.orderId}/cancel`, { token: await admin(t) })).status).toBe(200);
    expect(await paymentOf(t, intent.orderId, 'refunded')).toMatchObject({ refunded: PRICE });
    await redeliver(t, 'OrderCancelled', intent.orderId);
    const refunds = await published(t, 'PaymentRefunded', intent.orderId);
    expect(refunds.map((e) => e.data)).toEqual([expect.objectContaining({ amount: PRICE, refundedTotal: PRICE, reason: 'order cancelled: cancelled by brand_admin' })]);
  });

  it('gives the money back when the capture races the cancellation', async () => {
    const intent = await pendingPayment();
    const staff = await admin(t);
    await Promise.all([t.api('POST', `/api/orders/${intent.orderId}/cancel`, { token: staff }), callback(t, notification(t, intent))]);
    await orderIn(t, intent.orderId, 'cancelled');
    await settled(t);
    const payment = await paymentOf(t, intent.orderId);
    // Either the cancellation came first (nothing captured) or the capture did (refunded in full): never money kept for a cancelled order.
    if (payment.status === 'cancelled') expect(await published(t, 'PaymentCaptured', intent.orderId)).toHaveLength(0);
    else expect(payment).toMatchObject({ status: 'refunded', refunded: PRICE });
  });

  it('refunds a return what its goods are worth, once per return', async () => {
    await member(t, 'alice');
    const orderId = await tillSale(t, 'cash', { qty: 2, customerId: 'alice' });
    await orderIn(t, orderId, 'completed');
    const giveBack = () => t.api<Json>('POST', `/api/orders/${orderId}/returns`, { token: clerk, idempotencyKey: newKey(), body: { lines: [{ sku: skus.get(t), qty: 1 }], reason: 'too small' } });
    const first = await giveBack();
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const returnId = first.body.returns[0].id;
    expect(await paymentOf(t, orderId, 'partially_refunded')).toMatchObject({ refunded: PRICE });
    await redeliver(t, 'OrderReturned', orderId);
    const refunds = await published(t, 'PaymentRefunded', orderId);
    expect(refunds.map((e) => e.data)).toEqual([expect.objectContaining({ amount: PRICE, reason: `return ${returnId}: too small` })]);
    expect((await giveBack()).status).toBe(201);
    expect(await eventually(async () => ((await paymentOf(t, orderId)).refunded === 2 * PRICE ? true : undefined), 'the second return refunded')).toBe(true);
    // The member the sale was for sees the payment; a walk-in sale is nobody's.
    expect(await paymentsOf(t, orderId, alice)).toHaveLength(1);
    const walkIn = await tillSale(t, 'cash');
    await paymentOf(t, walkIn);
    expect(await paymentsOf(t, walkIn, await t.token('customer', { subject: 'walk-in' }))).toEqual([]);
  });

  it('lets each caller see only what is theirs: roles, owners and brands', async () => {
    const intent = await pendingPayment();
    expect((await api(t, 'GET', `/intents/${intent.id}`, alice)).status).toBe(200);
    expect(await paymentsOf(t, intent.orderId, alice)).toHaveLength(1);
    expectProblem(await api(t, 'GET', `/intents/${intent.id}`, bob), 404);
    expect(await paymentsOf(t, intent.orderId, bob)).toEqual([]);
    expectProblem(await api(t, 'POST', `/intents/${intent.id}/cancel`, bob), 404);
    const operator = await t.token('operator');
    expect((await api(t, 'GET', `/intents/${intent.id}`, operator)).status).toBe(200);
    expect(await paymentsOf(t, intent.orderId, operator)).toHaveLength(1);
    expect(await paymentsOf(t, intent.orderId, clerk)).toHaveLength(1);
    expectProblem(await api(t, 'POST', `/intents/${intent.id}/cancel`, operator), 403);
    expectProblem(await api(t, 'GET', `/intents?orderId=${intent.orderId}`, undefined), 401);
    const otherAdmin = await t.token('brand_admin', { tenant: 'other' });
    expectProblem(await api(t, 'GET', `/intents/${intent.id}`, otherAdmin), 404);
    expect(await paymentsOf(t, intent.orderId, otherAdmin)).toEqual([]);
    expectProblem(await post(t, `/intents/${intent.id}/refund`, otherAdmin, { amount: 1, reason: 'x' }), 404);
    expectProblem(await api(t, 'POST', `/intents/${intent.id}/cancel`, otherAdmin), 404);
    // A genuine notification naming another brand finds no such intent there.
    expectProblem(await callback(t, notification(t, intent, { tenant: 'other' })), 404);
    expect((await paymentOf(t, intent.orderId)).status).toBe('created');
  });

  it('names the field at fault in bad input, and writes nothing', async () => {
    const intent = await pendingPayment();
    const token = await admin(t);
    expectProblem(await api(t, 'GET', '/intents', token), 400, 'query.orderId');
    expectProblem(await api(t, 'GET', '/intents?orderId=not%20an%20id', token), 400, 'query.orderId');
    expectProblem(await api(t, 'GET', '/intents/not-a-uuid', alice), 400, 'path.id');
    expectProblem(await post(t, `/intents/${intent.id}/refund`, token, { amount: 1 }), 400, 'body.reason');
    expectProblem(await post(t, `/intents/${intent.id}/refund`, token, { amount: -1, reason: 'x' }), 400, 'body.amount');
    expectProblem(await post(t, `/intents/${intent.id}/refund`, token, { amount: '5', reason: 'x' }), 400, 'body.amount');
    expectProblem(await post(t, `/intents/${intent.id}/refund`, token, { amount: 5, reason: 'x', tip: 5 }), 400, 'body.tip');
    expectProblem(await api(t, 'POST', `/intents/${intent.id}/refund`, token, { body: { amount: 5, reason: 'x' } }), 400, 'header.idempotency-key');
    expectProblem(await callback(t, { ...notification(t, intent), amount: 'lots' }), 400, 'body.amount');
    expectProblem(await callback(t, notification(t, intent, { amount: 99 })), 422, 'body.amount');
    expect((await paymentOf(t, intent.orderId)).status).toBe('created');
  });

  it('documents the callback as the one route without a token, and no route that creates a payment', async () => {
    const doc = await t.api<Json>('GET', '/api/payments/openapi.json');
    expect(doc.body.paths['/api/payments/callbacks/wallet'].post.security).toEqual([]);
    expect(doc.body.paths['/api/payments/intents'].get.security).toEqual([{ bearer: [] }]);
    expect(doc.body.paths['/api/payments/intents'].post).toBeUndefined();
  });
});

describe('payment: the simulated provider notifies again after a restart', () => {
  it('captures a payment whose notification was lost when the platform stopped', async () => {
    // The provider would call back in ten minutes: the platform stops with the notification still owed, in memory only.
    const before = await startTestPlatform({ PAYMENT_LATENCY_MS: '600000' });
    const dataDir = before.config.dataDir;
    let after: TestPlatform | undefined;
    try {
      await stock(before);
      const customer = await before.token('customer', { subject: 'alice' });
      const orderId = await placeOrder(before, customer);
      const intent = await paymentOf(before, orderId, 'created');
      await before.platform.stop();
      // The same data on a restarted platform (SQLite in this folder; on PostgreSQL the harness would give it a fresh database).
      after = await startTestPlatform({ DATA_DIR: dataDir, PAYMENT_LATENCY_MS: '50', PAYMENT_RENOTIFY_MS: '100' });
      expect(await paymentOf(after, orderId, 'captured')).toMatchObject({ id: intent.id, providerRef: intent.providerRef });
      await orderIn(after, orderId, 'confirmed');
      expect(await published(after, 'PaymentCaptured', orderId)).toHaveLength(1);
    } finally {
      await after?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
