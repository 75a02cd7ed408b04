import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProblemBody } from '@omnishop/kit';
import { finalOrder, newKey, settled, startTestPlatform, stockedSku, type ApiOptions, type ApiResponse, type TestPlatform } from '../../../packages/platform/test/harness.js';

/**
 * The promotion service over real HTTP, with the catalogue feeding its prices
 * and the order service's cancellations undoing its redemptions.
 */
describe('promotion: campaigns, coupons, one cart pricing, single-use redemption', () => {
  let t: TestPlatform;
  let admin: string;
  let alice: string;
  let bob: string;
  let clerk: string;
  /** An acme SKU at 100.00, with stock for orders. */
  let sku: string;
  let n = 0;

  beforeAll(async () => {
    t = await startTestPlatform();
    admin = await t.token('brand_admin');
    alice = await t.token('customer', { subject: 'alice' });
    bob = await t.token('customer', { subject: 'bob' });
    clerk = await t.token('clerk', { store: 'ST_SH_001' });
    sku = await stockedSku(t, { price: 10_000, stock: { WH_SH: 100 } });
    await settled(t);
  });
  afterAll(() => t?.stop());

  const api = <T = any>(method: string, path: string, token: string, opts: ApiOptions = {}) => t.api<T>(method, `/api/promotions${path}`, { token, ...opts }); // eslint-disable-line @typescript-eslint/no-explicit-any
  const post = (path: string, token: string, body: unknown, opts: ApiOptions = {}) => api('POST', path, token, { idempotencyKey: newKey(), body, ...opts });
  const unique = (prefix: string) => `${prefix}${++n}`;

  function expectProblem(res: ApiResponse<ProblemBody>, status: number, field?: string): void {
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body).toMatchObject({ type: expect.stringMatching(/^https:\/\/omnishop\.dev\/problems\/[a-z-]+$/), status });
    if (field) expect(res.body.errors?.map((e) => e.field), JSON.stringify(res.body)).toContain(field);
  }

  /** A live campaign and one template in it; returns the template code. */
  async function offer(terms: Record<string, unknown>, campaign: { budget?: number; startsAt?: string; endsAt?: string } = {}) {
    const code = unique('C');
    const made = await post('/campaigns', admin, {
      code,
      name: 'Singles Day',
      startsAt: campaign.startsAt ?? '2020-01-01T00:00:00Z',
      endsAt: campaign.endsAt ?? '2099-01-01T00:00:00Z',
      budget: campaign.budget ?? 1_000_000,
    });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const template = unique('T');
    const res = await post('/templates', admin, { code: template, campaign: code, ...terms });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return { campaign: code, template };
  }

  async function issue(template: string, customerId: string): Promise<string> {
    const res = await post('/coupons', admin, { template, customerId });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.code;
  }

  const spent = async (campaign: string) => (await api('GET', `/campaigns/${campaign}`, admin)).body.spent;
  const walletStatus = async (code: string, token = alice) =>
    ((await api('GET', '/wallet', token)).body.items as { code: string; status: string }[]).find((c) => c.code === code)?.status;
  const redeem = (code: string, token: string, body: Record<string, unknown> = {}) =>
    api('POST', `/coupons/${code}/redeem`, token, { body: { orderId: randomUUID(), customerId: 'alice', lines: [{ sku, qty: 1 }], ...body } });

  it('a brand admin creates campaigns and templates, idempotently', async () => {
    const body = { code: 'SPRING', name: 'Spring sale', startsAt: '2025-03-01T00:00:00+08:00', endsAt: '2099-04-01T00:00:00+08:00', budget: 5_000_000 };
    const key = newKey();
    const first = await post('/campaigns', admin, body, { idempotencyKey: key });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ code: 'SPRING', startsAt: '2025-02-28T16:00:00.000Z', budget: 5_000_000, spent: 0, remaining: 5_000_000 });
    const again = await post('/campaigns', admin, body, { idempotencyKey: key });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expectProblem(await post('/campaigns', admin, body), 409);
    expect((await api('GET', '/campaigns/SPRING', clerk)).body).toEqual(first.body);

    const tkey = newKey();
    const tbody = { code: 'SPRING10', campaign: 'SPRING', kind: 'percent', percent: 10 };
    const template = await post('/templates', admin, tbody, { idempotencyKey: tkey });
    expect(template.status).toBe(201);
    expect(template.body).toMatchObject({ code: 'SPRING10', campaign: 'SPRING', kind: 'percent', percent: 10, amount: null, perCustomerLimit: 1, description: '10% off' });
    expect((await post('/templates', admin, tbody, { idempotencyKey: tkey })).body).toEqual(template.body);
    expectProblem(await post('/templates', admin, tbody), 409);
  });

  it("issues coupons to a customer's wallet, within the per-customer limit", async () => {
    const { template } = await offer({ kind: 'fixed', amount: 2_000, perCustomerLimit: 2 });
    const key = newKey();
    const first = await post('/coupons', admin, { template, customerId: 'alice' }, { idempotencyKey: key });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ customerId: 'alice', status: 'issued', template, description: '20.00 off', redeemedOrder: null });
    expect(first.body.code).toMatch(/^[2-9A-HJ-NP-Z]{12}$/);
    // A retried issue is the same coupon, not a second one.
    expect((await post('/coupons', admin, { template, customerId: 'alice' }, { idempotencyKey: key })).body.code).toBe(first.body.code);
    const second = await issue(template, 'alice');
    expectProblem(await post('/coupons', admin, { template, customerId: 'alice' }), 422, 'body.customerId');
    await issue(template, 'bob'); // the limit is per customer

    const wallet = await api('GET', '/wallet', alice);
    expect(wallet.status).toBe(200);
    const mine = (wallet.body.items as { code: string }[]).map((c) => c.code);
    expect(mine.indexOf(second)).toBeLessThan(mine.indexOf(first.body.code)); // newest first
    expect((await api('GET', `/wallet?customerId=alice`, clerk)).body.items.map((c: { code: string }) => c.code)).toEqual(mine);
    expect((await api('GET', '/wallet', bob)).body.items.map((c: { code: string }) => c.code)).not.toContain(second);

    const page = await api('GET', '/wallet?limit=1', alice);
    expect(page.body.items).toHaveLength(1);
    const next = await api('GET', `/wallet?limit=1&cursor=${page.body.nextCursor}`, alice);
    expect(next.body.items[0].code).toBe(mine[1]);
    expect((await api('GET', '/wallet?status=redeemed', alice)).body.items.every((c: { status: string }) => c.status === 'redeemed')).toBe(true);
  });

  it('the per-customer limit holds when issues race', async () => {
    const { template } = await offer({ kind: 'fixed', amount: 100, perCustomerLimit: 3 });
    const results = await Promise.all(Array.from({ length: 12 }, () => post('/coupons', admin, { template, customerId: 'carol' })));
    expect(results.filter((r) => r.status === 201)).toHaveLength(3);
    for (const r of results.filter((r) => r.status !== 201)) expectProblem(r, 422, 'body.customerId');
    expect((await api('GET', '/wallet?customerId=carol', clerk)).body.items).toHaveLength(3);
  });

  it('prices a cart with and without coupons, saying why each coupon applies or not, and changes nothing', async () => {
    const ten = await offer({ kind: 'percent', percent: 10 });
    const spend = await offer({ kind: 'threshold', amount: 5_000, threshold: 30_000 });
    const later = await offer({ kind: 'fixed', amount: 1_000 }, { startsAt: '2098-01-01T00:00:00Z' });
    const tenCode = await issue(ten.template, 'alice');
    const spendCode = await issue(spend.template, 'alice');
    const laterCode = await issue(later.template, 'alice');
    const bobsCode = await issue(ten.template, 'bob');

    const plain = await post('/price', alice, { lines: [{ sku, qty: 2 }] });
    expect(plain.status).toBe(200);
    expect(plain.body).toEqual({
      customerId: 'alice',
      currency: 'CNY',
      lines: [{ sku, qty: 2, unitPrice: 10_000, subtotal: 20_000, discount: 0, total: 20_000, discounts: [] }],
      coupons: [],
      subtotal: 20_000,
      discount: 0,
      total: 20_000,
    });

    const coupons = [tenCode, spendCode, laterCode, bobsCode, 'ZZZZZZZZZZZZ'];
    const priced = await post('/price', alice, { lines: [{ sku, qty: 2 }], coupons });
    expect(priced.status).toBe(200);
    expect(priced.body).toMatchObject({ subtotal: 20_000, discount: 2_000, total: 18_000 });
    expect(priced.body.coupons.map((c: { reason: string }) => c.reason)).toEqual([
      `COUPON ${tenCode}: 10% off`,
      `COUPON ${spendCode}: not applied, spend 200.00 is below the threshold 300.00`,
      `COUPON ${laterCode}: not applied, outside the campaign window: ${later.campaign} starts 2098-01-01T00:00:00.000Z`,
      `COUPON ${bobsCode}: not applied, not this customer's coupon`,
      'COUPON ZZZZZZZZZZZZ: not applied, not a coupon of this brand',
    ]);
    expect(priced.body.lines[0].discounts).toEqual([{ coupon: tenCode, amount: 2_000 }]);

    // At the till: the clerk prices for the customer whose wallet was scanned; the spend now reaches the threshold.
    const till = await post('/price', clerk, { lines: [{ sku, qty: 3 }], customerId: 'alice', coupons: [spendCode, tenCode] });
    expect(till.body).toMatchObject({ customerId: 'alice', subtotal: 30_000, discount: 3_000 + 5_000, total: 22_000 });
    // Without naming the customer, no coupon is anybody's.
    expect((await post('/price', clerk, { lines: [{ sku, qty: 1 }], coupons: [tenCode] })).body.coupons[0].rejection).toBe('not_customers_coupon');

    // Pricing is a computation: nothing was redeemed or spent.
    expect(await walletStatus(tenCode)).toBe('issued');
    expect(await spent(ten.campaign)).toBe(0);
  });

  it('of 50 redemptions of one coupon at the same instant, from tills and the web, exactly one wins', async () => {
    const { campaign, template } = await offer({ kind: 'fixed', amount: 2_000 });
    const code = await issue(template, 'alice');
    const tokens = [clerk, alice, admin, await t.token('store_manager', { store: 'ST_BJ_002' })];
    const orders = Array.from({ length: 50 }, () => randomUUID());
    const results = await Promise.all(orders.map((orderId, i) => redeem(code, tokens[i % tokens.length]!, { orderId })));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(49);
    for (const loser of results.filter((r) => r.status === 409)) expectProblem(loser, 409);
    const winner = results.find((r) => r.status === 201)!;
    expect(winner.body).toMatchObject({ code, status: 'redeemed', customerId: 'alice', discount: 2_000, campaign, template });
    expect(await spent(campaign)).toBe(2_000);
    expect(await walletStatus(code)).toBe('redeemed');

    // The till lost the answer and asks again for the same order: the same redemption, charged once.
    const retry = await redeem(code, clerk, { orderId: winner.body.orderId });
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual(winner.body);
    expect(await spent(campaign)).toBe(2_000);
    // And pricing now says why it no longer applies.
    expect((await post('/price', alice, { lines: [{ sku, qty: 1 }], coupons: [code] })).body.coupons[0].reason).toBe(`COUPON ${code}: not applied, already redeemed`);
  });

  it('a campaign never spends past its budget', async () => {
    const { campaign, template } = await offer({ kind: 'fixed', amount: 1_000, perCustomerLimit: 5 }, { budget: 2_500 });
    const codes = [await issue(template, 'alice'), await issue(template, 'alice'), await issue(template, 'alice')];
    const results = await Promise.all(codes.map((code) => redeem(code, clerk)));
    expect(results.map((r) => r.status).sort()).toEqual([201, 201, 409]);
    const refused = results.find((r) => r.status === 409)!;
    expectProblem(refused, 409);
    expect(refused.body.type).toMatch(/budget-exhausted$/);
    expect(await spent(campaign)).toBe(2_000);
    const left = codes[results.findIndex((r) => r.status === 409)]!;
    expect(await walletStatus(left)).toBe('issued');
    const priced = await post('/price', alice, { lines: [{ sku, qty: 1 }], coupons: [left] });
    expect(priced.body.coupons[0]).toMatchObject({ applied: false, rejection: 'budget_exhausted', reason: `COUPON ${left}: not applied, the budget of campaign ${campaign} is exhausted` });
  });

  it('cancelling the order gives the coupon back to the wallet and the discount back to the budget', async () => {
    const { campaign, template } = await offer({ kind: 'percent', percent: 15 });
    const code = await issue(template, 'alice');
    const placed = await t.api('POST', '/api/orders', { token: alice, idempotencyKey: newKey(), body: { lines: [{ sku, qty: 2 }] } });
    expect(placed.status).toBe(201);
    expect((await finalOrder(t, alice, placed.body.id)).status).toBe('confirmed');

    const redeemed = await redeem(code, alice, { orderId: placed.body.id, lines: [{ sku, qty: 2 }] });
    expect(redeemed.status).toBe(201);
    expect(redeemed.body.discount).toBe(3_000);
    expect(await spent(campaign)).toBe(3_000);

    expect((await t.api('POST', `/api/orders/${placed.body.id}/cancel`, { token: admin })).status).toBe(200);
    await settled(t);
    const wallet = (await api('GET', '/wallet', alice)).body.items.find((c: { code: string }) => c.code === code);
    expect(wallet).toMatchObject({ status: 'issued', redeemedOrder: null, redeemedAt: null, discount: null });
    expect(await spent(campaign)).toBe(0);

    // A redemption for the cancelled order that arrives late is refused, not left for ever.
    const late = await redeem(code, alice, { orderId: placed.body.id });
    expectProblem(late, 409);
    expect(late.body.type).toMatch(/order-closed$/);
    // The coupon is good for another order.
    expect((await redeem(code, alice)).status).toBe(201);
  });

  it('an order rejected for lack of stock closes too: no coupon can be redeemed for it', async () => {
    const { template } = await offer({ kind: 'fixed', amount: 500 });
    const code = await issue(template, 'alice');
    const scarce = await stockedSku(t, { stock: { WH_SH: 1 } });
    const placed = await t.api('POST', '/api/orders', { token: alice, idempotencyKey: newKey(), body: { lines: [{ sku: scarce, qty: 5 }] } });
    expect((await finalOrder(t, alice, placed.body.id)).status).toBe('rejected');
    await settled(t);
    expectProblem(await redeem(code, alice, { orderId: placed.body.id }), 409);
    expect(await walletStatus(code)).toBe('issued');
  });

  it('each role does only its part', async () => {
    const { campaign, template } = await offer({ kind: 'fixed', amount: 500 });
    const code = await issue(template, 'alice');
    const operator = await t.token('operator');
    const campaignBody = { code: unique('C'), name: 'x', startsAt: '2020-01-01T00:00:00Z', endsAt: '2099-01-01T00:00:00Z', budget: 1 };
    expectProblem(await post('/campaigns', clerk, campaignBody), 403);
    expectProblem(await post('/campaigns', alice, campaignBody), 403);
    expectProblem(await post('/templates', clerk, { code: unique('T'), campaign, kind: 'fixed', amount: 1 }), 403);
    expectProblem(await post('/coupons', clerk, { template, customerId: 'alice' }), 403);
    expectProblem(await post('/coupons', alice, { template, customerId: 'alice' }), 403);
    expectProblem(await api('GET', `/campaigns/${campaign}`, alice), 403);
    expectProblem(await post('/price', operator, { lines: [{ sku, qty: 1 }] }), 403);
    expectProblem(await redeem(code, operator), 403);
    expectProblem(await api('GET', '/wallet', ''), 401);

    // Customers act for themselves only.
    expectProblem(await post('/price', alice, { lines: [{ sku, qty: 1 }], customerId: 'bob' }), 403);
    expectProblem(await api('GET', '/wallet?customerId=bob', alice), 403);
    expectProblem(await redeem(code, bob, { customerId: 'alice' }), 403);
    // To bob, alice's coupon does not exist; a clerk naming the wrong customer is told which field is wrong.
    expectProblem(await redeem(code, bob, { customerId: 'bob' }), 404);
    expectProblem(await redeem(code, clerk, { customerId: 'bob' }), 422, 'body.customerId');
    expect(await walletStatus(code)).toBe('issued');
  });

  it('another brand sees and changes none of it', async () => {
    const { campaign, template } = await offer({ kind: 'fixed', amount: 500 });
    const code = await issue(template, 'alice');
    const globexAdmin = await t.token('brand_admin', { tenant: 'globex' });
    const globexAlice = await t.token('customer', { tenant: 'globex', subject: 'alice' });
    const globexClerk = await t.token('clerk', { tenant: 'globex', store: 'G1' });
    const globexSku = await stockedSku(t, { tenant: 'globex', stock: {} });
    await settled(t);

    expectProblem(await api('GET', `/campaigns/${campaign}`, globexAdmin), 404);
    expect((await api('GET', '/wallet', globexAlice)).body.items).toEqual([]);
    expectProblem(await post('/coupons', globexAdmin, { template, customerId: 'alice' }), 422, 'body.template');
    expectProblem(await post('/templates', globexAdmin, { code: unique('T'), campaign, kind: 'fixed', amount: 1 }), 422, 'body.campaign');
    expectProblem(await redeem(code, globexClerk, { lines: [{ sku: globexSku, qty: 1 }] }), 404);
    const priced = await post('/price', globexAlice, { lines: [{ sku: globexSku, qty: 1 }], coupons: [code] });
    expect(priced.body.coupons[0].rejection).toBe('unknown');
    expectProblem(await post('/price', globexAlice, { lines: [{ sku, qty: 1 }] }), 422, 'body.lines.0.sku');
    // The same campaign code is free in another brand.
    expect((await post('/campaigns', globexAdmin, { code: campaign, name: 'x', startsAt: '2020-01-01T00:00:00Z', endsAt: '2099-01-01T00:00:00Z', budget: 1 })).status).toBe(201);
    expect(await walletStatus(code)).toBe('issued');
  });

  it('refuses bad input with a problem naming the field, and writes nothing', async () => {
    const { campaign, template } = await offer({ kind: 'fixed', amount: 500 });
    const code = await issue(template, 'alice');
    const good = { code: unique('C'), name: 'x', startsAt: '2020-01-01T00:00:00Z', endsAt: '2099-01-01T00:00:00Z', budget: 1_000 };
    const cases: [Promise<ApiResponse<ProblemBody>>, number, string?][] = [
      [post('/campaigns', admin, { ...good, endsAt: '2019-01-01T00:00:00Z' }), 400, 'body.endsAt'],
      [post('/campaigns', admin, { ...good, startsAt: 'tomorrow' }), 400, 'body.startsAt'],
      [post('/campaigns', admin, { ...good, budget: -1 }), 400, 'body.budget'],
      [post('/campaigns', admin, { ...good, budget: 1.5 }), 400, 'body.budget'],
      [post('/campaigns', admin, { ...good, code: 'has space' }), 400, 'body.code'],
      [post('/campaigns', admin, { ...good, spent: 0 }), 400, 'body.spent'],
      [post('/campaigns', admin, good, { idempotencyKey: '' }), 400, 'header.idempotency-key'],
      [post('/campaigns', admin, undefined, { raw: '{"code":' }), 400],
      [post('/templates', admin, { code: unique('T'), campaign, kind: 'fixed' }), 400, 'body.amount'],
      [post('/templates', admin, { code: unique('T'), campaign, kind: 'percent', percent: 150 }), 400, 'body.percent'],
      [post('/templates', admin, { code: unique('T'), campaign, kind: 'percent', percent: 10, amount: 5 }), 400, 'body.amount'],
      [post('/templates', admin, { code: unique('T'), campaign, kind: 'threshold', amount: 5_000, threshold: 100 }), 400, 'body.amount'],
      [post('/templates', admin, { code: unique('T'), campaign, kind: 'bogo' }), 400, 'body.kind'],
      [post('/templates', admin, { code: unique('T'), campaign, kind: 'fixed', amount: 1, perCustomerLimit: 0 }), 400, 'body.perCustomerLimit'],
      [post('/templates', admin, { code: unique('T'), campaign: 'NOPE', kind: 'fixed', amount: 1 }), 422, 'body.campaign'],
      [post('/coupons', admin, { template: 'NOPE', customerId: 'alice' }), 422, 'body.template'],
      [post('/coupons', admin, { template, customerId: 'has space' }), 400, 'body.customerId'],
      [post('/coupons', admin, { template }), 400, 'body.customerId'],
      [post('/price', alice, { lines: [] }), 400, 'body.lines'],
      [post('/price', alice, { lines: [{ sku, qty: 0 }] }), 400, 'body.lines.0.qty'],
      [post('/price', alice, { lines: [{ sku, qty: '1' }] }), 400, 'body.lines.0.qty'],
      [post('/price', alice, { lines: [{ sku: 'NOPE-BLK-M', qty: 1 }] }), 422, 'body.lines.0.sku'],
      [post('/price', alice, { lines: [{ sku, qty: 1 }, { sku, qty: 1 }] }), 422, 'body.lines.1.sku'],
      [post('/price', alice, { lines: [{ sku, qty: 1 }], coupons: ['lower-case-no'] }), 400, 'body.coupons.0'],
      [post('/price', alice, { lines: [{ sku, qty: 1 }], coupons: [code, code] }), 400, 'body.coupons'],
      [api('GET', '/wallet', clerk), 400, 'query.customerId'],
      [api('GET', '/wallet?cursor=garbage', alice), 400, 'query.cursor'],
      [api('GET', '/wallet?limit=0', alice), 400, 'query.limit'],
      [api('GET', '/campaigns/has%20space', admin), 400, 'path.code'],
      [redeem('0000OOOO1111', clerk), 400, 'path.code'],
      [redeem(code, clerk, { orderId: undefined }), 400, 'body.orderId'],
      [redeem(code, clerk, { lines: undefined }), 400, 'body.lines'],
      [redeem(code, clerk, { lines: [{ sku: 'NOPE-BLK-M', qty: 1 }] }), 422, 'body.lines.0.sku'],
      [redeem(code, clerk, { orderId: 'has space' }), 400, 'body.orderId'],
      [redeem('ZZZZZZZZZZZZ', clerk), 404],
    ];
    for (const [i, [res, status, field]] of cases.entries()) {
      const r = await res;
      expect(r.status, `case ${i}: ${JSON.stringify(r.body)}`).toBe(status);
      expectProblem(r, status, field);
    }
    expect(await walletStatus(code)).toBe('issued');
    expect(await spent(campaign)).toBe(0);
  });

  it('a threshold or expired coupon cannot be redeemed where it would not price', async () => {
    const spend = await offer({ kind: 'threshold', amount: 5_000, threshold: 30_000 });
    const code = await issue(spend.template, 'alice');
    expectProblem(await redeem(code, clerk, { lines: [{ sku, qty: 2 }] }), 422, 'body.lines');
    expect((await redeem(code, clerk, { lines: [{ sku, qty: 3 }] })).body.discount).toBe(5_000);

    // A campaign that ends in a moment: its coupon is issued while it runs, then offered after.
    const endsAt = Date.now() + 2_000;
    const ended = await offer({ kind: 'fixed', amount: 500 }, { startsAt: '2020-01-01T00:00:00Z', endsAt: new Date(endsAt).toISOString() });
    const late = await issue(ended.template, 'alice');
    await new Promise((r) => setTimeout(r, endsAt - Date.now() + 50));
    expectProblem(await redeem(late, clerk), 422, 'path.code');
    expectProblem(await post('/coupons', admin, { template: ended.template, customerId: 'alice' }), 422, 'body.template');
  });
});
