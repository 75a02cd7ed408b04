import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, newKey, request } from './harness.js';
import { exited, launch } from './processes.js';

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/** A new user's first `npm start`: a seeded demo brand, a banner with tokens, and the whole online-to-offline flow. */
describe('npm start, as a new user meets it', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'omnishop-demo-'));
  let base: string;
  let child: ChildProcess;
  let banner: () => string;
  /** What a script that waits for readiness saw the moment /health/ready first answered 200. */
  let atReady: { sku: number; signIn: number; coupons: number };

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const started = launch({ PORT: String(port), DATA_DIR: dataDir, SEED: 'true', PAYMENT_LATENCY_MS: '20', LOG_FORMAT: 'pretty', LOG_LEVEL: 'info' });
    await eventually(async () => ((await fetch(`${base}/health/ready`).catch(() => undefined))?.status === 200 ? true : undefined), 'ready', 120_000);
    const signIn = await request<{ accessToken: string }>(base, 'POST', '/api/auth/token', { body: { tenant: 'demo', username: 'customer', password: 'demo-customer-password' } });
    const token = signIn.body.accessToken;
    const sku = await request(base, 'GET', '/api/catalog/skus/TS1001-BLK-M', { token });
    const wallet = await request<{ items: unknown[] }>(base, 'GET', '/api/promotions/wallet', { token });
    atReady = { sku: sku.status, signIn: signIn.status, coupons: wallet.body.items?.length ?? 0 };
    ({ child, stderr: banner } = await started);
    await eventually(async () => (banner().includes('Then fulfil it') ? true : undefined), 'the whole banner');
  }, 180_000);

  afterAll(async () => {
    if (child) {
      const gone = exited(child);
      child.kill('SIGTERM');
      await gone;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is ready only once the demo is usable: the demo SKU is there, the demo users sign in, the coupons are in the wallet', () => {
    expect(atReady).toEqual({ sku: 200, signIn: 200, coupons: 2 });
  });

  it('points a new user to the API reference page and the documents', () => {
    expect(banner()).toContain(`API reference  ${base}/docs`);
    expect(banner()).toContain(`${base}/api/openapi.json`);
  });

  it('shows the seed\'s progress and keeps the behaviour records of its thousands of requests in a file, not on screen', () => {
    expect(banner()).toMatch(/seed: stock received for \d+\/\d+ SKUs/);
    expect(banner()).toContain(`behaviour record per request, event and job in ${join(dataDir, 'behaviour.log')}`);
    const records = readFileSync(join(dataDir, 'behaviour.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { behaviour: { kind: string } });
    expect(records.length).toBeGreaterThan(1000);
    expect(records.every((r) => ['request', 'event', 'job'].includes(r.behaviour.kind))).toBe(true);
  });

  /** The token the banner printed for a role. */
  const printed = (role: string) => {
    const token = new RegExp(`^  ${role} +(eyJ\\S+)$`, 'm').exec(banner())?.[1];
    expect(token, `a ${role} token in the banner`).toBeDefined();
    return token!;
  };

  it('prints a token for every role, the clerk and store manager of the store demo orders are offered to', async () => {
    for (const role of ['customer', 'clerk', 'store_manager', 'brand_admin', 'operator']) printed(role);
    const offers = await request<{ store: string }>(base, 'GET', '/api/fulfilment/offers', { token: printed('store_manager') });
    expect(offers.body.store).toBe('ST_SH_001');
  });

  it("walks the printed customer's order from checkout to collection with the printed clerk", async () => {
    const customer = printed('customer');
    const clerk = printed('clerk');
    const placed = await request<{ id: string }>(base, 'POST', '/api/orders', { token: customer, idempotencyKey: newKey(), body: { lines: [{ sku: 'TS1001-BLK-M', qty: 1 }] } });
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    const id = placed.body.id;
    const offered = await eventually(async () => {
      const offers = await request<{ items: { orderId: string }[] }>(base, 'GET', '/api/fulfilment/offers', { token: clerk });
      return offers.body.items.some((o) => o.orderId === id) ? offers : undefined;
    }, 'the order to be offered to the demo clerk');
    expect(offered.status).toBe(200);
    for (const step of ['claim', 'ready', 'collected']) {
      const res = await request(base, 'POST', `/api/fulfilment/orders/${id}/${step}`, { token: clerk });
      expect(res.status, `${step}: ${JSON.stringify(res.body)}`).toBe(200);
    }
    const done = await eventually(async () => {
      const order = await request<{ status: string }>(base, 'GET', `/api/orders/${id}`, { token: customer });
      return order.body.status === 'completed' ? order : undefined;
    }, 'the order to complete');
    expect(done.body.status).toBe('completed');
  });

  it("signs out as the README's example does, a user of one's own, and every printed token keeps working", async () => {
    const admin = printed('brand_admin');
    const added = await request(base, 'POST', '/api/auth/users', { token: admin, idempotencyKey: newKey(), body: { username: 'shopper', password: 'shopper-password', role: 'customer' } });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    const session = (await request<{ accessToken: string }>(base, 'POST', '/api/auth/token', { body: { tenant: 'demo', username: 'shopper', password: 'shopper-password' } })).body.accessToken;
    expect((await request(base, 'POST', '/api/auth/signout', { token: session })).status).toBe(204);
    await eventually(async () => ((await request(base, 'GET', '/api/orders', { token: session })).status === 401 ? true : undefined), 'the session to be refused');
    for (const role of ['customer', 'brand_admin', 'operator']) expect((await request(base, 'GET', '/api/orders', { token: printed(role) })).status, role).toBe(200);
  });
});
