import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNats, type NatsServer } from '../../../bench/lib/distributed.js';
import { alive, api, auth, checkoutTrace, ledgerOf, orderBurst, placeWhenKnown, settledStatus, startCluster, stockThroughGateway, watchSettling, type RunningCluster } from './cluster-process.js';
import { consoleSignedIn, launchChromium } from './browser.js';
import { eventually, newKey } from './harness.js';
import { CHECKOUT_SERVICES, expectOneTree } from './trace-shape.js';

const SCREENSHOTS = fileURLToPath(new URL('../../../bench/results/console-ci', import.meta.url));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * `npm run cluster` as an operator runs it: the platform as separate
 * processes behind the gateway, on PostgreSQL and a JetStream server of the
 * test's own, put through what a cluster meets: replicas killed with SIGKILL
 * during a burst, the broker gone for a while, and Ctrl-C. Through it all
 * every accepted order reaches a final state, stock reconciles with the
 * ledger, nothing is applied twice, and clients see no 502.
 */
describe('npm run cluster', () => {
  const parent = mkdtempSync(join(tmpdir(), 'omnishop-cluster-nats-'));
  let nats: NatsServer;
  let cluster: RunningCluster;
  let sku: string;
  let admin: string;
  let buyer: string;
  /** Units still in stock: each burst takes some. */
  let stock = 60;
  let pids: number[] = [];
  beforeAll(async () => {
    nats = await startNats(parent);
    cluster = await startCluster(['--replicas', 'order=2,inventory=2,fulfilment=1', '--seed'], { BUS_URL: nats.url });
    pids = [...cluster.processes.values()].map((p) => p.pid);
    ({ sku, admin } = await stockThroughGateway(cluster.url, stock));
    buyer = await auth.mint({ subject: 'cluster-buyer', tenant: 'acme', role: 'customer' });
  }, 240_000);
  afterAll(async () => {
    await cluster?.stop();
    await nats?.stop();
    rmSync(parent, { recursive: true, force: true });
  });

  /** What became of a burst: every accepted order final, as many confirmed as there was stock. */
  async function expectSettled(accepted: string[]) {
    const settled = await watchSettling(cluster.url, buyer, accepted);
    const confirmed = [...settled.values()].filter((s) => s.status === 'confirmed').length;
    expect(confirmed).toBe(Math.min(stock, accepted.length));
    expect([...settled.values()].filter((s) => s.status !== 'confirmed').map((s) => s.status)).toEqual(Array(accepted.length - confirmed).fill('rejected'));
    stock -= confirmed;
    return settled;
  }

  it('seeds the demo brand through the gateway, and says so: ready means its stock is there', async () => {
    expect(cluster.output()).toMatch(/the gateway seeds the demo brand/);
    const shopper = await auth.mint({ subject: 'cluster-demo-shopper', tenant: 'demo', role: 'customer' });
    const stock = await api(cluster.url, 'GET', '/api/inventory/stock?sku=TS1001-BLK-M', { token: shopper });
    expect(stock.status, JSON.stringify(stock.body)).toBe(200);
    expect(JSON.stringify(stock.body)).toContain('ST_SH_001');
  });

  it('starts every service behind the gateway, which places and confirms an order', async () => {
    expect([...cluster.processes.keys()].sort()).toEqual(['catalog#1', 'customer#1', 'fulfilment#1', 'gateway', 'inventory#1', 'inventory#2', 'order#1', 'order#2', 'payment#1', 'promotion#1', 'store#1', 'webhook#1']);
    expect(await settledStatus(cluster.url, buyer, await placeWhenKnown(cluster.url, buyer, sku))).toBe('confirmed');
    stock -= 1;
  });

  it('one online order is one trace across every process it touched, and the console on the gateway shows it whole', async () => {
    const id = await placeWhenKnown(cluster.url, buyer, sku);
    expect(await settledStatus(cluster.url, buyer, id)).toBe('confirmed');
    stock -= 1;
    const operator = await auth.mint({ subject: 'cluster-operator', tenant: 'acme', role: 'operator' });
    const spans = await checkoutTrace(cluster.url, operator, id);
    // Each service is a process of its own here, so each service's spans came from another process.
    expect([...new Set(spans.map((s) => s.service))]).toEqual(expect.arrayContaining(['gateway', ...CHECKOUT_SERVICES]));
    expectOneTree(spans, 'gateway: POST /api/orders');

    // The console, served by the gateway, draws that trace with every service's spans.
    const created = await api(cluster.url, 'POST', '/api/auth/users', { token: operator, idempotencyKey: newKey(), body: { username: 'cluster-operator', password: 'cluster-operator-password', role: 'operator' } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const browser = await launchChromium();
    const errors: string[] = [];
    try {
      const page = await consoleSignedIn(browser, cluster.url, { tenant: 'acme', username: 'cluster-operator', password: 'cluster-operator-password' }, errors);
      await page.goto(`${cluster.url}/console/#/orders?id=${id}`);
      await page.locator(`button[data-trace="${spans[0]!.traceId}"]`).click();
      const waterfall = page.locator(`.waterfall[data-trace="${spans[0]!.traceId}"]`);
      await waterfall.waitFor();
      await expect(waterfall.locator('.legend .service').allTextContents()).resolves.toEqual(expect.arrayContaining(['gateway', ...CHECKOUT_SERVICES]));
      await expect(waterfall.locator('.span').count()).resolves.toBe(spans.length);
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: join(SCREENSHOTS, 'cluster-trace.png'), fullPage: true });
    } finally {
      await browser.close();
    }
    expect(errors).toEqual([]);
  });

  it("the console on the gateway covers every process: the API index, the event map's nodes and rates, and the dead letters screen", async () => {
    const every = ['catalog', 'customer', 'fulfilment', 'gateway', 'inventory', 'order', 'payment', 'promotion', 'store', 'webhook'];
    const index = await api(cluster.url, 'GET', '/api');
    expect((index.body.services as { name: string }[]).map((s) => s.name).sort()).toEqual(every);
    const operator = await auth.mint({ subject: 'cluster-operator', tenant: 'acme', role: 'operator' });
    const map = await api(cluster.url, 'GET', '/api/console/event-map', { token: operator });
    expect((map.body.nodes as { name: string }[]).map((n) => n.name).sort()).toEqual(every);
    // Counted by the order and inventory processes, not the gateway's: the order above went along these edges.
    const edge = (type: string, from: string, to: string) => (map.body.edges as { type: string; from: string; to: string; handled: number }[]).find((e) => e.type === type && e.from === from && e.to === to)!;
    expect(edge('OrderPlaced', 'order', 'inventory').handled).toBeGreaterThanOrEqual(1);
    expect(edge('PaymentRequested', 'order', 'payment').handled).toBeGreaterThanOrEqual(1);

    const browser = await launchChromium();
    const errors: string[] = [];
    try {
      const page = await consoleSignedIn(browser, cluster.url, { tenant: 'acme', username: 'cluster-operator', password: 'cluster-operator-password' }, errors);
      // The screen asks each service in the index for its dead letters, through the gateway: every one answers.
      await page.getByRole('link', { name: 'Dead letters' }).click();
      await page.locator('#no-dead-letters').waitFor();
    } finally {
      await browser.close();
    }
    expect(errors).toEqual([]);
  });

  it('SIGKILL of an order and an inventory replica during a burst: the cluster restarts them, and the orders they held settle within 5 s', async () => {
    const orders = 40;
    let killedAt = 0;
    const burst = await orderBurst(cluster.url, buyer, sku, {
      count: orders,
      everyMs: 40,
      onStarted: (i) => {
        if (i !== orders / 2) return;
        killedAt = Date.now();
        process.kill(cluster.processes.get('order#1')!.pid, 'SIGKILL');
        process.kill(cluster.processes.get('inventory#1')!.pid, 'SIGKILL');
      },
    });
    expect(burst.statuses.filter((s) => s !== 201 && s !== 503), 'no 502 (nor anything but 201 and a retryable 503) while another replica is up').toEqual([]);
    expect(burst.accepted).toHaveLength(orders);
    const settled = await expectSettled(burst.accepted);
    // The orders accepted before the kill, some of them held by the killed replicas: JetStream's old 60 s ack wait made this a minute.
    const caught = burst.accepted.filter((id) => burst.acceptedAt.get(id)! < killedAt);
    expect(caught.length).toBeGreaterThan(0);
    const lastSettled = Math.max(...caught.map((id) => settled.get(id)!.at));
    expect(lastSettled - killedAt, 'the orders accepted before the kill settled within 5 s of it').toBeLessThan(5000);
    for (const name of ['order#1', 'inventory#1']) {
      const [, pid] = await cluster.said(new RegExp(`${name}\\s+\\| restarted: pid (\\d+)`), 30_000);
      pids.push(Number(pid));
      await eventually(async () => ((await api(cluster.processes.get(name)!.url, 'GET', '/health/ready').catch(() => undefined))?.status === 200 ? true : undefined), `${name} ready again`);
    }
  });

  it('the broker gone for 12 s during a burst: orders are still accepted, and everything drains once it is back', async () => {
    let outage: Promise<void> | undefined;
    const burst = await orderBurst(cluster.url, buyer, sku, {
      count: 30,
      everyMs: 100,
      onStarted: (i) => {
        if (i !== 5) return;
        outage = (async () => {
          await nats.stop(true);
          await sleep(12_000);
          nats = await startNats(parent, undefined, { port: nats.port, storeDir: nats.storeDir });
        })();
      },
    });
    // Accepted while the broker is away (a 503 is a replica still busy after the restarts above, told to retry).
    expect(burst.statuses.filter((s) => s !== 201 && s !== 503)).toEqual([]);
    expect(burst.accepted).toHaveLength(30);
    await outage;
    await expectSettled(burst.accepted);
  });

  it('reconciles stock with the ledger: each order reserved once', async () => {
    const ledger = await ledgerOf(cluster.url, admin, sku);
    expect(new Set(ledger.reserved).size, 'no order reserved twice').toBe(ledger.reserved.length);
    expect(ledger.balance).toEqual({ onHand: 60, reserved: 60 - stock, available: stock });
  });

  it('stops every process on Ctrl-C', async () => {
    expect(await cluster.stop()).toBe(0);
    expect(pids.filter(alive), 'processes left behind').toEqual([]);
  });
});
