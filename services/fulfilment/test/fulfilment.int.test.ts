import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProblemBody } from '@omnishop/kit';
import { eventually, finalOrder, newKey, publishedEvents, settled, startTestPlatform, stockedSku, type ApiOptions, type ApiResponse, type TestPlatform } from '../../../packages/platform/test/harness.js';

/**
 * Fulfilment over real HTTP: a confirmed order is offered to the stores holding
 * its stock, claimed by exactly one, shipped and received or readied and collected;
 * given back; and, unclaimed, offered more widely by the job.
 */
describe('fulfilment: offer, claim, ship or collect', () => {
  /** Offers never time out here (the default timeout). */
  let t: TestPlatform;
  /** Offers time out after one second. */
  let fast: TestPlatform;
  let skuSh: string; // most stock at ST_SH_001 (also some at ST_BJ_001 and WH_SH)
  let skuBj: string; // stock at ST_BJ_001 only

  beforeAll(async () => {
    [t, fast] = await Promise.all([startTestPlatform(), startTestPlatform({ CLAIM_TIMEOUT_SECONDS: '1', OFFER_CHECK_MS: '100' })]);
    [skuSh, skuBj] = await Promise.all([
      stockedSku(t, { stock: { ST_SH_001: 50, ST_BJ_001: 5, WH_SH: 2 } }),
      stockedSku(t, { stock: { ST_BJ_001: 50 } }),
    ]);
  });
  afterAll(() => Promise.all([t, fast].map((p) => p?.stop())));

  const api = <T = any>(p: TestPlatform, method: string, path: string, token: string, opts: ApiOptions = {}) => // eslint-disable-line @typescript-eslint/no-explicit-any
    p.api<T>(method, `/api/fulfilment${path}`, { token, ...opts });
  const clerkOf = (p: TestPlatform, store: string, subject = `clerk-${store}`) => p.token('clerk', { store, subject });

  function expectProblem(res: ApiResponse<ProblemBody>, status: number, field?: string): void {
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    if (field) expect(res.body.errors?.map((e) => e.field), JSON.stringify(res.body)).toContain(field);
  }

  /** Places an order as `customer`, waits for it to be confirmed and offered; returns its id. */
  async function offeredOrder(p: TestPlatform, skus: string[], customer = 'alice'): Promise<string> {
    const token = await p.token('customer', { subject: customer });
    const placed = await p.api('POST', '/api/orders', { token, idempotencyKey: newKey(), body: { lines: skus.map((sku) => ({ sku, qty: 1 })) } });
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    const id = placed.body.id as string;
    expect((await finalOrder(p, token, id)).status).toBe('confirmed');
    await eventually(async () => ((await api(p, 'GET', `/orders/${id}`, token)).status === 200 ? true : undefined), 'the order to be offered');
    return id;
  }

  const published = async (p: TestPlatform, type: string, orderId: string) => (await publishedEvents(p, { types: [type], key: orderId })).length;
  const publishedData = async (p: TestPlatform, type: string, orderId: string) => (await publishedEvents(p, { types: [type], key: orderId })).map((e) => e.data);

  it('offers a confirmed order to the store holding its stock, and lists it in that store only', async () => {
    const id = await offeredOrder(t, [skuSh]);
    const seen = await api(t, 'GET', `/orders/${id}`, await t.token('brand_admin'));
    expect(seen.body).toMatchObject({ orderId: id, status: 'offered', round: 1, offeredTo: ['ST_SH_001'], claimedBy: null, mode: null });
    const sh = await api(t, 'GET', '/offers', await clerkOf(t, 'ST_SH_001'));
    expect(sh.body.items.map((i: { orderId: string }) => i.orderId)).toContain(id);
    const bj = await api(t, 'GET', '/offers', await clerkOf(t, 'ST_BJ_001'));
    expect(bj.body.items.map((i: { orderId: string }) => i.orderId)).not.toContain(id);
    expect(await published(t, 'OrderOffered', id)).toBe(1);
  });

  it('offers an order whose stock is at a warehouse to that warehouse at once, and its staff claim it', async () => {
    const skuWh = await stockedSku(t, { stock: { WH_BJ: 3 } });
    const id = await offeredOrder(t, [skuWh]);
    const admin = await t.token('brand_admin');
    expect((await api(t, 'GET', `/orders/${id}`, admin)).body).toMatchObject({ status: 'offered', round: 1, offeredTo: ['WH_BJ'] });
    const warehouse = await clerkOf(t, 'WH_BJ');
    expect((await api(t, 'GET', '/offers', warehouse)).body.items.map((i: { orderId: string }) => i.orderId)).toContain(id);
    expect((await api(t, 'POST', `/orders/${id}/claim`, warehouse)).body).toMatchObject({ status: 'claimed', claimedBy: 'WH_BJ' });
  });

  it('lets exactly one of two offered stores win 20 concurrent claims; the winner asking again gets the same success', async () => {
    const id = await offeredOrder(t, [skuSh, skuBj]);
    expect((await api(t, 'GET', `/orders/${id}`, await t.token('brand_admin'))).body.offeredTo).toEqual(['ST_BJ_001', 'ST_SH_001']);
    const tokens = await Promise.all(Array.from({ length: 20 }, (_, i) => clerkOf(t, i % 2 ? 'ST_SH_001' : 'ST_BJ_001', `clerk-${i}`)));
    const answers = await Promise.all(tokens.map((token) => api(t, 'POST', `/orders/${id}/claim`, token)));
    const winners = answers.filter((a) => a.status === 200);
    const winner = winners[0]!.body.claimedBy as string;
    // Clerks of the winning store who asked after it won are told it holds the order; only the other store is refused.
    expect(winners.every((w) => w.body.claimedBy === winner)).toBe(true);
    const losers = answers.map((a, i) => ({ a, store: i % 2 ? 'ST_SH_001' : 'ST_BJ_001' })).filter((x) => x.a.status !== 200);
    expect(losers.length).toBeGreaterThan(0);
    for (const { a, store } of losers) {
      expectProblem(a, 409);
      expect(store).not.toBe(winner);
    }
    const again = await api(t, 'POST', `/orders/${id}/claim`, await clerkOf(t, winner));
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ status: 'claimed', claimedBy: winner });
    const final = await api(t, 'GET', `/orders/${id}`, await t.token('brand_admin'));
    expect(final.body).toMatchObject({ status: 'claimed', claimedBy: winner });
    expect(await published(t, 'OrderClaimed', id)).toBe(1);
  });

  it('books, ships and has the customer confirm receipt, one event per step', async () => {
    const id = await offeredOrder(t, [skuSh]);
    const clerk = await clerkOf(t, 'ST_SH_001');
    const manager = await t.token('store_manager', { store: 'ST_SH_001' });
    const alice = await t.token('customer', { subject: 'alice' });
    expect((await api(t, 'POST', `/orders/${id}/claim`, clerk)).body).toMatchObject({ status: 'claimed', claimedBy: 'ST_SH_001' });
    const early = await api(t, 'POST', `/orders/${id}/ship`, clerk);
    expectProblem(early, 409);
    expect(early.body.detail).toBe('an order that is claimed cannot ship: book a courier (POST .../book with carrier and tracking) first');
    expectProblem(await api(t, 'POST', `/orders/${id}/received`, alice), 409);
    const booked = await api(t, 'POST', `/orders/${id}/book`, manager, { body: { carrier: 'SF', tracking: 'SF1234567890' } });
    expect(booked.body).toMatchObject({ status: 'booked', mode: 'ship', carrier: 'SF', tracking: 'SF1234567890' });
    expectProblem(await api(t, 'POST', `/orders/${id}/ready`, clerk), 409);
    expect((await api(t, 'POST', `/orders/${id}/ship`, clerk)).body).toMatchObject({ status: 'shipped' });
    expectProblem(await api(t, 'POST', `/orders/${id}/received`, await t.token('customer', { subject: 'mallory' })), 404);
    expectProblem(await api(t, 'POST', `/orders/${id}/received`, clerk), 403);
    expect((await api(t, 'POST', `/orders/${id}/received`, alice)).body).toMatchObject({ status: 'received' });
    expectProblem(await api(t, 'POST', `/orders/${id}/received`, alice), 409);
    expect((await api(t, 'GET', `/orders/${id}`, alice)).body).toMatchObject({ status: 'received', tracking: 'SF1234567890' });
    expectProblem(await api(t, 'GET', `/orders/${id}`, await t.token('customer', { subject: 'mallory' })), 404);
    for (const type of ['OrderClaimed', 'ShipmentBooked', 'OrderShipped', 'OrderReceived']) expect(await published(t, type, id), type).toBe(1);
    // Receipt hands the order over: the order service completes it.
    await settled(t);
    expect((await t.api('GET', `/api/orders/${id}`, { token: alice })).body.status).toBe('completed');
  });

  it('readies a click & collect order and marks it collected', async () => {
    const id = await offeredOrder(t, [skuSh]);
    const clerk = await clerkOf(t, 'ST_SH_001');
    await api(t, 'POST', `/orders/${id}/claim`, clerk);
    expect((await api(t, 'POST', `/orders/${id}/ready`, clerk)).body).toMatchObject({ status: 'ready', mode: 'collect' });
    expectProblem(await api(t, 'POST', `/orders/${id}/book`, clerk, { body: { carrier: 'SF', tracking: 'SF1234567890' } }), 409);
    expect((await api(t, 'POST', `/orders/${id}/collected`, clerk)).body).toMatchObject({ status: 'collected' });
    expect(await published(t, 'OrderReadyForPickup', id)).toBe(1);
    expect(await published(t, 'OrderCollected', id)).toBe(1);
    await settled(t);
    expect((await t.api('GET', `/api/orders/${id}`, { token: await t.token('brand_admin') })).body.status).toBe('completed');
  });

  it('withdraws a cancelled order from the stores, unless it has already shipped', async () => {
    const alice = await t.token('customer', { subject: 'alice' });
    const clerk = await clerkOf(t, 'ST_SH_001');
    const id = await offeredOrder(t, [skuSh]);
    await api(t, 'POST', `/orders/${id}/claim`, clerk);
    expect((await t.api('POST', `/api/orders/${id}/cancel`, { token: await t.token('brand_admin') })).status).toBe(200);
    expect(await published(t, 'FulfilmentCancelled', id)).toBe(1);
    expect((await api(t, 'GET', `/orders/${id}`, alice)).body).toMatchObject({ status: 'cancelled' });
    expectProblem(await api(t, 'POST', `/orders/${id}/ready`, clerk), 409);
  });

  it('re-offers a given-back order more widely; another store can then claim it', async () => {
    const id = await offeredOrder(t, [skuSh]);
    const sh = await clerkOf(t, 'ST_SH_001');
    const bj = await clerkOf(t, 'ST_BJ_001');
    expectProblem(await api(t, 'POST', `/orders/${id}/give-back`, sh), 409);
    await api(t, 'POST', `/orders/${id}/claim`, sh);
    expectProblem(await api(t, 'POST', `/orders/${id}/give-back`, bj), 403);
    const back = await api(t, 'POST', `/orders/${id}/give-back`, sh);
    expect(back.body).toMatchObject({ status: 'offered', claimedBy: null, round: 2 });
    expect(back.body.offeredTo).toEqual(expect.arrayContaining(['ST_SH_001', 'ST_BJ_001']));
    expect((await api(t, 'POST', `/orders/${id}/claim`, bj)).body).toMatchObject({ status: 'claimed', claimedBy: 'ST_BJ_001' });
    expect(await published(t, 'OrderGivenBack', id)).toBe(1);
    expect(await published(t, 'OrderReoffered', id)).toBe(1);
  });

  it('checks roles, stores and brands', async () => {
    const id = await offeredOrder(t, [skuSh]);
    expectProblem(await api(t, 'POST', `/orders/${id}/claim`, await t.token('customer', { subject: 'alice' })), 403);
    expectProblem(await api(t, 'POST', `/orders/${id}/claim`, await t.token('brand_admin')), 403);
    expectProblem(await api(t, 'POST', `/orders/${id}/claim`, await t.token('clerk')), 403); // no store on the token
    expectProblem(await api(t, 'POST', `/orders/${id}/claim`, await clerkOf(t, 'ST_BJ_001')), 403); // not offered there
    expectProblem(await api(t, 'GET', '/offers', await t.token('customer', { subject: 'alice' })), 403);
    expectProblem(await api(t, 'GET', `/orders/${id}`, await t.token('brand_admin', { tenant: 'other' })), 404);
    expectProblem(await api(t, 'POST', `/orders/${id}/claim`, await t.token('clerk', { tenant: 'other', store: 'ST_SH_001' })), 404);
    expect((await api(t, 'GET', '/offers', await t.token('clerk', { tenant: 'other', store: 'ST_SH_001' }))).body.items).toEqual([]);
    expectProblem(await api(t, 'GET', `/orders/${id}`, await clerkOf(t, 'ST_SH_001'), { token: '' }), 401);
    expect((await api(t, 'GET', `/orders/${id}`, await clerkOf(t, 'ST_SH_001'))).body.status).toBe('offered');
  });

  it('rejects bad input naming the field, and writes nothing', async () => {
    const id = await offeredOrder(t, [skuSh]);
    const clerk = await clerkOf(t, 'ST_SH_001');
    expectProblem(await api(t, 'GET', '/orders/not%20an%20id!', clerk), 400, 'path.orderId');
    await api(t, 'POST', `/orders/${id}/claim`, clerk);
    expectProblem(await api(t, 'POST', `/orders/${id}/book`, clerk, { body: { carrier: 'SF' } }), 400, 'body.tracking');
    expectProblem(await api(t, 'POST', `/orders/${id}/book`, clerk, { body: { carrier: '', tracking: 'SF1234567890' } }), 400, 'body.carrier');
    expectProblem(await api(t, 'POST', `/orders/${id}/book`, clerk, { body: { carrier: 'SF', tracking: 'x' } }), 400, 'body.tracking');
    expectProblem(await api(t, 'POST', `/orders/${id}/book`, clerk, { body: { carrier: 'SF', tracking: 'SF1234567890', extra: 1 } }), 400);
    expectProblem(await api(t, 'POST', `/orders/${id}/book`, clerk, { raw: '{"carrier":', headers: { 'content-type': 'application/json' } }), 400);
    expectProblem(await api(t, 'GET', '/offers?limit=0', clerk), 400, 'query.limit');
    expectProblem(await api(t, 'POST', '/orders/no-such-order/claim', clerk), 404);
    expect((await api(t, 'GET', `/orders/${id}`, clerk)).body).toMatchObject({ status: 'claimed', tracking: null });
  });

  it('re-offers an unclaimed order to every store, then to the warehouses; a warehouse can claim it', async () => {
    const [sh, bj, wh] = await Promise.all([
      stockedSku(fast, { stock: { ST_SH_001: 50, ST_BJ_001: 5, WH_SH: 2 } }),
      stockedSku(fast, { stock: { ST_BJ_001: 5 } }),
      stockedSku(fast, { stock: { WH_SH: 5 } }),
    ]);
    // Orders that make ST_BJ_001 and WH_SH known from reservations.
    await offeredOrder(fast, [bj], 'bob');
    await offeredOrder(fast, [wh], 'bob');
    const id = await offeredOrder(fast, [sh]);
    const admin = await fast.token('brand_admin');
    await eventually(async () => ((await api(fast, 'GET', `/orders/${id}`, admin)).body.round === 3 ? true : undefined), 'the order to reach round 3');
    expect((await api(fast, 'GET', `/orders/${id}`, admin)).body).toMatchObject({ status: 'offered', round: 3, offeredTo: ['WH_SH'] });
    expect(await publishedData(fast, 'OrderReoffered', id)).toEqual([
      { orderId: id, round: 2, locations: ['ST_BJ_001', 'ST_SH_001'], reason: 'timeout' },
      { orderId: id, round: 3, locations: ['WH_SH'], reason: 'timeout' },
    ]);
    expectProblem(await api(fast, 'POST', `/orders/${id}/claim`, await clerkOf(fast, 'ST_SH_001')), 403);
    expect((await api(fast, 'POST', `/orders/${id}/claim`, await clerkOf(fast, 'WH_SH'))).body).toMatchObject({ status: 'claimed', claimedBy: 'WH_SH' });
    // A claimed order is never re-offered.
    await new Promise((r) => setTimeout(r, 1500));
    expect((await api(fast, 'GET', `/orders/${id}`, admin)).body).toMatchObject({ status: 'claimed', round: 3 });
    expect(await published(fast, 'OrderReoffered', id)).toBe(2);
  });

  it('offers an unclaimed order to every store of the register in round 2; of 100 stores claiming at once, exactly one wins', async () => {
    const admin = await fast.token('brand_admin');
    const day = { open: '10:00', close: '22:00' };
    const codes = Array.from({ length: 100 }, (_, i) => `HZ_${String(i).padStart(3, '0')}`);
    for (const code of codes) {
      const opened = await fast.api('POST', '/api/stores', {
        token: admin,
        idempotencyKey: newKey(),
        body: { code, name: `Hangzhou ${code}`, type: 'store', city: 'Hangzhou', lat: 30.27, lng: 120.15, hours: { mon: day, sat: day } },
      });
      expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    }
    const sku = await stockedSku(fast, { stock: { ST_SH_001: 1 } });
    const id = await offeredOrder(fast, [sku], 'carol');
    await eventually(async () => ((await api(fast, 'GET', `/orders/${id}`, admin)).body.round === 2 ? true : undefined), 'the order to reach round 2');
    expect((await api(fast, 'GET', `/orders/${id}`, admin)).body.offeredTo).toEqual(expect.arrayContaining(codes));
    const tokens = await Promise.all(codes.map((store) => clerkOf(fast, store)));
    const answers = await Promise.all(tokens.map((token) => api(fast, 'POST', `/orders/${id}/claim`, token)));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    for (const a of answers.filter((x) => x.status !== 200)) expectProblem(a, 409);
    expect(await published(fast, 'OrderClaimed', id)).toBe(1);
  });
});
