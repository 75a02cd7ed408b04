import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, newKey, settled, startTestPlatform, testBus, type TestPlatform } from '../../../packages/platform/test/harness.js';
import { startReceiver, type Receiver } from './receiver.js';

/**
 * Webhooks through the real API and the real bus: on SQLite and the embedded
 * bus, and (the integration-pg project) on PostgreSQL and NATS JetStream.
 * Retries, timeouts and parking are made quick by configuration.
 */
const bus = testBus('W');

describe(`webhooks (${bus.name})`, () => {
  let t: TestPlatform;
  const receivers: Receiver[] = [];
  beforeAll(async () => {
    t = await startTestPlatform({
      SERVICES: 'store,webhook',
      WEBHOOK_CHECK_MS: '20',
      WEBHOOK_TIMEOUT_MS: '600',
      WEBHOOK_ATTEMPTS: '4',
      WEBHOOK_RETRY_BASE_MS: '20',
      WEBHOOK_RETRY_MAX_MS: '80',
      ...bus.overrides,
    });
  });
  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.close()));
    await t?.stop();
  });

  const receiver = async (...args: Parameters<typeof startReceiver>) => {
    const r = await startReceiver(...args);
    receivers.push(r);
    return r;
  };
  const subscribe = async (tenant: string, r: Receiver, eventTypes: string[]) => {
    const res = await t.api('POST', '/api/webhooks/subscriptions', { token: await t.token('brand_admin', { tenant }), idempotencyKey: newKey(), body: { url: r.url, eventTypes } });
    expect(res.status).toBe(201);
    expect(res.body.secret).toMatch(/^whsec_/);
    r.secrets = [res.body.secret];
    return res.body.id as string;
  };
  /** A store opened, then renamed `renames` times: one key, 1 + renames events in order. */
  const storeHistory = async (tenant: string, code: string, renames: number) => {
    const admin = await t.token('brand_admin', { tenant });
    const opened = await t.api('POST', '/api/stores', {
      token: admin,
      idempotencyKey: newKey(),
      body: { code, name: `${code} v0`, type: 'store', city: 'Shanghai', lat: 31.23, lng: 121.47, hours: {} },
    });
    expect(opened.status).toBe(201);
    for (let v = 1; v <= renames; v++) expect((await t.api('PATCH', `/api/stores/${code}`, { token: admin, body: { name: `${code} v${v}` } })).status).toBe(200);
  };
  const names = (r: Receiver, code: string) => r.firstArrivals().filter((x) => x.body.key === code).map((x) => x.body.data.name);
  const view = async (tenant: string, id: string) => (await t.api('GET', `/api/webhooks/subscriptions/${id}`, { token: await t.token('brand_admin', { tenant }) })).body;

  it('an endpoint that fails, times out or answers slowly gets every event of its brand at least once, in order per key, signed; another brand gets none', async () => {
    // A first attempt fails for every third delivery, takes longer than the timeout for every fifth (the endpoint
    // got it, the platform never heard), and answers slowly but in time for every fourth; second attempts are received.
    const flaky = await receiver(({ delivery, attempt }) =>
      attempt > 1 ? { status: 200 } : delivery % 3 === 0 ? { status: 500 } : delivery % 5 === 0 ? { status: 200, delayMs: 1200 } : delivery % 4 === 0 ? { status: 200, delayMs: 150 } : { status: 200 },
    );
    const rival = await receiver();
    const id = await subscribe('acme', flaky, ['StoreOpened', 'StoreChanged']);
    await subscribe('rival', rival, ['*']);
    const codes = ['ST_W1', 'ST_W2', 'ST_W3'];
    await Promise.all(codes.map((code) => storeHistory('acme', code, 3)));

    await eventually(async () => ((await view('acme', id)).delivered === 12 ? true : undefined), 'every delivery received', 30_000);
    const v = await view('acme', id);
    expect(v).toMatchObject({ pending: 0, parked: 0, delivered: 12, lagSeconds: 0 });
    expect(v.lastAttempts.length).toBeGreaterThan(0);
    expect(flaky.received.every((r) => r.valid)).toBe(true);
    // Failures and timeouts were retried: 4 failed and 2 timed out (deliveries 3, 5, 6, 9, 10, 12), each then received.
    expect(flaky.received.length).toBeGreaterThanOrEqual(18);
    expect(new Set(flaky.received.map((r) => r.id)).size).toBe(12);
    for (const code of codes) expect(names(flaky, code)).toEqual([0, 1, 2, 3].map((n) => `${code} v${n}`));
    // The attempts say what the endpoint answered, failures included.
    const deliveries = (await t.api('GET', `/api/webhooks/subscriptions/${id}/deliveries?limit=50`, { token: await t.token('operator', { tenant: 'acme' }) })).body;
    expect(deliveries.items).toHaveLength(12);
    expect(deliveries.items.some((d: { attempts: number }) => d.attempts > 1)).toBe(true);
    // Another brand's subscription to everything heard nothing of acme's events.
    expect(rival.received).toEqual([]);
    // Nor does it see acme's subscription.
    expect((await t.api('GET', `/api/webhooks/subscriptions/${id}`, { token: await t.token('brand_admin', { tenant: 'rival' }) })).status).toBe(404);
  });

  it('deliveries to an endpoint that is down are parked after their attempts, hold back their key, and are replayed in order', async () => {
    let down = true;
    const endpoint = await receiver(() => ({ status: down ? 503 : 200 }));
    const id = await subscribe('acme', endpoint, ['StoreOpened', 'StoreChanged']);
    await storeHistory('acme', 'ST_P1', 2);
    // The first of the key is parked after 4 attempts; the two behind it wait, never sent before it.
    await eventually(async () => ((await view('acme', id)).parked === 1 ? true : undefined), 'the first delivery parked');
    expect(new Set(endpoint.received.map((r) => r.id)).size).toBe(1);
    expect(endpoint.received).toHaveLength(4);
    const parked = await view('acme', id);
    expect(parked).toMatchObject({ parked: 1, pending: 2, delivered: 0 });
    expect(parked.lastAttempts[0]).toMatchObject({ statusCode: 503, attempt: 4 });

    down = false;
    const replay = await t.api('POST', `/api/webhooks/subscriptions/${id}/replay`, { token: await t.token('operator', { tenant: 'acme' }) });
    expect(replay).toMatchObject({ status: 202, body: { replayed: 1 } });
    await eventually(async () => ((await view('acme', id)).delivered === 3 ? true : undefined), 'replayed and delivered');
    expect(names(endpoint, 'ST_P1')).toEqual(['ST_P1 v0', 'ST_P1 v1', 'ST_P1 v2']);
    expect(endpoint.received.every((r) => r.valid)).toBe(true);
  });

  it('a rotated secret signs from then on; with an overlap the old one signs beside it until it ends; an ended subscription gets nothing', async () => {
    const endpoint = await receiver();
    const id = await subscribe('acme', endpoint, ['StoreChanged']);
    const [first] = endpoint.secrets;
    const admin = await t.token('brand_admin', { tenant: 'acme' });
    const rotate = async (overlapSeconds: number) => {
      const res = await t.api('POST', `/api/webhooks/subscriptions/${id}/rotate-secret`, { token: admin, body: { overlapSeconds } });
      expect(res.status).toBe(200);
      expect(res.body.secret).toMatch(/^whsec_/);
      return res.body.secret as string;
    };
    const second = await rotate(3600);
    expect(second).not.toBe(first);
    // The secret is shown when made, never again.
    expect((await t.api('GET', `/api/webhooks/subscriptions/${id}`, { token: admin })).body.secret).toBeUndefined();
    endpoint.secrets = [first!, second];
    await storeHistory('acme', 'ST_R1', 1);
    await eventually(async () => (endpoint.received.length === 1 ? true : undefined), 'delivered during the overlap');
    expect(endpoint.received[0]!.verifiedBy.sort()).toEqual([first, second].sort());

    const third = await rotate(0);
    endpoint.secrets = [first!, second, third];
    await t.api('PATCH', '/api/stores/ST_R1', { token: admin, body: { name: 'ST_R1 v2' } });
    await eventually(async () => (endpoint.received.length === 2 ? true : undefined), 'delivered after the rotation');
    expect(endpoint.received[1]!.verifiedBy).toEqual([third]);

    // Ended: nothing more is sent to it.
    expect((await t.api('DELETE', `/api/webhooks/subscriptions/${id}`, { token: admin })).status).toBe(204);
    expect((await t.api('GET', `/api/webhooks/subscriptions/${id}`, { token: admin })).status).toBe(404);
    await t.api('PATCH', '/api/stores/ST_R1', { token: admin, body: { name: 'ST_R1 v3' } });
    await settled(t);
    expect(endpoint.received).toHaveLength(2);
  });

  it('refuses what it cannot send to, naming the field', async () => {
    const admin = await t.token('brand_admin', { tenant: 'acme' });
    const bad = async (body: unknown) => t.api('POST', '/api/webhooks/subscriptions', { token: admin, idempotencyKey: newKey(), body });
    const scheme = await bad({ url: 'ftp://example.com/hooks', eventTypes: ['OrderPlaced'] });
    expect(scheme.status).toBe(400);
    expect(scheme.body.errors[0].field).toBe('body.url');
    const type = await bad({ url: 'https://example.com/hooks', eventTypes: ['OrderShouted'] });
    expect(type.status).toBe(400);
    expect(type.body.errors[0]).toMatchObject({ field: 'body.eventTypes.0' });
    expect(type.body.errors[0].allowed).toContain('OrderPlaced');
    expect((await t.api('POST', '/api/webhooks/subscriptions', { token: await t.token('clerk', { tenant: 'acme' }), idempotencyKey: newKey(), body: { url: 'https://example.com/h', eventTypes: ['*'] } })).status).toBe(403);
  });
});
