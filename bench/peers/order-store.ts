/**
 * The orders table and outbox both peers write to, as a Node team would
 * write it by hand: the driver the platform uses (better-sqlite3, or pg for
 * PostgreSQL), prepared statements, one transaction per order.
 *
 * Placing an order does what the platform's `place` (services/order/routes/
 * orders.ts) does in its transaction: read the price of each SKU, insert the
 * order, its lines, its coupons, its first status-history row and an
 * OrderPlaced envelope in the outbox, into tables shaped and indexed like the
 * order service's, and commit durably: SQLite in WAL mode with
 * synchronous=FULL (the commit returns once the log is on disk), or
 * PostgreSQL with its default synchronous_commit.
 *
 * What the platform does beyond this is in bench/peers/README.md.
 */
import { randomUUID } from 'node:crypto';
import SQLite from 'better-sqlite3';
import pg from 'pg';

export const PEER_TENANT = 'bench';
export const PEER_CUSTOMER = 'bench-customer';
/** The one SKU with a price (the bare target's SKU; the platform's bench brand prices its own SKU the same). */
export const PEER_SKU = 'BENCH-BLK-M';
/** The price the platform's bench brand gives its SKU (bench/lib/brand.ts). */
const PRICE = { price: 9900, currency: 'CNY' };

export interface OrderInput {
  lines: { sku: string; qty: number }[];
  coupons?: string[];
  channel?: string;
}

/**
 * The 201 body: the order as written, its id, status and time beside what
 * its OrderPlaced event says. Leaner than the platform's answer (which adds
 * discounts, status history and returns), so it favours the peers a little.
 */
export interface OrderView {
  id: string;
  status: 'pending';
  createdAt: string;
  customerId: string;
  channel: string;
  lines: { sku: string; qty: number; unitPrice: number }[];
  total: number;
  currency: string;
  paymentMethod: 'wallet';
  coupons?: string[];
}

/** A line names a SKU with no price: the platform's 422 at `body.lines.N.sku`. */
export class UnknownSku extends Error {
  constructor(readonly index: number) {
    super(`line ${index}: unknown SKU`);
  }
}

export interface OrderStore {
  place(customerId: string, input: OrderInput): Promise<OrderView>;
  close(): Promise<void>;
  settings: Record<string, string>;
}

const SEQ = { sqlite: 'integer primary key autoincrement', postgres: 'bigserial primary key' };

const schema = (seq: string) => `
  create table if not exists sku_price (tenant text not null, sku text not null, price integer not null, currency text not null, primary key (tenant, sku));
  create table if not exists orders (
    seq ${seq}, id text not null unique, tenant text not null, customer_id text not null, channel text not null, status text not null,
    subtotal integer not null, discount integer not null, total integer not null, currency text not null, payment_method text not null,
    store text, stock_held integer not null, coupons_settled integer not null, payment_due_by text, reason text,
    created_at text not null, updated_at text not null);
  create index if not exists orders_by_tenant on orders (tenant, seq);
  create index if not exists orders_by_customer on orders (tenant, customer_id, seq);
  create index if not exists orders_awaiting_payment on orders (status, payment_due_by);
  create table if not exists order_line (
    tenant text not null, order_id text not null, line_no integer not null, sku text not null, qty integer not null,
    unit_price integer not null, discount integer not null, returned_qty integer not null, primary key (order_id, line_no));
  create table if not exists order_coupon (tenant text not null, order_id text not null, code text not null, discount integer, primary key (tenant, order_id, code));
  create table if not exists order_history (seq ${seq}, tenant text not null, order_id text not null, status text not null, reason text, at text not null);
  create index if not exists order_history_by_order on order_history (tenant, order_id, seq);
  create table if not exists outbox (seq ${seq}, id text not null unique, type text not null, key text not null, tenant text not null, envelope text not null, created_at text not null);
`;

const SQL = {
  price: 'select price, currency from sku_price where tenant = $1 and sku = $2',
  order:
    'insert into orders (id, tenant, customer_id, channel, status, subtotal, discount, total, currency, payment_method, store, stock_held, coupons_settled, payment_due_by, reason, created_at, updated_at) ' +
    "values ($1, $2, $3, $4, 'pending', $5, 0, $6, $7, 'wallet', null, 0, $8, null, null, $9, $10)",
  line: 'insert into order_line (tenant, order_id, line_no, sku, qty, unit_price, discount, returned_qty) values ($1, $2, $3, $4, $5, $6, 0, 0)',
  coupon: 'insert into order_coupon (tenant, order_id, code, discount) values ($1, $2, $3, null)',
  history: "insert into order_history (tenant, order_id, status, reason, at) values ($1, $2, 'pending', null, $3)",
  outbox: "insert into outbox (id, type, key, tenant, envelope, created_at) values ($1, 'OrderPlaced', $2, $3, $4, $5)",
  seedPrice: 'insert into sku_price (tenant, sku, price, currency) values ($1, $2, $3, $4) on conflict do nothing',
};

type Row = { price: number; currency: string };
type Write = [sql: keyof typeof SQL, params: unknown[]];

/**
 * One order from its input and the prices of its SKUs: the rows to write, in
 * order, and the 201 body. The same for both databases.
 */
function buildOrder(customerId: string, input: OrderInput, prices: Map<string, Row>): { writes: Write[]; view: OrderView } {
  const lines = input.lines.map((l, i) => {
    const row = prices.get(l.sku);
    if (!row) throw new UnknownSku(i);
    return { sku: l.sku, qty: l.qty, unitPrice: Number(row.price), currency: row.currency };
  });
  const currency = lines[0]!.currency;
  const subtotal = lines.reduce((sum, l) => sum + l.unitPrice * l.qty, 0);
  const coupons = input.coupons ?? [];
  const channel = input.channel ?? 'online';
  const id = randomUUID();
  const now = new Date().toISOString();
  const eventId = randomUUID();
  const placed = {
    customerId,
    channel,
    lines: lines.map((l) => ({ sku: l.sku, qty: l.qty, unitPrice: l.unitPrice })),
    total: subtotal,
    currency,
    paymentMethod: 'wallet' as const,
    ...(coupons.length ? { coupons } : {}),
  };
  const envelope = { id: eventId, type: 'OrderPlaced', version: 1, source: 'order', key: id, tenant: PEER_TENANT, time: now, headers: {}, data: { orderId: id, ...placed } };
  const writes: Write[] = [
    ['order', [id, PEER_TENANT, customerId, channel, subtotal, subtotal, currency, coupons.length ? 0 : 1, now, now]],
    ...lines.map((l, i): Write => ['line', [PEER_TENANT, id, i + 1, l.sku, l.qty, l.unitPrice]]),
    ...coupons.map((code): Write => ['coupon', [PEER_TENANT, id, code]]),
    ['history', [PEER_TENANT, id, now]],
    ['outbox', [eventId, id, PEER_TENANT, JSON.stringify(envelope), now]],
  ];
  const view: OrderView = { id, status: 'pending', createdAt: now, ...placed };
  return { writes, view };
}

const skusOf = (input: OrderInput) => [...new Set(input.lines.map((l) => l.sku))];

function sqliteStore(path: string, synchronous: 'FULL' | 'NORMAL'): OrderStore {
  const db = new SQLite(path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  db.exec(schema(SEQ.sqlite));
  // `$1` placeholders become `?`, which better-sqlite3 binds in order (so none is used twice).
  const prepared = Object.fromEntries(Object.entries(SQL).map(([name, sql]) => [name, db.prepare(sql.replace(/\$\d+/g, '?'))])) as Record<keyof typeof SQL, SQLite.Statement>;
  prepared.seedPrice.run(PEER_TENANT, PEER_SKU, PRICE.price, PRICE.currency);
  // better-sqlite3 is synchronous: the order is one transaction, begun and committed in one call.
  const place = db.transaction((customerId: string, input: OrderInput) => {
    const prices = new Map<string, Row>();
    for (const sku of skusOf(input)) {
      const row = prepared.price.get(PEER_TENANT, sku) as Row | undefined;
      if (row) prices.set(sku, row);
    }
    const { writes, view } = buildOrder(customerId, input, prices);
    for (const [name, params] of writes) prepared[name].run(...params);
    return view;
  });
  return {
    place: async (customerId, input) => place.immediate(customerId, input),
    close: async () => {
      db.close();
    },
    settings: { database: 'sqlite', journalMode: 'wal', synchronous },
  };
}

async function postgresStore(url: string): Promise<OrderStore> {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  await pool.query(schema(SEQ.postgres));
  await pool.query(SQL.seedPrice, [PEER_TENANT, PEER_SKU, PRICE.price, PRICE.currency]);
  // Named queries: each connection prepares a statement once and reuses it.
  const query = <R extends pg.QueryResultRow>(client: pg.PoolClient, name: keyof typeof SQL, values: unknown[]) => client.query<R>({ name, text: SQL[name], values });
  return {
    async place(customerId, input) {
      const client = await pool.connect();
      try {
        await client.query('begin');
        const prices = new Map<string, Row>();
        for (const sku of skusOf(input)) {
          const row = (await query<Row>(client, 'price', [PEER_TENANT, sku])).rows[0];
          if (row) prices.set(sku, row);
        }
        const { writes, view } = buildOrder(customerId, input, prices);
        for (const [name, params] of writes) await query(client, name, params);
        await client.query('commit');
        return view;
      } catch (error) {
        await client.query('rollback');
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
    settings: { database: 'postgresql', synchronousCommit: 'on (the default)', poolMax: '10' },
  };
}

/**
 * The store a peer target uses, from its environment: BENCH_PEER_DATABASE
 * is a postgres:// URL or the path of a SQLite file; BENCH_SQLITE_SYNC is
 * FULL (default) or NORMAL.
 */
export async function openOrderStore(env = process.env): Promise<OrderStore> {
  const where = env.BENCH_PEER_DATABASE;
  if (!where) throw new Error('BENCH_PEER_DATABASE is not set');
  if (/^postgres(ql)?:\/\//.test(where)) return postgresStore(where);
  const sync = (env.BENCH_SQLITE_SYNC ?? 'FULL').toUpperCase();
  if (sync !== 'FULL' && sync !== 'NORMAL') throw new Error(`BENCH_SQLITE_SYNC must be FULL or NORMAL, got ${sync}`);
  return sqliteStore(where, sync);
}
