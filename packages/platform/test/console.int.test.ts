/**
 * The console in headless Chromium (Debian's, driven by playwright-core; no
 * browser download), against one real platform for every test: users sign in
 * with their own passwords and do their jobs through the screens, and the
 * test checks what they would see, then the platform's API. No page may log
 * a console error. Screenshots go to bench/results/console-ci/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEnvelope } from '@omnishop/kit';
import { OrderCompleted, OrderConfirmed, TILL_CHANNEL } from '@omnishop/order/contract';
import { consoleSignedIn, launchChromium } from './browser.js';
import { eventually, finalOrder, issuedCoupon, member, newKey, settled, startTestPlatform, stockedSku, type TestPlatform } from './harness.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const SCREENSHOTS = join(ROOT, 'bench/results/console-ci');
const STORE = 'ST_CONSOLE';
const SHOPPER = 'console-shopper';

describe('the console, in a browser', () => {
  let t: TestPlatform;
  let browser: Browser;
  let sku: string;
  const errors: string[] = [];
  const password = (username: string) => `${username}-console-password`;

  beforeAll(async () => {
    [t, browser] = await Promise.all([
      startTestPlatform(),
      launchChromium(),
    ]);
    sku = await stockedSku(t, { price: 12900, stock: { [STORE]: 100_000 } });
    const admin = await t.token('brand_admin');
    const operator = await t.token('operator');
    for (const [username, role, token] of [['clerk', 'clerk', admin], ['operator', 'operator', operator]] as const) {
      const res = await t.api('POST', '/api/auth/users', { token, idempotencyKey: newKey(), body: { username, password: password(username), role, ...(role === 'clerk' ? { store: STORE } : {}) } });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
    await member(t, SHOPPER);
    mkdirSync(SCREENSHOTS, { recursive: true });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  /** A fresh browser tab, signed in through the console's form as `username`; every console error it logs is kept. */
  const signedIn = (username: string): Promise<Page> => consoleSignedIn(browser, t.url, { tenant: 'acme', username, password: password(username) }, errors);

  const customer = () => t.token('customer', { subject: SHOPPER });

  async function confirmedOnlineOrder(): Promise<string> {
    const placed = await t.api('POST', '/api/orders', { token: await customer(), idempotencyKey: newKey(), body: { lines: [{ sku, qty: 1 }] } });
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    expect((await finalOrder(t, await customer(), placed.body.id)).status).toBe('confirmed');
    return placed.body.id;
  }

  let sold: string;

  it('a clerk signs in, scans a SKU, applies a coupon, takes cash, and the receipt shows the discount', async () => {
    const { code } = await issuedCoupon(t, SHOPPER, { kind: 'fixed', amount: 2000 });
    const page = await signedIn('clerk');
    await expect(page.locator('main').getAttribute('data-screen')).resolves.toBe('pos');
    // A barcode scanner types the code and Enter into the focused field.
    await page.getByRole('textbox', { name: 'SKU' }).focus();
    await page.keyboard.type(sku.toLowerCase());
    await page.keyboard.press('Enter');
    await page.getByRole('textbox', { name: 'Member' }).fill(SHOPPER);
    await page.getByRole('textbox', { name: 'Member' }).press('Tab');
    await page.getByRole('textbox', { name: 'Coupon' }).fill(code);
    await page.getByRole('textbox', { name: 'Coupon' }).press('Enter');
    // The promotion service prices the cart: 129.00 less the 20.00 coupon.
    await page.locator(`[data-coupon="${code}"].applied`).waitFor();
    await page.locator('[data-total="10900"]').waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'pos.png') });
    await page.getByRole('button', { name: 'Cash' }).click();
    const receipt = page.locator('.receipt[data-status="completed"]');
    await receipt.waitFor();
    await expect(receipt.locator('.discount').textContent()).resolves.toMatch(/−\D*20\.00/);
    await expect(receipt.locator('.total').textContent()).resolves.toContain('109.00');
    await page.screenshot({ path: join(SCREENSHOTS, 'receipt.png') });
    sold = (await receipt.getAttribute('data-order'))!;
    const sale = await t.api('GET', `/api/orders/${sold}`, { token: await t.token('brand_admin') });
    expect(sale.body).toMatchObject({ channel: 'pos', status: 'completed', paymentMethod: 'cash', discount: 2000, total: 10900, store: STORE });
    await page.close();
  }, 60_000);

  let shipped: string;

  it('a store clerk claims an offered order on the fulfilment board, books a courier and ships it', async () => {
    shipped = await confirmedOnlineOrder();
    const page = await signedIn('clerk');
    await page.getByRole('link', { name: 'Fulfilment' }).click();
    const offer = page.locator(`[data-offer="${shipped}"]`);
    await offer.waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'fulfilment.png') });
    await offer.getByRole('button', { name: 'Claim' }).click();
    const card = page.locator(`[data-order="${shipped}"]`);
    await card.and(page.locator('[data-status="claimed"]')).waitFor();
    await card.getByRole('button', { name: 'Book courier' }).click();
    await card.and(page.locator('[data-status="booked"]')).waitFor();
    await card.getByRole('button', { name: 'Ship' }).click();
    await card.and(page.locator('[data-status="shipped"]')).waitFor();
    await expect(offer.count()).resolves.toBe(0);
    const f = await t.api('GET', `/api/fulfilment/orders/${shipped}`, { token: await t.token('operator') });
    expect(f.body).toMatchObject({ status: 'shipped', claimedBy: STORE, carrier: 'SF' });
    await page.close();
  }, 60_000);

  it("an operator opens an order's trace and sees every service it crossed in the waterfall", async () => {
    await settled(t);
    const operator = await t.token('operator');
    const traces = await t.api('GET', `/api/traces?orderId=${shipped}&limit=50`, { token: operator });
    const items = traces.body.items as { traceId: string; services: string[]; spans: number }[];
    const widest = Math.max(...items.map((i) => i.services.length));
    expect(widest).toBeGreaterThanOrEqual(4);
    const page = await signedIn('operator');
    await page.getByRole('link', { name: 'Orders' }).click();
    await page.getByRole('textbox', { name: 'Order id' }).fill(shipped);
    await page.getByRole('button', { name: 'Open' }).click();
    // The trace shown first is one that crossed the most services, and the waterfall names every one of them.
    const waterfall = page.locator('.waterfall');
    await waterfall.waitFor();
    const traceId = await waterfall.getAttribute('data-trace');
    const shown = items.find((i) => i.traceId === traceId)!;
    expect(shown.services).toHaveLength(widest);
    expect(shown.services).toEqual(expect.arrayContaining(['order', 'inventory', 'payment']));
    await expect(waterfall.locator('.legend .service').allTextContents()).resolves.toEqual(expect.arrayContaining(shown.services));
    await expect(waterfall.locator('.legend .service').count()).resolves.toBe(shown.services.length);
    await expect(waterfall.locator('.span').count()).resolves.toBe(shown.spans);
    await page.locator('.order .history li').first().waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'trace.png'), fullPage: true });
    await page.close();
  }, 60_000);

  it("an operator finds an order's behaviour records, each linked to its trace, and a customer's by who they are", async () => {
    const page = await signedIn('operator');
    await page.goto(`${t.url}/console/#/orders?id=${shipped}`);
    await page.getByRole('link', { name: 'Its behaviour log' }).click();
    await page.locator(`table.behaviour[data-query="orderId=${shipped}"] tbody tr`).first().waitFor();
    const actions = await page.locator('table.behaviour tbody tr td:nth-child(4)').allTextContents();
    // The checkout request, the events it set off in other services, the claim and the shipping.
    expect(actions).toEqual(expect.arrayContaining(['POST /api/orders', 'OrderPlaced', 'PaymentCaptured', 'POST /api/fulfilment/orders/:orderId/claim', 'POST /api/fulfilment/orders/:orderId/ship']));
    const placing = page.locator('table.behaviour tbody tr', { hasText: 'POST /api/orders' }).filter({ hasText: SHOPPER }).first();
    const traceId = await placing.locator('[data-trace]').getAttribute('data-trace');
    await placing.locator('[data-trace]').click();
    await page.locator(`.waterfall[data-trace="${traceId}"]`).waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'behaviour.png'), fullPage: true });
    await page.getByLabel('Find by').selectOption('customer');
    await page.getByRole('textbox', { name: 'Find' }).fill(SHOPPER);
    await page.getByRole('button', { name: 'Find' }).click();
    await page.locator(`table.behaviour[data-query="customer=${SHOPPER}"] tbody tr`).first().waitFor();
    const who = await page.locator('table.behaviour tbody tr td:nth-child(7)').allTextContents();
    expect(who.length).toBeGreaterThan(0);
    expect(new Set(who)).toEqual(new Set([`${SHOPPER} (customer)`]));
    await page.close();
  }, 60_000);

  it("the event map's rates change while orders flow, and the console answers within a second meanwhile", async () => {
    await settled(t);
    const page = await signedIn('operator');
    const other = await signedIn('operator');
    await page.getByRole('link', { name: 'Event map' }).click();
    const rate = page.locator('#total-rate');
    await rate.waitFor();
    await eventually(async () => ((await rate.getAttribute('data-rate')) === '0.00' ? true : undefined), 'a quiet map');
    // A small load run: shoppers ordering as fast as four connections go, for a few seconds.
    const token = await customer();
    const until = Date.now() + 6000;
    const load = Promise.all(
      Array.from({ length: 4 }, async () => {
        while (Date.now() < until) await t.api('POST', '/api/orders', { token, idempotencyKey: newKey(), body: { lines: [{ sku, qty: 1 }] } });
      }),
    );
    const rates: number[] = [];
    const sampling = (async () => {
      while (Date.now() < until) {
        rates.push(Number(await rate.getAttribute('data-rate')));
        await page.waitForTimeout(250);
      }
    })();
    const pageTimes: number[] = [];
    while (Date.now() < until) {
      await other.goto(`${t.url}/console/#/orders`);
      await other.locator('table.orders tbody tr').first().waitFor();
      // How long the platform took to answer each of the page's requests (the page, its modules, the orders), by the
      // browser's resource timing: the console's answers, not the test machine's rendering.
      pageTimes.push(Number(await other.evaluate("Math.max(...[...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')].map((e) => e.responseEnd - e.requestStart))")));
    }
    await Promise.all([load, sampling]);
    await page.locator('.event-map .edge.busy').first().waitFor();
    // The map and its chart, as the README shows them.
    await page.screenshot({ path: join(SCREENSHOTS, 'event-map.png'), clip: { x: 0, y: 0, width: 1280, height: 920 } });
    const busy = rates.filter((r) => r > 0);
    expect(new Set(busy).size, rates.join(', ')).toBeGreaterThan(1);
    expect(Math.max(...pageTimes), pageTimes.join(', ')).toBeLessThan(1000);
    await other.close();
    await page.close();
  }, 60_000);

  it('an operator sees a dead letter with its error and replays it from the console', async () => {
    // A till sale's completion that reaches the customer service before its confirmation (as after an outage): the
    // loyalty consumer has no paid total to earn points from, fails on each attempt and parks the event.
    const orderId = randomUUID();
    const ofOrder = { source: 'order', key: orderId, tenant: 'acme' };
    const completed = createEnvelope(OrderCompleted, { ...ofOrder, data: { orderId } });
    await t.platform.bus.publish([completed]);
    const operator = await t.token('operator');
    const parked = () => t.api('GET', '/api/customers/admin/dead-letters', { token: operator }).then((r) => (r.body.items as { eventId: string }[]).some((d) => d.eventId === completed.id));
    await eventually(async () => ((await parked()) ? true : undefined), 'the completion parked as a dead letter');
    const page = await signedIn('operator');
    await page.getByRole('link', { name: 'Dead letters' }).click();
    const row = page.locator(`[data-event="${completed.id}"]`);
    await row.waitFor();
    await expect(row.locator('td').first().textContent()).resolves.toBe('customer');
    await expect(row.locator('.error').textContent()).resolves.toContain(`order ${orderId} completed, but its OrderConfirmed was never seen`);
    await page.screenshot({ path: join(SCREENSHOTS, 'dead-letters.png') });
    // The confirmation comes after all; replayed now, the completion earns the shopper points for the sale.
    await t.platform.bus.publish([createEnvelope(OrderConfirmed, { ...ofOrder, data: { orderId, customerId: SHOPPER, channel: TILL_CHANNEL, total: 12900, currency: 'CNY' } })]);
    await settled(t);
    await row.getByRole('button', { name: 'Replay' }).click();
    await page.locator('#no-dead-letters').waitFor();
    const points = await t.api('GET', '/api/customers/me/points', { token: await customer() });
    expect((points.body.items as { orderId?: string; delta: number }[]).filter((e) => e.orderId === orderId).map((e) => e.delta > 0)).toEqual([true]);
    await page.close();
  }, 60_000);

  it("a clerk takes back the till sale's goods on the returns screen and sees the refund", async () => {
    const page = await signedIn('clerk');
    await page.getByRole('link', { name: 'Returns' }).click();
    await page.getByRole('textbox', { name: 'Order id' }).fill(sold);
    await page.getByRole('button', { name: 'Find' }).click();
    await page.getByLabel(`Return ${sku}`).fill('1');
    await page.getByRole('button', { name: 'Take back and refund' }).click();
    await page.locator('.refund[data-amount="10900"]').waitFor();
    const order = await t.api('GET', `/api/orders/${sold}`, { token: await t.token('brand_admin') });
    expect(order.body).toMatchObject({ status: 'returned', returns: [{ location: STORE, amount: 10900 }] });
    await page.close();
  }, 60_000);

  it("an operator finds a SKU's stock by location and the ledger behind the number", async () => {
    await settled(t);
    const operator = await t.token('operator');
    const stock = (await t.api('GET', `/api/inventory/stock?sku=${sku}`, { token: operator })).body.locations.find((l: { location: string }) => l.location === STORE);
    const page = await signedIn('operator');
    await page.getByRole('link', { name: 'Stock' }).click();
    await page.getByRole('textbox', { name: 'SKU' }).fill(sku);
    await page.getByRole('button', { name: 'Show' }).click();
    const row = page.locator(`table.stock tr[data-location="${STORE}"]`);
    await row.waitFor();
    await expect(row.locator('td').allTextContents()).resolves.toEqual([STORE, String(stock.onHand), String(stock.reserved), String(stock.available)]);
    await row.getByRole('button', { name: STORE }).click();
    const ledger = page.locator(`section[data-location="${STORE}"]`);
    await ledger.locator('tfoot').waitFor();
    await expect(ledger.locator('tfoot').textContent()).resolves.toContain(`on hand ${stock.onHand}`);
    // The receipt, the till sale, its return: each a movement.
    await expect(ledger.locator('tbody tr td:nth-child(3)').allTextContents()).resolves.toEqual(expect.arrayContaining(['receive', 'sell']));
    await page.screenshot({ path: join(SCREENSHOTS, 'stock.png'), fullPage: true });
    await page.close();
  }, 60_000);

  it('logged no console error on any page', () => {
    expect(errors).toEqual([]);
  });
});
