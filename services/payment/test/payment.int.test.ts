import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProblemBody } from '@omnishop/kit';
import { eventually, newKey, publishedEvents, startTestPlatform, type ApiOptions, type ApiResponse, type TestPlatform } from '../../../packages/platform/test/harness.js';
import { signed, type WalletNotification } from '../domain/notification.js';

/**
 * The payment service over real HTTP: the simulated wallet provider calling
 * back with signed notifications, and callbacks sent by the test itself to
 * forge, replay, delay and race them.
 */
describe('payment: wallet intents with signed callbacks, cash at the till, refunds', () => {
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
  let admin: string;

  beforeAll(async () => {
    [t, fast, failing] = await Promise.all([
      startTestPlatform({ PAYMENT_LATENCY_MS: '600000' }),
      startTestPlatform({ PAYMENT_LATENCY_MS: '20' }),
      startTestPlatform({ PAYMENT_LATENCY_MS: '20', PAYMENT_FAILURE_RATE: '1' }),
    ]);
    alice = await t.token('customer', { subject: 'alice' });
    bob = await t.token('customer', { subject: 'bob' });
    clerk = await t.token('clerk', { store: 'ST_SH_001' });
    manager = await t.token('store_manager', { store: 'ST_SH_001' });
    admin = await t.token('brand_admin');
  });
  afterAll(() => Promise.all([t, fast, failing].map((p) => p?.stop())));

  const api = <T = any>(p: TestPlatform, method: string, path: string, token: string | undefined, opts: ApiOptions = {}) => // eslint-disable-line @typescript-eslint/no-explicit-any
    p.api<T>(method, `/api/payments${path}`, { ...(token ? { token } : {}), ...opts });
  const post = (p: TestPlatform, path: string, token: string | undefined, body: unknown, opts: ApiOptions = {}) => api(p, 'POST', path, token, { idempotencyKey: newKey(), body, ...opts });
  const newOrder = () => `ORD-${randomUUID()}`;

  function expectProblem(res: ApiResponse<ProblemBody>, status: number, field?: string): void {
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body).toMatchObject({ type: expect.stringMatching(/^https:\/\/omnishop\.dev\/problems\/[a-z-]+$/), status });
    if (field) expect(res.body.errors?.map((e) => e.field), JSON.stringify(res.body)).toContain(field);
  }

  async function walletIntent(p: TestPlatform, token: string, amount = 9900, orderId = newOrder()) {
    const res = await post(p, '/intents', token, { orderId, amount, method: 'wallet' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ orderId, amount, currency: 'CNY', method: 'wallet', status: 'created', refunded: 0, providerRef: expect.stringMatching(/^WLT/) });
    return res.body as { id: string; orderId: string; amount: number; currency: string; providerRef: string };
  }

  /** A notification the way the provider would send it, signed with the platform's provider secret unless told otherwise. */
  function notification(intent: { id: string; amount: number; currency: string; providerRef: string }, over: Partial<WalletNotification> = {}, secret = t.config.paymentProviderSecret) {
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

  const callback = (body: unknown, p = t) => p.api('POST', '/api/payments/callbacks/wallet', { body });
  const statusOf = async (p: TestPlatform, id: string) => (await api(p, 'GET', `/intents/${id}`, await p.token('brand_admin'))).body.status;

  /** How many events of a type the service published for an order. */
  const published = async (p: TestPlatform, type: string, orderId: string) => (await publishedEvents(p, { types: [type], key: orderId })).length;

  it('captures a wallet payment when the simulated provider calls back', async () => {
    const customer = await fast.token('customer', { subject: 'alice' });
    const intent = await walletIntent(fast, customer);
    await eventually(async () => ((await statusOf(fast, intent.id)) === 'captured' ? true : undefined), 'the provider to call back');
    expect(await published(fast, 'PaymentCaptured', intent.orderId)).toBe(1);
    const seen = await api(fast, 'GET', `/intents/${intent.id}`, customer);
    expect(seen.body).toMatchObject({ id: intent.id, status: 'captured', providerRef: intent.providerRef });
  });

  it('fails a wallet payment when the provider fails every payment', async () => {
    const intent = await walletIntent(failing, await failing.token('clerk', { store: 'ST_SH_001' }));
    await eventually(async () => ((await statusOf(failing, intent.id)) === 'failed' ? true : undefined), 'the provider to call back');
    expect(await published(failing, 'PaymentFailed', intent.orderId)).toBe(1);
    expect(await published(failing, 'PaymentCaptured', intent.orderId)).toBe(0);
    // A failed payment leaves the order free for another attempt.
    const again = await post(failing, '/intents', await failing.token('brand_admin'), { orderId: intent.orderId, amount: intent.amount, method: 'wallet' });
    expect(again.status, JSON.stringify(again.body)).toBe(201);
  });

  it('captures once when the same notification is delivered twice; a later one for a settled intent changes nothing', async () => {
    const intent = await walletIntent(t, alice);
    const n = notification(intent);
    const first = await callback(n);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({ applied: true, intent: { status: 'captured' } });
    expectProblem(await callback(n), 409);
    const later = await callback(notification(intent));
    expect(later.status).toBe(200);
    expect(later.body).toMatchObject({ applied: false, intent: { status: 'captured' } });
    const lateFailure = await callback(notification(intent, { outcome: 'failure' }));
    expect(lateFailure.body).toMatchObject({ applied: false, intent: { status: 'captured' } });
    expect(await published(t, 'PaymentCaptured', intent.orderId)).toBe(1);
    expect(await published(t, 'PaymentFailed', intent.orderId)).toBe(0);
  });

  it('rejects a forged or tampered notification with a problem, and changes nothing', async () => {
    const intent = await walletIntent(t, alice);
    const forged = await callback(notification(intent, {}, 'a-secret-the-provider-never-shared-with-us'));
    expectProblem(forged, 401);
    expect((forged.body as ProblemBody).type).toMatch(/callback-signature-invalid$/);
    const tampered = { ...notification(intent, { outcome: 'failure' }), outcome: 'success' };
    expectProblem(await callback(tampered), 401);
    const otherBrand = { ...notification(intent), tenant: 'other' };
    expectProblem(await callback(otherBrand), 401);
    expectProblem(await callback({ ...notification(intent), signature: undefined }), 400, 'body.signature');
    expect(await statusOf(t, intent.id)).toBe('created');
  });

  it('rejects a notification whose timestamp is outside the window', async () => {
    const intent = await walletIntent(t, alice);
    const stale = await callback(notification(intent, { timestamp: new Date(Date.now() - 10 * 60_000).toISOString() }));
    expectProblem(stale, 401);
    expect((stale.body as ProblemBody).type).toMatch(/callback-stale$/);
    expect(await statusOf(t, intent.id)).toBe('created');
    expect((await callback(notification(intent))).body).toMatchObject({ applied: true });
  });

  it('takes 20 concurrent deliveries of one notification as one capture and one event', async () => {
    const intent = await walletIntent(t, alice);
    const n = notification(intent);
    const answers = await Promise.all(Array.from({ length: 20 }, () => callback(n)));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 409)).toHaveLength(19);
    // Distinct notifications racing each other: still one capture.
    const other = await walletIntent(t, alice);
    const raced = await Promise.all(Array.from({ length: 20 }, (_, i) => callback(notification(other, { outcome: i % 2 ? 'failure' : 'success' }))));
    expect(raced.every((a) => a.status === 200)).toBe(true);
    expect(raced.filter((a) => a.body.applied)).toHaveLength(1);
    expect(await published(t, 'PaymentCaptured', intent.orderId)).toBe(1);
    const settledEvents = (await published(t, 'PaymentCaptured', other.orderId)) + (await published(t, 'PaymentFailed', other.orderId));
    expect(settledEvents).toBe(1);
  });

  it('takes cash at the till, captured at once, from store staff only', async () => {
    const orderId = newOrder();
    const cash = await post(t, '/intents', clerk, { orderId, amount: 5000, method: 'cash' });
    expect(cash.status, JSON.stringify(cash.body)).toBe(201);
    expect(cash.body).toMatchObject({ status: 'captured', method: 'cash', providerRef: null });
    expect(await published(t, 'PaymentCaptured', orderId)).toBe(1);
    expect((await post(t, '/intents', manager, { orderId: newOrder(), amount: 5000, method: 'cash' })).status).toBe(201);
    expectProblem(await post(t, '/intents', alice, { orderId: newOrder(), amount: 5000, method: 'cash' }), 403);
    expectProblem(await post(t, '/intents', admin, { orderId: newOrder(), amount: 5000, method: 'cash' }), 403);
    // The order is paid: a second payment for it is refused.
    expectProblem(await post(t, '/intents', clerk, { orderId, amount: 5000, method: 'cash' }), 409);
  });

  it('refunds in parts up to the captured amount, and no further', async () => {
    const orderId = newOrder();
    const paid = (await post(t, '/intents', clerk, { orderId, amount: 10_000, method: 'cash' })).body;
    const first = await post(t, `/intents/${paid.id}/refund`, admin, { amount: 3000, reason: 'one item returned' });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body).toMatchObject({ amount: 3000, intent: { status: 'refunded', refunded: 3000 } });
    expectProblem(await post(t, `/intents/${paid.id}/refund`, manager, { amount: 7001, reason: 'too much' }), 422, 'body.amount');
    const rest = await post(t, `/intents/${paid.id}/refund`, manager, { amount: 7000, reason: 'the rest' });
    expect(rest.body).toMatchObject({ intent: { refunded: 10_000 } });
    expectProblem(await post(t, `/intents/${paid.id}/refund`, admin, { amount: 1, reason: 'nothing left' }), 422, 'body.amount');
    expect(await published(t, 'PaymentRefunded', orderId)).toBe(2);
    // Nothing captured, nothing to refund.
    const pending = await walletIntent(t, alice);
    expectProblem(await post(t, `/intents/${pending.id}/refund`, admin, { amount: 1, reason: 'x' }), 409);
    // Only a store manager or the brand refunds.
    expectProblem(await post(t, `/intents/${paid.id}/refund`, clerk, { amount: 1, reason: 'x' }), 403);
    expectProblem(await post(t, `/intents/${paid.id}/refund`, alice, { amount: 1, reason: 'x' }), 403);
  });

  it('cancels a pending payment; the late callback for it changes nothing', async () => {
    const intent = await walletIntent(t, alice);
    const cancelled = await api(t, 'POST', `/intents/${intent.id}/cancel`, alice);
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    expect((await api(t, 'POST', `/intents/${intent.id}/cancel`, alice)).status).toBe(200);
    expect((await callback(notification(intent))).body).toMatchObject({ applied: false, intent: { status: 'cancelled' } });
    expect(await published(t, 'PaymentCancelled', intent.orderId)).toBe(1);
    expect(await published(t, 'PaymentCaptured', intent.orderId)).toBe(0);
    const paid = (await post(t, '/intents', clerk, { orderId: newOrder(), amount: 100, method: 'cash' })).body;
    expectProblem(await api(t, 'POST', `/intents/${paid.id}/cancel`, clerk), 409);
  });

  it('is idempotent, and one order has one live payment', async () => {
    const key = newKey();
    const body = { orderId: newOrder(), amount: 1200, method: 'wallet' };
    const first = await post(t, '/intents', alice, body, { idempotencyKey: key });
    const again = await post(t, '/intents', alice, body, { idempotencyKey: key });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expectProblem(await post(t, '/intents', alice, body), 409);
  });

  it('lets each caller see only what is theirs: roles, owners and brands', async () => {
    const intent = await walletIntent(t, alice);
    expect((await api(t, 'GET', `/intents/${intent.id}`, alice)).status).toBe(200);
    expectProblem(await api(t, 'GET', `/intents/${intent.id}`, bob), 404);
    expectProblem(await api(t, 'POST', `/intents/${intent.id}/cancel`, bob), 404);
    expect((await api(t, 'GET', `/intents/${intent.id}`, await t.token('operator'))).status).toBe(200);
    expectProblem(await post(t, '/intents', await t.token('operator'), { orderId: newOrder(), amount: 1, method: 'wallet' }), 403);
    expectProblem(await post(t, '/intents', undefined, { orderId: newOrder(), amount: 1, method: 'wallet' }), 401);
    const otherAdmin = await t.token('brand_admin', { tenant: 'other' });
    expectProblem(await api(t, 'GET', `/intents/${intent.id}`, otherAdmin), 404);
    expectProblem(await post(t, `/intents/${intent.id}/refund`, otherAdmin, { amount: 1, reason: 'x' }), 404);
    expectProblem(await api(t, 'POST', `/intents/${intent.id}/cancel`, otherAdmin), 404);
    // A genuine notification naming another brand finds no such intent there.
    expectProblem(await callback(notification(intent, { tenant: 'other' })), 404);
    expect(await statusOf(t, intent.id)).toBe('created');
  });

  it('names the field at fault in bad input, and writes nothing', async () => {
    const orderId = newOrder();
    expectProblem(await post(t, '/intents', alice, { orderId, amount: -1, method: 'wallet' }), 400, 'body.amount');
    expectProblem(await post(t, '/intents', alice, { orderId, amount: '5', method: 'wallet' }), 400, 'body.amount');
    expectProblem(await post(t, '/intents', alice, { orderId, amount: 0, method: 'wallet' }), 400, 'body.amount');
    expectProblem(await post(t, '/intents', alice, { orderId, amount: 100, method: 'card' }), 400, 'body.method');
    expectProblem(await post(t, '/intents', alice, { amount: 100, method: 'wallet' }), 400, 'body.orderId');
    expectProblem(await post(t, '/intents', alice, { orderId, amount: 100, method: 'wallet', currency: 'yuan' }), 400, 'body.currency');
    expectProblem(await post(t, '/intents', alice, { orderId, amount: 100, method: 'wallet', tip: 5 }), 400, 'body.tip');
    expectProblem(await api(t, 'POST', '/intents', alice, { body: { orderId, amount: 100, method: 'wallet' } }), 400, 'header.idempotency-key');
    expectProblem(await api(t, 'GET', '/intents/not-a-uuid', alice), 400, 'path.id');
    const intent = await walletIntent(t, alice, 100, orderId);
    expectProblem(await post(t, `/intents/${intent.id}/refund`, admin, { amount: 1 }), 400, 'body.reason');
    expectProblem(await callback({ ...notification(intent), amount: 'lots' }), 400, 'body.amount');
    expectProblem(await callback(notification(intent, { amount: 99 })), 422, 'body.amount');
    expect(await statusOf(t, intent.id)).toBe('created');
  });

  it('documents the callback as the one route without a token', async () => {
    const doc = await t.api('GET', '/api/payments/openapi.json');
    expect(doc.body.paths['/api/payments/callbacks/wallet'].post.security).toEqual([]);
    expect(doc.body.paths['/api/payments/intents'].post.security).toEqual([{ bearer: [] }]);
  });
});
