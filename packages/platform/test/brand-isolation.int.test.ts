import { randomUUID } from 'node:crypto';
import type { TSchema } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLATFORM_TENANT, ROLES, type EventEnvelope, type KitTables, type Role, type RouteDefinition } from '@omnishop/kit';
import { OrderCompleted } from '@omnishop/order/contract';
import { eventually, finalOrder, newKey, publishedEvents, settled, startTestPlatform, stockedSku, type ApiResponse, type TestPlatform } from './harness.js';

/**
 * Brand B probes every route of every service (enumerated from the running
 * services, so a new route is probed without touching this test) with tokens
 * of every role and brand A's ids in its paths and bodies, and finds nothing
 * of brand A: not in answers, lists, error messages or events; and changes
 * nothing of brand A.
 */
const A = 'acme';
const B = 'globex';
/** Every value of brand A's data that B never has a reason to send: seen in an answer to B, it is a leak. */
const SECRET = `acmesecret${randomUUID().slice(0, 8)}`;

interface Probe {
  service: string;
  method: string;
  url: string;
  role: Role;
  status: number;
  body: unknown;
  sent: string;
}

describe('brand isolation: brand B probes every route with brand A ids and finds nothing', () => {
  let t: TestPlatform;
  /** Brand A's ids, by the names routes give them in paths and bodies. */
  const ids: Record<string, string[]> = {};
  /** Values of brand A that must never reach B unless B sent them. */
  const aData: string[] = [];
  let aViews: () => Promise<unknown[]>;
  const probes: Probe[] = [];

  beforeAll(async () => {
    t = await startTestPlatform();
    const admin = await t.token('brand_admin', { tenant: A });
    const store = 'AC_PROBE_1';
    const customer = `acme-customer-${randomUUID().slice(0, 8)}`;
    const alice = await t.token('customer', { tenant: A, subject: customer });
    const clerk = await t.token('clerk', { tenant: A, store: 'ST_SH_001' });
    const post = async (path: string, token: string, body: unknown, status = 201) => {
      const res = await t.api('POST', path, { token, idempotencyKey: newKey(), body });
      expect(res.status, `${path}: ${JSON.stringify(res.body)}`).toBe(status);
      return res.body;
    };

    // Brand A, through its API: brand, catalogue and stock, a store with staff and a terminal,
    // a campaign with a coupon, a member, an order offered to a store, a payment, a dead letter.
    expect((await t.api('PUT', '/api/catalog/brand', { token: admin, body: { name: `Acme ${SECRET}` } })).status).toBe(200);
    const sku = await stockedSku(t, { tenant: A, price: 10_000, stock: { ST_SH_001: 20, WH_SH: 20 } });
    const style = sku.split('-')[0]!;
    await post('/api/stores', admin, {
      code: store,
      name: `Store ${SECRET}`,
      type: 'store',
      city: 'Shanghai',
      lat: 31.23,
      lng: 121.47,
      hours: Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, { open: '10:00', close: '22:00' }])),
    });
    const staff = (await post(`/api/stores/${store}/staff`, admin, { name: `Clerk ${SECRET}`, role: 'clerk' })) as { id: string };
    await post(`/api/stores/${store}/terminals`, admin, { code: 'T1' });
    const campaign = `CAMP${SECRET.slice(-8).toUpperCase()}`;
    await post('/api/promotions/campaigns', admin, { code: campaign, name: `Campaign ${SECRET}`, startsAt: '2020-01-01T00:00:00Z', endsAt: '2099-01-01T00:00:00Z', budget: 100_000 });
    const template = `TPL${SECRET.slice(-8).toUpperCase()}`;
    await post('/api/promotions/templates', admin, { code: template, campaign, kind: 'fixed', amount: 500 });
    const coupon = (await post('/api/promotions/coupons', admin, { template, customerId: customer })) as { code: string };
    expect((await t.api('PUT', '/api/customers/me', { token: alice, body: { name: `Member ${SECRET}` } })).status).toBe(200);
    const placed = (await post('/api/orders', alice, { lines: [{ sku, qty: 1 }] })) as { id: string };
    expect((await finalOrder(t, alice, placed.id)).status).toBe('confirmed');
    await eventually(async () => ((await t.api('GET', `/api/fulfilment/orders/${placed.id}`, { token: admin })).status === 200 ? true : undefined), 'the order to be offered');
    const intent = (await t.api('GET', `/api/payments/intents?orderId=${placed.id}`, { token: admin })).body.items[0] as { id: string };
    const sale = (await post('/api/orders/sales', clerk, { lines: [{ sku, qty: 1 }], paymentMethod: 'cash' })) as { id: string };
    expect((await finalOrder(t, clerk, sale.id)).status).toBe('completed');
    const customerService = t.platform.runtimes.find((r) => r.name === 'customer')!;
    const broken: EventEnvelope = {
      id: randomUUID(),
      type: OrderCompleted.type,
      version: 99, // no handler for it: dead-lettered at once
      source: 'order',
      key: placed.id,
      tenant: A,
      time: new Date().toISOString(),
      headers: {},
      data: { orderId: placed.id, note: SECRET },
    };
    await customerService.consumer.handleOne(broken);
    const deadLetter = `customer:${broken.id}`;
    await settled(t);

    Object.assign(ids, {
      sku: [sku],
      code: [style, store, campaign, template, coupon.code],
      id: [placed.id, sale.id, intent.id, customer, staff.id, deadLetter],
      orderId: [placed.id, sale.id],
      customerId: [customer],
      template: [template],
      campaign: [campaign],
      location: [store, 'ST_SH_001'],
      store: [store],
      style: [style],
      intentId: [intent.id],
    });
    aData.push(SECRET, placed.id, intent.id, deadLetter, broken.id, coupon.code, staff.id);

    /** What brand A sees of its own data; the probe must leave all of it as it was. */
    const operatorA = await t.token('operator', { tenant: A });
    aViews = async () =>
      Promise.all(
        [
          t.api('GET', `/api/orders/${placed.id}`, { token: alice }),
          t.api('GET', `/api/stores/${store}`, { token: admin }),
          t.api('GET', `/api/stores/${store}/staff`, { token: admin }),
          t.api('GET', `/api/inventory/stock?sku=${sku}`, { token: admin }),
          t.api('GET', `/api/catalog/styles/${style}`, { token: admin }),
          t.api('GET', `/api/promotions/campaigns/${campaign}`, { token: admin }),
          t.api('GET', '/api/promotions/wallet', { token: alice }),
          t.api('GET', '/api/customers/me', { token: alice }),
          t.api('GET', `/api/payments/intents/${intent.id}`, { token: admin }),
          t.api('GET', `/api/fulfilment/orders/${placed.id}`, { token: admin }),
          t.api('GET', '/api/catalog/brand', { token: admin }),
          t.api('GET', '/api/customers/admin/dead-letters', { token: operatorA }),
        ].map(async (res) => {
          const r = await res;
          return { status: r.status, body: r.body };
        }),
      );
  });
  afterAll(() => t?.stop());

  /** Each route of each running service, its dead-letter admin routes included. */
  function everyRoute(): { service: string; prefix: string; route: RouteDefinition<KitTables> }[] {
    return t.platform.runtimes.flatMap((r) => [...r.def.routes, ...r.adminRoutes()].map((route) => ({ service: r.name, prefix: r.def.prefix, route })));
  }

  /** The ways to fill a route's path with brand A's ids: every candidate for each parameter. */
  function pathsOf(url: string): string[] {
    const params = [...url.matchAll(/:(\w+)/g)].map((m) => m[1]!);
    let paths = [url];
    for (const p of params) paths = paths.flatMap((path) => (ids[p] ?? ['x']).map((v) => path.replace(`:${p}`, encodeURIComponent(v))));
    return paths;
  }

  /** A body shaped by the route's schema, with brand A's ids wherever a field names one. */
  function sample(schema: TSchema | undefined, name = ''): unknown {
    if (!schema) return undefined;
    if (ids[name]) return schema.type === 'array' ? ids[name] : ids[name]![0];
    if (schema.const !== undefined) return schema.const;
    if (schema.anyOf) return sample(schema.anyOf[0], name);
    if (schema.enum) return schema.enum[0];
    switch (schema.type) {
      case 'object':
        return Object.fromEntries(Object.entries((schema.properties ?? {}) as Record<string, TSchema>).map(([k, s]) => [k, sample(s, k)]));
      case 'array':
        return [sample(schema.items as TSchema, name)];
      case 'integer':
      case 'number':
        return Math.max(1, schema.minimum ?? 1);
      case 'boolean':
        return true;
      case 'string':
        return schema.format === 'date-time' ? new Date().toISOString() : 'probe';
      default:
        return null;
    }
  }

  async function probe(token: string, role: Role, service: string, prefix: string, route: RouteDefinition<KitTables>, path: string): Promise<void> {
    const body = sample(route.body);
    const res: ApiResponse<unknown> = await t.api(route.method, prefix + path, {
      token,
      ...(body !== undefined ? { body } : {}),
      ...(route.idempotent ? { idempotencyKey: newKey() } : {}),
    });
    probes.push({ service, method: route.method, url: route.url, role, status: res.status, body: res.body, sent: decodeURIComponent(path) + JSON.stringify(body ?? '') });
  }

  it('answers 4xx to every route given brand A ids, lists none of them, leaks nothing, emits nothing for A and changes nothing of A', async () => {
    const before = await aViews();
    const types = t.platform.runtimes.flatMap((r) => (r.def.emits ?? []).map((e) => e.type));
    const fromSeq = (await publishedEvents(t, { types })).length;
    const tokens = await Promise.all(ROLES.map(async (role) => [role, await t.token(role, { tenant: B, subject: String(ids.customerId![0]), store: ids.store![0] })] as const));
    const routes = everyRoute();
    // Routes that take an id in the path first, before B creates anything of its own under A's codes.
    const withIds = routes.filter((r) => r.route.url.includes(':'));
    const without = routes.filter((r) => !r.route.url.includes(':'));
    for (const { service, prefix, route } of withIds) {
      for (const path of pathsOf(route.url)) for (const [role, token] of tokens) await probe(token, role, service, prefix, route, path);
    }
    const pathProbes = probes.length;
    for (const { service, prefix, route } of without) for (const [role, token] of tokens) await probe(token, role, service, prefix, route, route.url);
    await settled(t);

    const wrong: string[] = [];
    for (const [n, p] of probes.entries()) {
      const text = JSON.stringify(p.body);
      const where = `${p.role} ${p.method} ${p.service}${p.url} -> ${p.status}`;
      if (p.status >= 500) wrong.push(`${where}: server error ${text}`);
      if (n < pathProbes && p.status < 400) wrong.push(`${where}: answered brand A's id with success`);
      const leaked = aData.filter((value) => text.includes(value) && !p.sent.includes(value));
      if (leaked.length) wrong.push(`${where}: leaked ${leaked.join(', ')} in ${text.slice(0, 300)}`);
    }
    expect(wrong, wrong.join('\n')).toEqual([]);
    expect(probes.length).toBeGreaterThan(routes.length * ROLES.length);

    // Everything B's calls made happen is B's: not one event of brand A.
    const emitted = (await publishedEvents(t, { types })).slice(fromSeq);
    expect(emitted.filter((e) => e.tenant !== B).map((e) => `${e.type} ${e.tenant}`)).toEqual([]);
    expect(await aViews()).toEqual(before);
  });

  it("keeps dead letters per brand: a brand's operator sees and replays only its own, a platform operator every brand's", async () => {
    const deadLetter = ids.id!.find((id) => id.startsWith('customer:'))!;
    const list = async (tenant: string) =>
      ((await t.api('GET', '/api/customers/admin/dead-letters', { token: await t.token('operator', { tenant }) })).body as { items: { id: string }[] }).items.map((i) => i.id);
    expect(await list(B)).not.toContain(deadLetter);
    expect(await list(A)).toContain(deadLetter);
    expect(await list(PLATFORM_TENANT)).toContain(deadLetter);
    const replay = await t.api('POST', `/api/customers/admin/dead-letters/${encodeURIComponent(deadLetter)}/replay`, { token: await t.token('operator', { tenant: B }) });
    expect(replay.status).toBe(404);
    expect(JSON.stringify(replay.body)).not.toContain(SECRET);
    expect(await list(A)).toContain(deadLetter);
  });
});
