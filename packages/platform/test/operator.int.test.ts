import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { acrossTenants, PLATFORM_TENANT } from '@omnishop/kit';
import { newKey, openStores, settled, startTestPlatform, stockedSku, testBus, tsx, type TestPlatform } from './harness.js';

/**
 * The operator's tools over the real API: each service's event flow (consumer
 * lag, outbox backlog, dead letters), and a read model dropped and rebuilt by
 * replaying the events the bus keeps, on SQLite and the embedded bus and (the
 * integration-pg project) on PostgreSQL and JetStream.
 */
const bus = testBus('O');

describe(`operator tools (${bus.name})`, () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await startTestPlatform({ SERVICES: 'catalog,store,inventory,order,fulfilment', ...bus.overrides });
  });
  afterAll(async () => t?.stop());

  const runtime = (name: string) => t.platform.runtimes.find((r) => r.name === name)!;
  /** Every row of a service's tables, every brand's, in a stable order. */
  const rows = (service: string, table: string) =>
    acrossTenants('the test compares every brand\'s rows', async () => {
      const found = await (runtime(service).sdb.db as unknown as Kysely<Record<string, Record<string, unknown>>>).selectFrom(table).selectAll().execute();
      return found.map((r) => JSON.stringify(r)).sort();
    });
  const operator = () => t.token('operator', { tenant: PLATFORM_TENANT });
  const rebuild = async (service: string, model: string, query = '') =>
    t.api('POST', `/api/${service}/admin/read-models/${model}/rebuild${query}`, { token: await operator() });
  const order = async (sku: string) =>
    t.api('POST', '/api/orders', { token: await t.token('customer'), idempotencyKey: newKey(), body: { lines: [{ sku, qty: 1 }] } });

  it("a read model dropped and rebuilt by replay equals the original, and no consumer group moves", async () => {
    const admin = await t.token('brand_admin');
    const skus = [await stockedSku(t, { price: 1000 }), await stockedSku(t, { price: 2000 }), await stockedSku(t, { price: 500, tenant: 'rival' })];
    for (const [sku, price] of [[skus[0], 1200], [skus[1], 1800], [skus[0], 1250]] as const) {
      expect((await t.api('PUT', `/api/catalog/skus/${sku}/price`, { token: admin, body: { price } })).status).toBe(200);
    }
    await openStores(t, ['ST_OP1', 'ST_OP2', 'WH_OP3']);
    expect((await t.api('PATCH', '/api/stores/ST_OP2', { token: admin, body: { status: 'closed' } })).status).toBe(200);
    await settled(t);
    const before = { prices: await rows('order', 'sku_price'), register: await rows('order', 'location'), fulfilment: await rows('fulfilment', 'location') };
    const positions = { order: await rows('order', 'consumer_position'), processed: await rows('order', 'processed_event') };
    expect(before.prices).toHaveLength(3);
    expect(before.register).toHaveLength(3);

    // Dropped: the order service no longer knows any price, and refuses orders for want of one.
    await acrossTenants('the test drops the read model', () => (runtime('order').sdb.db as unknown as Kysely<Record<string, object>>).deleteFrom('sku_price').execute());
    expect((await order(skus[0]!)).status).toBe(422);

    const prices = await rebuild('orders', 'prices');
    expect(prices.status).toBe(200);
    expect(prices.body).toMatchObject({ readModel: 'prices', from: new Date(0).toISOString(), replayed: 6 });
    const register = await rebuild('orders', 'store-register');
    expect(register.body).toMatchObject({ readModel: 'store-register', replayed: 4 });
    expect(await rows('order', 'sku_price')).toEqual(before.prices);
    expect(await rows('order', 'location')).toEqual(before.register);
    // Nobody else's read model, and no consumer's place, moved; the replay's own group left nothing behind.
    expect(await rows('fulfilment', 'location')).toEqual(before.fulfilment);
    expect({ order: await rows('order', 'consumer_position'), processed: await rows('order', 'processed_event') }).toEqual(positions);
    expect(Object.values(await t.platform.bus.lag()).every((n) => n === 0)).toBe(true);
    const placed = await order(skus[0]!);
    expect(placed.status).toBe(201);
    expect(placed.body.total).toBe(1250);

    // From a point in time: only the events since then are replayed.
    const since = await rebuild('orders', 'prices', `?from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`);
    expect(since.body.replayed).toBe(0);
  });

  it("shows each service's consumer lag, outbox backlog and dead letters, to platform staff only", async () => {
    await settled(t); // the order placed above has run its saga
    const flow = await t.api('GET', '/api/orders/admin/events', { token: await operator() });
    expect(flow.status).toBe(200);
    expect(flow.body).toMatchObject({ service: 'order', group: 'order', lag: 0, outboxBacklog: 0, deadLetters: 0 });
    expect(flow.body.readModels.map((m: { name: string }) => m.name)).toEqual(['store-register', 'prices']);
    expect((await t.api('GET', '/api/catalog/admin/events', { token: await operator() })).body).toMatchObject({ service: 'catalog', lag: 0, readModels: [] });
    const brandOperator = await t.token('operator', { tenant: 'acme' });
    expect((await t.api('GET', '/api/orders/admin/events', { token: brandOperator })).status).toBe(403);
    expect((await t.api('POST', '/api/orders/admin/read-models/prices/rebuild', { token: brandOperator })).status).toBe(403);
    expect((await rebuild('orders', 'nothing')).status).toBe(404);
    expect((await rebuild('orders', 'prices', '?from=yesterday')).status).toBe(400);
  });

  it('the CLI shows the same, for every service the platform runs', async () => {
    const events = await tsx(['packages/platform/src/cli.ts', 'ops', 'events', '--url', t.url]);
    expect(events.code).toBe(0);
    expect(events.stdout).toMatch(/^service\s+group\s+lag\s+outbox\s+dead letters\s+read models$/m);
    expect(events.stdout).toMatch(/^order\s+order\s+0\s+0\s+0\s+store-register,prices$/m);
    expect(events.stdout).toMatch(/^catalog\s+catalog\s+0\s+0\s+0\s+-$/m);
  });
});
