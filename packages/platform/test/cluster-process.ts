import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { tokenAuthority } from '@omnishop/kit';
import { freePort } from '../src/cluster/ports.js';
import { DEMO_JWT_SECRET } from '../src/config.js';
import { eventually, newKey, openStore, request } from './harness.js';
import type { SpanSeen } from './trace-shape.js';

const ROOT = resolve(__dirname, '../../..');
export const auth = tokenAuthority(DEMO_JWT_SECRET);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const api = (url: string, method: string, path: string, opts: Parameters<typeof request>[3] = {}) => request<any>(url, method, path, opts);

export interface RunningCluster {
  child: ChildProcess;
  /** The gateway's URL. */
  url: string;
  /** Each process by name (order#1, ..., gateway): its pid when the cluster said it was ready, and its URL. */
  processes: Map<string, { pid: number; url: string }>;
  output: () => string;
  /** Resolves once the cluster has printed a line matching `pattern` (already printed or to come). */
  said: (pattern: RegExp, timeoutMs?: number) => Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
  /** SIGINT (Ctrl-C), then the database it made is dropped and its folder removed. */
  stop: () => Promise<number | null>;
}

/**
 * `npm run cluster` as an operator starts it, on a database that does not
 * exist yet (the cluster makes it) on the test server, a stream of its own,
 * and NATS at `busUrl` (default the shared server).
 */
export async function startCluster(args: string[], env: Record<string, string> = {}): Promise<RunningCluster> {
  const server = process.env.OMNISHOP_TEST_POSTGRES;
  if (!server) throw new Error('OMNISHOP_TEST_POSTGRES is not set');
  const name = `omnishop_cluster_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const database = new URL(server);
  database.pathname = `/${name}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'omnishop-cluster-'));
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'packages/platform/src/cluster/main.ts', ...args], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: database.toString(),
      BUS_URL: process.env.OMNISHOP_TEST_NATS ?? 'nats://127.0.0.1:4222',
      BUS_STREAM: `C${randomUUID().replace(/-/g, '').slice(0, 12)}`,
      DATA_DIR: dataDir,
      PORT: String(port),
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
      PAYMENT_LATENCY_MS: '20',
      ADMISSION_LOOP_DELAY_MS: '0',
      RATE_LIMIT_CLIENT_MAX: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let seen = '';
  const waiters = new Set<() => void>();
  const take = (chunk: Buffer) => {
    seen += chunk.toString();
    for (const w of [...waiters]) w();
  };
  child.stdout!.on('data', take);
  child.stderr!.on('data', take);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const said = (pattern: RegExp, timeoutMs = 120_000) =>
    new Promise<RegExpMatchArray>((resolveMatch, reject) => {
      const check = () => {
        const match = seen.match(pattern);
        if (!match) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolveMatch(match);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`the cluster did not say ${pattern} within ${timeoutMs / 1000} s:\n${seen.slice(-5000)}`));
      }, timeoutMs);
      waiters.add(check);
      void exited.then(() => setTimeout(() => (waiters.delete(check), clearTimeout(timer), reject(new Error(`the cluster exited:\n${seen.slice(-5000)}`))), 50));
      check();
    });
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGINT');
    const code = await exited;
    const admin = new pg.Client({ connectionString: server });
    await admin.connect();
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
    rmSync(dataDir, { recursive: true, force: true });
    return code;
  };
  try {
    const [table] = await said(/every process is ready[^]*Ctrl-C stops them all/, 180_000);
    const processes = new Map([...table.matchAll(/^ {2}(\S+)\s+pid (\d+)\s+(http:\/\/\S+)$/gm)].map((m) => [m[1]!, { pid: Number(m[2]), url: m[3]! }]));
    const gateway = processes.get('gateway');
    if (!gateway) throw new Error(`the cluster named no gateway:\n${table}`);
    return { child, url: gateway.url, processes, output: () => seen, said, exited, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Whether a process of this pid still exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Through the gateway: a style whose SKU every service knows, `qty` of it at a warehouse, and an admin token of brand acme. */
export async function stockThroughGateway(gateway: string, qty: number): Promise<{ sku: string; admin: string }> {
  const admin = await auth.mint({ subject: 'admin', tenant: 'acme', role: 'brand_admin' });
  const code = `CL${Math.floor(Math.random() * 1e8)}`;
  const style = await api(gateway, 'POST', '/api/catalog/styles', {
    token: admin,
    idempotencyKey: newKey(),
    body: { code, name: 'Cluster Tee', category: 'tops', price: 5000, colours: [{ code: 'BLK', name: 'Black' }], sizes: ['M'] },
  });
  if (style.status !== 201) throw new Error(`style not created: ${JSON.stringify(style.body)}`);
  const sku = `${code}-BLK-M`;
  await openStore(gateway, admin, 'acme', 'WH_SH');
  // Inventory learns the SKU and the warehouse over the bus; until then a receipt is a 404 or 422.
  await eventually(
    async () => ((await api(gateway, 'POST', '/api/inventory/movements', { token: admin, idempotencyKey: `receive-${sku}`, body: { sku, location: 'WH_SH', kind: 'receive', qty } })).status === 201 ? true : undefined),
    'stock received at WH_SH',
  );
  return { sku, admin };
}

/** Places an order through the gateway once the order service knows the SKU's price (it learns it over the bus). */
export async function placeWhenKnown(gateway: string, token: string, sku: string): Promise<string> {
  return eventually(async () => {
    const res = await api(gateway, 'POST', '/api/orders', { token, idempotencyKey: newKey(), body: { lines: [{ sku, qty: 1 }] } });
    return res.status === 201 ? (res.body.id as string) : undefined;
  }, 'the order service to know the SKU');
}

/** The order's status once its saga has run its course. */
export async function settledStatus(gateway: string, token: string, id: string, timeoutMs = 60_000): Promise<string> {
  return eventually(async () => {
    const res = await api(gateway, 'GET', `/api/orders/${id}`, { token });
    return ['confirmed', 'rejected', 'cancelled', 'completed'].includes(res.body?.status) ? (res.body.status as string) : undefined;
  }, `order ${id} to settle`, timeoutMs);
}

/**
 * A burst of `count` orders of one unit of `sku` by one customer through the
 * gateway, one started every `everyMs`; each is sent again with its
 * Idempotency-Key after a 503 or a broken connection (as a client told to
 * retry does), until accepted. Returns the accepted orders' ids, when each
 * was accepted, and every status the client saw (0: no answer).
 */
export async function orderBurst(gateway: string, token: string, sku: string, opts: { count: number; everyMs: number; onStarted?: (i: number) => void }) {
  const statuses: number[] = [];
  const acceptedAt = new Map<string, number>();
  const place = async (): Promise<string | undefined> => {
    const key = newKey();
    for (let attempt = 0; attempt < 60; attempt++) {
      const res = await api(gateway, 'POST', '/api/orders', { token, idempotencyKey: key, body: { lines: [{ sku, qty: 1 }] } }).catch(() => undefined);
      statuses.push(res?.status ?? 0);
      if (res?.status === 201) {
        acceptedAt.set(res.body.id as string, Date.now());
        return res.body.id as string;
      }
      if (res && res.status !== 503) return undefined;
      await new Promise((r) => setTimeout(r, 250));
    }
    return undefined;
  };
  const placing: Promise<string | undefined>[] = [];
  for (let i = 0; i < opts.count; i++) {
    placing.push(place());
    opts.onStarted?.(i);
    await new Promise((r) => setTimeout(r, opts.everyMs));
  }
  const ids = await Promise.all(placing);
  return { accepted: ids.filter((id): id is string => id !== undefined), acceptedAt, statuses };
}

const FINAL = ['confirmed', 'rejected', 'cancelled', 'completed'];

/** Watches one customer's orders through the gateway until every one of `ids` is final; returns each one's status and when it was first seen final. */
export async function watchSettling(gateway: string, token: string, ids: string[], timeoutMs = 60_000): Promise<Map<string, { status: string; at: number }>> {
  const settled = new Map<string, { status: string; at: number }>();
  const deadline = Date.now() + timeoutMs;
  while (settled.size < ids.length) {
    if (Date.now() > deadline) throw new Error(`${ids.length - settled.size} of ${ids.length} orders did not settle within ${timeoutMs / 1000} s`);
    const res = await api(gateway, 'GET', '/api/orders?limit=200', { token }).catch(() => undefined);
    for (const o of (res?.status === 200 ? res.body.items : []) as { id: string; status: string }[]) {
      if (ids.includes(o.id) && FINAL.includes(o.status) && !settled.has(o.id)) settled.set(o.id, { status: o.status, at: Date.now() });
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return settled;
}

/** What the ledger says of `sku`: each reservation's order, and the balance. */
export async function ledgerOf(gateway: string, admin: string, sku: string) {
  const res = await api(gateway, 'GET', `/api/inventory/ledger?sku=${sku}&limit=200`, { token: admin });
  const items = res.body.items as { kind: string; reference: string }[];
  return { reserved: items.filter((m) => m.kind === 'reserve').map((m) => m.reference), balance: res.body.balance as { onHand: number; reserved: number; available: number } };
}

/** The trace of an order's checkout (the one its POST began), as the process at `url` shows it to an operator. */
export async function checkoutTrace(url: string, operator: string, orderId: string): Promise<SpanSeen[]> {
  const list = await api(url, 'GET', `/api/traces?orderId=${orderId}`, { token: operator });
  const checkout = (list.body.items as { traceId: string; root: string }[]).find((t) => t.root.startsWith('POST /api/orders'));
  if (!checkout) throw new Error(`no checkout trace of ${orderId}: ${JSON.stringify(list.body)}`);
  const trace = await api(url, 'GET', `/api/traces/${checkout.traceId}`, { token: operator });
  return trace.body.spans as SpanSeen[];
}
