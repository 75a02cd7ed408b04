import { randomUUID } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tokenAuthority } from '@omnishop/kit';
import { DEMO_JWT_SECRET } from '../src/config.js';
import { eventually, freshPostgresDatabase, newKey, openStore, request } from './harness.js';
import { exited, launch } from './processes.js';

const auth = tokenAuthority(DEMO_JWT_SECRET);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const api = (url: string, method: string, path: string, opts: Parameters<typeof request>[3] = {}) => request<any>(url, method, path, opts);

/**
 * Distributed mode is configuration: the same services, each its own process
 * (inventory twice, sharing its consumer group), on PostgreSQL and NATS
 * JetStream, with no code changed.
 */
describe('distributed: one process per service on PostgreSQL and NATS JetStream', () => {
  const children: ChildProcess[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'omnishop-dist-'));
  let dropDatabase: (() => Promise<void>) | undefined;
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await dropDatabase?.();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('places orders across processes: replicas share the work, each event takes effect once', async () => {
    const database = await freshPostgresDatabase();
    if (!database) throw new Error('OMNISHOP_TEST_POSTGRES is not set');
    dropDatabase = database.drop;
    const env = {
      DATABASE_URL: database.url,
      BUS_URL: process.env.OMNISHOP_TEST_NATS ?? 'nats://127.0.0.1:4222',
      BUS_STREAM: `T${randomUUID().replace(/-/g, '').slice(0, 12)}`,
      DATA_DIR: dataDir,
      PAYMENT_LATENCY_MS: '20',
    };
    const start = async (service: string, more: Record<string, string> = {}) => {
      const p = await launch({ ...env, SERVICES: service, ...more });
      children.push(p.child);
      return p.url;
    };
    const catalog = await start('catalog');
    const store = await start('store');
    const inventory = [await start('inventory'), await start('inventory')];
    const order = await start('order');
    // Orders are paid before they are confirmed: the payment process, whose simulated wallet provider calls it back.
    const payment = await start('payment');
    // The single public entry: sign-in here, every other service forwarded to its own process.
    const gateway = await start('gateway', { UPSTREAMS: `catalog=${catalog},inventory=${inventory[0]},order=${order},payment=${payment}` });
    expect((await api(order, 'GET', '/api')).body.services.map((s: { name: string }) => s.name)).toEqual(['order']);
    expect((await api(order, 'GET', '/health/ready')).body.checks).toEqual({ bus: 'ok', order: 'ok' });

    const admin = await auth.mint({ subject: 'admin', tenant: 'acme', role: 'brand_admin' });
    const style = await api(catalog, 'POST', '/api/catalog/styles', {
      token: admin,
      idempotencyKey: newKey(),
      body: { code: 'DIST1', name: 'Distributed Tee', category: 'tops', price: 5000, colours: [{ code: 'BLK', name: 'Black' }], sizes: ['M'] },
    });
    expect(style.status).toBe(201);
    const sku = 'DIST1-BLK-M';
    await eventually(async () => ((await api(inventory[1]!, 'GET', `/api/inventory/stock?sku=${sku}`, { token: admin })).status === 200 ? true : undefined), 'SKU in inventory');
    await openStore(store, admin, 'acme', 'WH_SH');
    // Inventory learns the warehouse from StoreOpened over the bus; until then a receipt there is a 422.
    await eventually(
      async () => ((await api(inventory[0]!, 'POST', '/api/inventory/movements', { token: admin, idempotencyKey: newKey(), body: { sku, location: 'WH_SH', kind: 'receive', qty: 20 } })).status === 201 ? true : undefined),
      'stock received at WH_SH',
    );

    const buyers = await Promise.all(Array.from({ length: 40 }, (_, i) => auth.mint({ subject: `buyer-${i}`, tenant: 'acme', role: 'customer' })));
    // The order service learns the price from SkuCreated over the bus; until then placement is a 422.
    await eventually(async () => {
      const probe = await api(order, 'POST', '/api/orders', { token: buyers[0]!, idempotencyKey: 'probe', body: { lines: [{ sku, qty: 1 }] } });
      return probe.status === 201 ? true : undefined;
    }, 'order service to know the SKU');
    const placed = await Promise.all(
      buyers.slice(1).map((token) => api(order, 'POST', '/api/orders', { token, idempotencyKey: newKey(), body: { lines: [{ sku, qty: 1 }] } })),
    );
    expect(placed.map((p) => p.status)).toEqual(Array(39).fill(201));

    const finals = await Promise.all(
      placed.map((p, i) =>
        eventually(async () => {
          const res = await api(order, 'GET', `/api/orders/${p.body.id}`, { token: buyers[i + 1]! });
          return ['confirmed', 'rejected'].includes(res.body.status) ? res.body.status : undefined;
        }, 'order to settle', 60_000),
      ),
    );
    expect(finals.filter((s) => s === 'confirmed')).toHaveLength(19); // 20 units, one to the probe
    expect(finals.filter((s) => s === 'rejected')).toHaveLength(20);

    const ledger = await api(inventory[1]!, 'GET', `/api/inventory/ledger?sku=${sku}&limit=200`, { token: admin });
    const reserves = ledger.body.items.filter((m: { kind: string }) => m.kind === 'reserve');
    expect(reserves).toHaveLength(20);
    expect(new Set(reserves.map((m: { reference: string }) => m.reference)).size).toBe(20);
    expect(ledger.body.balance).toEqual({ onHand: 20, reserved: 20, available: 0 });

    // Through the gateway: a user signs in, orders with the token, and signs out; the order process refuses the token then.
    const created = await api(gateway, 'POST', '/api/auth/users', { token: admin, idempotencyKey: newKey(), body: { username: 'dist-buyer', password: 'distributed-password', role: 'customer' } });
    expect(created.status).toBe(201);
    const signedIn = await api(gateway, 'POST', '/api/auth/token', { body: { tenant: 'acme', username: 'dist-buyer', password: 'distributed-password' } });
    expect(signedIn.status).toBe(200);
    const token = signedIn.body.accessToken as string;
    const viaGateway = await api(gateway, 'POST', '/api/orders', { token, idempotencyKey: newKey(), headers: { 'x-request-id': 'via-gateway-1' }, body: { lines: [{ sku, qty: 1 }] } });
    expect(viaGateway.status).toBe(201);
    expect(viaGateway.headers.get('x-request-id')).toBe('via-gateway-1');
    expect((await api(order, 'GET', `/api/orders/${viaGateway.body.id}`, { token })).body.customerId).toBe(created.body.id);
    const forged = `${token.slice(0, -4)}AAAA`;
    const refusedAtGateway = await api(gateway, 'GET', '/api/orders', { token: forged });
    expect(refusedAtGateway.status).toBe(401);
    expect(refusedAtGateway.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect((await api(gateway, 'POST', '/api/auth/signout', { token })).status).toBe(204);
    expect((await api(gateway, 'GET', '/api/orders', { token })).status).toBe(401);
    // AccessRevoked reaches the order process over JetStream.
    await eventually(async () => ((await api(order, 'GET', '/api/orders', { token })).status === 401 ? true : undefined), 'the order process to refuse the revoked token');

    for (const c of children) c.kill('SIGTERM');
    expect(await Promise.all(children.map(exited))).toEqual(children.map(() => 0));
  });
});
