/**
 * `npm run double11 -- --profile smoke` against the embedded platform, as
 * CI runs it: the report is written and every check passes; the same
 * reconciliation run again on a scratch copy of the databases, spoilt one
 * way (a stock row off by one, a second capture of one order), fails with
 * exit 1 and names the item; and report.html, opened from disk in headless
 * Chromium (Debian's, driven by playwright-core), draws its charts with no
 * console errors. Its screenshot is kept in bench/results/double11-ci/.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import SQLite from 'better-sqlite3';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../report.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const SCREENSHOTS = join(ROOT, 'bench/results/double11-ci');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** The little of a page's canvas the test reads (the test is compiled without the DOM's types). */
interface Canvas {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null;
}

function double11(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/double11/main.ts'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('exit', (code) => done({ code, stdout, stderr }));
  });
}

describe('npm run double11 --profile smoke', () => {
  const dir = mkdtempSync(join(tmpdir(), 'omnishop-double11-test-'));
  const data = join(dir, 'data');
  const out = join(dir, 'out');
  let run: Awaited<ReturnType<typeof double11>>;
  let report: Report;

  beforeAll(async () => {
    const started = Date.now();
    run = await double11(['--profile', 'smoke', '--platform-data', data, '--out', out]);
    if (run.code !== 0) console.error(run.stdout, run.stderr.slice(-5000));
    report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Report;
    expect(Date.now() - started).toBeLessThan(60_000);
  }, 90_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the report, and every reconciliation check passes', () => {
    expect(run.code).toBe(0);
    expect(report.ok).toBe(true);
    for (const key of ['requests', 'byStatus', 'peakRps', 'p99Ms', 'drainS', 'settings']) expect(report).toHaveProperty(key);
    expect(report.settings.profile).toBe('smoke');
    expect(report.requests).toBeGreaterThan(500);
    expect(report.orders.accepted).toBeGreaterThan(50);
    expect(report.reconciliation.length).toBeGreaterThanOrEqual(12);
    for (const c of report.reconciliation) expect({ check: c.check, ok: c.ok, failures: c.failures }).toEqual({ check: c.check, ok: true, failures: [] });
    expect(report.drainS).not.toBeNull();
    expect(Object.keys(report.byStatus).filter((s) => Number(s) >= 500 && s !== '503')).toEqual([]);
    expect(run.stdout).toMatch(/PASSED/);
    expect(existsSync(join(out, 'report.html'))).toBe(true);
  });

  /** A scratch copy of the stopped platform's databases, spoilt by `spoil`, reconciled again. */
  async function spoiltCopy(name: string, spoil: (copy: string) => string) {
    const copy = join(dir, name);
    cpSync(data, copy, { recursive: true });
    const item = spoil(copy);
    return { item, ...(await double11(['reconcile', '--from', out, '--data', copy])) };
  }

  it('fails, naming the SKU, when a stock row of a copy is made to disagree with its ledger', async () => {
    const { item, code, stdout } = await spoiltCopy('stock-off-by-one', (copy) => {
      const db = new SQLite(join(copy, 'inventory.db'));
      try {
        const row = db.prepare('select sku, location from balance where tenant = ? order by sku, location limit 1').get(report.settings.tenant) as { sku: string; location: string };
        db.prepare('update balance set on_hand = on_hand + 1 where tenant = ? and sku = ? and location = ?').run(report.settings.tenant, row.sku, row.location);
        return `SKU ${row.sku} at ${row.location}`;
      } finally {
        db.close();
      }
    });
    expect(code).toBe(1);
    expect(stdout).toMatch(/FAIL\s+stock equals its ledger/);
    expect(stdout).toContain(`${item}: on hand`);
    const again = JSON.parse(readFileSync(join(out, 'reconciliation-again.json'), 'utf8')) as { ok: boolean; reconciliation: { check: string; ok: boolean; failures: string[] }[] };
    expect(again.ok).toBe(false);
    expect(again.reconciliation.find((c) => c.check === 'stock equals its ledger')!.failures.join('\n')).toContain(item);
  }, 60_000);

  it('fails, naming the order, when a second capture is inserted into a copy', async () => {
    const { item, code, stdout } = await spoiltCopy('second-capture', (copy) => {
      const db = new SQLite(join(copy, 'payment.db'));
      try {
        const p = db.prepare("select * from payment_intent where tenant = ? and status = 'captured' order by id limit 1").get(report.settings.tenant) as Record<string, unknown>;
        // The platform's own unique index refuses this; the reconciliation must not rely on it.
        db.exec('drop index payment_intent_live_per_order');
        const cols = Object.keys(p);
        db.prepare(`insert into payment_intent (${cols.join(', ')}) values (${cols.map(() => '?').join(', ')})`).run(...cols.map((c) => (c === 'id' ? `${String(p.id)}-twice` : p[c])));
        return `order ${String(p.order_id)}: captured 2 times`;
      } finally {
        db.close();
      }
    });
    expect(code).toBe(1);
    expect(stdout).toMatch(/FAIL\s+each payment captured at most once/);
    expect(stdout).toContain(item);
  }, 60_000);

  describe('report.html in headless Chromium', () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
    }, 30_000);
    afterAll(async () => browser?.close());

    it('opens from disk, draws every chart and the reconciliation, with no console errors', async () => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1800 } });
      const errors: string[] = [];
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      page.on('pageerror', (e) => errors.push(String(e)));
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(pathToFileURL(join(out, 'report.html')).href);
      await page.waitForFunction("document.body.dataset.charts === '6'");
      for (const id of ['throughput', 'latency', 'errors', 'orders', 'events', 'cpu']) {
        const canvas = page.locator(`#chart-${id} canvas`);
        await expect(canvas.count()).resolves.toBe(1);
        const box = await canvas.boundingBox();
        expect(box!.width).toBeGreaterThan(200);
        // uPlot drew paths: the canvas is not blank.
        const inked = await canvas.evaluate((c: Canvas) => {
          const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
          let n = 0;
          for (let i = 3; i < px.length; i += 4) if (px[i]! > 0) n++;
          return n;
        });
        expect(inked).toBeGreaterThan(500);
      }
      await expect(page.locator('#reconciliation tbody tr').count()).resolves.toBe(report.reconciliation.length);
      await expect(page.locator('#verdict').textContent()).resolves.toBe('PASSED');
      expect(errors).toEqual([]);
      expect(requests.filter((u) => !u.startsWith('file:'))).toEqual([]);
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: join(SCREENSHOTS, 'report.png'), fullPage: true });
      await page.close();
    }, 60_000);
  });
});
