import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import SQLite from 'better-sqlite3';
import { acrossTenants, createLogger, type EventEnvelope, type Role } from '@omnishop/kit';
import { platformDocument } from '../src/api-docs.js';
import { eventually } from '../src/client.js';
import { loadPlatformConfig, type PlatformConfig } from '../src/config.js';
import { startPlatform, type Platform } from '../src/platform.js';
import { unpromised, type Answer } from './documented.js';

/**
 * A real platform for a test: its own temporary data folder, a real port,
 * the real database and bus. Tests talk to it over HTTP only.
 */
export interface TestPlatform {
  platform: Platform;
  url: string;
  config: PlatformConfig;
  token(role: Role, opts?: { subject?: string; tenant?: string; store?: string }): Promise<string>;
  /** A request through real HTTP; its answer is checked, at stop, against what the API document promises. */
  api<T = any>(method: string, path: string, opts?: ApiOptions): Promise<ApiResponse<T>>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Stops the platform; then fails if any answer `api` got is one the API document does not list for its operation. */
  stop(): Promise<void>;
}

export interface ApiOptions {
  token?: string;
  body?: unknown;
  /** Raw body text, sent as-is (for malformed JSON). */
  raw?: string;
  headers?: Record<string, string>;
  idempotencyKey?: string;
}

export interface ApiResponse<T> {
  status: number;
  headers: Headers;
  body: T;
}

/**
 * With OMNISHOP_TEST_POSTGRES set to a server URL (as the `integration-pg`
 * test project does), each test platform gets a fresh PostgreSQL database on
 * that server, dropped when it stops.
 */
export async function freshPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> } | undefined> {
  const server = process.env.OMNISHOP_TEST_POSTGRES;
  if (!server) return undefined;
  const name = `omnishop_test_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: server });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/**
 * Where a test that runs in both projects puts its events: in the integration-pg project (PostgreSQL),
 * on NATS JetStream in a stream of its own, so the platform is the distributed kind; else the embedded bus.
 */
export function testBus(prefix: string): { overrides: Record<string, string>; name: string } {
  if (!process.env.OMNISHOP_TEST_POSTGRES) return { overrides: {}, name: 'SQLite and the embedded bus' };
  return {
    overrides: { BUS_URL: process.env.OMNISHOP_TEST_NATS ?? 'nats://127.0.0.1:4222', BUS_STREAM: `${prefix}${randomUUID().replace(/-/g, '').slice(0, 12)}` },
    name: 'PostgreSQL and JetStream',
  };
}

export async function startTestPlatform(overrides: Record<string, string> = {}): Promise<TestPlatform> {
  const dataDir = mkdtempSync(join(tmpdir(), 'omnishop-test-'));
  const postgres = await freshPostgresDatabase();
  const config = loadPlatformConfig(
    {
      PORT: '0',
      DATA_DIR: dataDir,
      LOG_LEVEL: process.env.OMNISHOP_TEST_LOG_LEVEL ?? 'silent',
      SEED: 'false',
      SQLITE_SYNCHRONOUS: 'NORMAL',
      // The simulated wallet provider answers quickly, so orders are paid soon after their stock is held.
      PAYMENT_LATENCY_MS: '20',
      // Burst tests check what became of every order of a burst; admission control, which may refuse
      // some of them on a busy machine, is tested on its own (admission.int.test.ts).
      ADMISSION_LOOP_DELAY_MS: '0',
      // One thread, so a test may look into any service's runtime; the service thread has tests of its own (service-thread.int.test.ts).
      THREAD_SERVICES: 'none',
      ...(postgres ? { DATABASE_URL: postgres.url } : {}), ...overrides },
    '/nonexistent',
  );
  const platform = await startPlatform(config, createLogger({ level: config.logLevel }), { retry: { attempts: 3, baseMs: 10, maxMs: 50 } });
  const url = platform.url;
  const answers: Answer[] = [];
  return {
    platform,
    url,
    config,
    token: (role, opts = {}) =>
      platform.auth.mint({ subject: opts.subject ?? `test-${role}`, tenant: opts.tenant ?? 'acme', role, ...(opts.store ? { store: opts.store } : {}) }),
    api: async <T>(method: string, path: string, opts: ApiOptions = {}) => {
      const answer = await request<T>(url, method, path, opts);
      answers.push({ method, path, status: answer.status });
      return answer;
    },
    async stop() {
      await platform.stop();
      await postgres?.drop();
      rmSync(dataDir, { recursive: true, force: true });
      const surprises = unpromised(await platformDocument(platform.runtimes.map((r) => r.def)), answers);
      if (surprises.length) throw new Error(`answers the API document does not list (name them in the route's errors):\n  ${surprises.join('\n  ')}`);
    },
  };
}

export async function request<T>(base: string, method: string, path: string, opts: ApiOptions = {}): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.idempotencyKey) headers['idempotency-key'] = opts.idempotencyKey;
  let body: string | undefined;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
  const res = await fetch(base + path, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: the test sees the text
  }
  return { status: res.status, headers: res.headers, body: parsed as T };
}

export { eventually };

const ROOT = resolve(import.meta.dirname, '../../..');

/** Runs a command in the repository's root as a process of its own: its exit code and output. */
export const runInRoot = (command: string, args: string[], env: Record<string, string> = {}) =>
  promisify(execFile)(command, args, { cwd: ROOT, env: { ...process.env, ...env } }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

/** Runs a TypeScript entry of the repository (the CLI, say) on this Node.js. */
export const tsx = (args: string[], env: Record<string, string> = {}) => runInRoot(process.execPath, ['--import', 'tsx', ...args], env);

export const newKey = () => randomUUID();

/** Opens a store (a code starting WH_ is a warehouse) through the store service at `base`; asking again for the same code changes nothing. */
export async function openStore(base: string, token: string, tenant: string, code: string): Promise<void> {
  const res = await request(base, 'POST', '/api/stores', {
    token,
    idempotencyKey: `test-store-${tenant}-${code}`,
    body: { code, name: `Test ${code}`, type: code.startsWith('WH') ? 'warehouse' : 'store', city: 'Shanghai', lat: 31.23, lng: 121.47, hours: {} },
  });
  if (res.status !== 201) throw new Error(`store ${code} not opened: ${JSON.stringify(res.body)}`);
}

/** Opens stores and waits until every service keeping the store register knows them. */
export async function openStores(t: Pick<TestPlatform, 'platform' | 'url'>, codes: string[], tenant = 'acme'): Promise<void> {
  const admin = await t.platform.auth.mint({ subject: 'test-brand_admin', tenant, role: 'brand_admin' });
  for (const code of codes) await openStore(t.url, admin, tenant, code);
  await settled(t);
}

/**
 * Creates a style through the catalogue and waits until inventory and order
 * know its SKUs (they learn them from SkuCreated), then opens the stores
 * named and receives stock there.
 */
export async function stockedSku(
  t: TestPlatform,
  opts: { style?: string; price?: number; stock?: Record<string, number>; tenant?: string } = {},
): Promise<string> {
  const tenant = opts.tenant ?? 'acme';
  const admin = await t.token('brand_admin', { tenant });
  const style = opts.style ?? `S${Math.floor(Math.random() * 1e9)}`;
  const created = await t.api('POST', '/api/catalog/styles', {
    token: admin,
    idempotencyKey: newKey(),
    body: { code: style, name: 'Test Tee', category: 'tops', price: opts.price ?? 9900, colours: [{ code: 'BLK', name: 'Black' }], sizes: ['M'] },
  });
  if (created.status !== 201) throw new Error(`style not created: ${JSON.stringify(created.body)}`);
  const sku = `${style}-BLK-M`;
  await eventually(async () => ((await t.api('GET', `/api/inventory/stock?sku=${sku}`, { token: admin })).status === 200 ? true : undefined), 'inventory to know the SKU');
  await openStores(t, Object.keys(opts.stock ?? {}), tenant);
  for (const [location, qty] of Object.entries(opts.stock ?? {})) {
    const res = await t.api('POST', '/api/inventory/movements', { token: admin, idempotencyKey: newKey(), body: { sku, location, kind: 'receive', qty } });
    if (res.status !== 201) throw new Error(`stock not received: ${JSON.stringify(res.body)}`);
  }
  return sku;
}

/** Makes a customer a member of the brand (PUT /api/customers/me), known to the order service, so a till sale may be for them. */
export async function member(t: TestPlatform, customerId: string, tenant = 'acme'): Promise<void> {
  const res = await t.api('PUT', '/api/customers/me', { token: await t.token('customer', { subject: customerId, tenant }), body: { name: customerId } });
  if (res.status !== 200) throw new Error(`${customerId} did not join: ${JSON.stringify(res.body)}`);
  await settled(t);
}

/** Waits until every event so far has been relayed and handled: outboxes empty, no consumer lag. */
export async function settled(t: Pick<TestPlatform, 'platform'>, timeoutMs = 30_000): Promise<void> {
  await eventually(async () => {
    for (const r of t.platform.runtimes) await r.relay.flush();
    const outboxes = await acrossTenants('the test waits for every brand\'s events', () =>
      Promise.all(
        t.platform.runtimes.map((r) => r.sdb.db.selectFrom('outbox').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()),
      ),
    );
    const idle = outboxes.every((o) => Number(o.n) === 0) && Object.values(await t.platform.bus.lag()).every((n) => n === 0);
    return idle ? true : undefined;
  }, 'events to settle', timeoutMs);
}

/**
 * The events published so far, oldest first, once everything has settled: of
 * the given types, and of one key if given. Read from the embedded bus's log.
 */
export async function publishedEvents(t: TestPlatform, filter: { types: string[]; key?: string }): Promise<EventEnvelope<Record<string, unknown>>[]> {
  await settled(t);
  const bus = new SQLite(join(t.config.dataDir, 'bus.db'), { readonly: true });
  try {
    const rows = bus
      .prepare(`select envelope from bus_log where type in (${filter.types.map(() => '?').join(', ')}) order by seq`)
      .all(...filter.types) as { envelope: string }[];
    const events = rows.map((r) => JSON.parse(r.envelope) as EventEnvelope<Record<string, unknown>>);
    return filter.key === undefined ? events : events.filter((e) => e.key === filter.key);
  } finally {
    bus.close();
  }
}

/** Waits until an order's saga has run its course (paid, refused, cancelled or handed over) and returns it. */
export async function finalOrder(t: TestPlatform, token: string, id: string, timeoutMs = 30_000) {
  return eventually(async () => {
    const res = await t.api('GET', `/api/orders/${id}`, { token });
    return ['confirmed', 'rejected', 'cancelled', 'completed'].includes(res.body?.status) ? res.body : undefined;
  }, `order ${id} to settle`, timeoutMs);
}

/** A live campaign with one coupon template, and a coupon of it issued to the customer; returns the coupon and campaign codes. */
export async function issuedCoupon(
  t: TestPlatform,
  customerId: string,
  terms: Record<string, unknown> = { kind: 'fixed', amount: 2000 },
  budget = 1_000_000,
): Promise<{ code: string; campaign: string }> {
  const admin = await t.token('brand_admin');
  const unique = (prefix: string) => `${prefix}${randomUUID().replace(/-/g, '').slice(0, 10).toUpperCase()}`;
  const post = async (path: string, body: unknown) => {
    const res = await t.api('POST', `/api/promotions${path}`, { token: admin, idempotencyKey: newKey(), body });
    if (res.status !== 201) throw new Error(`${path}: ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const campaign = unique('C');
  await post('/campaigns', { code: campaign, name: 'Singles Day', startsAt: '2020-01-01T00:00:00Z', endsAt: '2099-01-01T00:00:00Z', budget });
  const template = unique('T');
  await post('/templates', { code: template, campaign, ...terms });
  const coupon = await post('/coupons', { template, customerId });
  // The order service learns the coupon from CouponIssued, and tells an order naming one it does not know at once.
  await settled(t);
  return { code: coupon.code as string, campaign };
}
