/**
 * The platform's data after the night, as plain rows for the checks: read
 * from the services' databases (source.ts) for one brand, and, where the
 * public API says the same thing, from the API too (order statuses, campaign
 * budgets), so the checks compare what a client is shown.
 */
import { benchClient } from '../lib/http.js';
import type { DataSource } from './source.js';

export interface OrderRow {
  id: string;
  customerId: string;
  channel: string;
  status: string;
  total: number;
  paymentMethod: string;
  /** Every status it went through, oldest first. */
  history: string[];
  lines: { sku: string; qty: number }[];
  coupons: { code: string; discount: number | null }[];
  returns: { id: string; location: string; lines: { sku: string; qty: number }[]; amount: number }[];
}

export interface Snapshot {
  tenant: string;
  /** How each part was read, for the report. */
  sources: Record<string, string>;
  orders: OrderRow[];
  /** Order statuses as the API lists them (GET /api/orders as the brand admin), when it was reachable. */
  apiStatuses?: Record<string, string>;
  balances: { sku: string; location: string; onHand: number; reserved: number }[];
  /** The ledger summed per SKU, location and kind of movement. */
  ledger: { sku: string; location: string; kind: string; qty: number; onHandDelta: number; reservedDelta: number }[];
  /** Units received back by returns (movements referencing a return), per return id, SKU and location. */
  returnsReceived: { returnId: string; sku: string; location: string; qty: number }[];
  reservations: { orderId: string; status: string; sku: string; location: string; qty: number }[];
  coupons: { code: string; campaign: string; customerId: string; status: string; redeemedOrder: string | null; discount: number | null }[];
  campaigns: { code: string; budget: number; spent: number }[];
  payments: { id: string; orderId: string; amount: number; refunded: number; status: string; method: string }[];
  refunds: { intentId: string; amount: number }[];
  points: { memberId: string; orderId: string | null; reason: string; delta: number }[];
  fulfilments: { orderId: string; status: string; claimedBy: string | null }[];
}

const num = (v: unknown) => Number(v ?? 0);

export async function readSnapshot(source: DataSource, tenant: string, api?: { base: string; adminToken: string }): Promise<Snapshot> {
  const q = <T>(service: string, sql: string) => source.query<T>(service, sql, [tenant]);
  const [orders, lines, coupons, history, returns] = await Promise.all([
    q<{ id: string; customer_id: string; channel: string; status: string; total: number; payment_method: string }>('order', 'select id, customer_id, channel, status, total, payment_method from orders where tenant = ?'),
    q<{ order_id: string; sku: string; qty: number }>('order', 'select order_id, sku, qty from order_line where tenant = ?'),
    q<{ order_id: string; code: string; discount: number | null }>('order', 'select order_id, code, discount from order_coupon where tenant = ?'),
    q<{ order_id: string; status: string }>('order', 'select order_id, status from order_history where tenant = ? order by seq'),
    q<{ id: string; order_id: string; location: string; lines: string; amount: number }>('order', 'select id, order_id, location, lines, amount from order_return where tenant = ? order by seq'),
  ]);
  const byOrder = new Map<string, OrderRow>(
    orders.map((o) => [o.id, { id: o.id, customerId: o.customer_id, channel: o.channel, status: o.status, total: num(o.total), paymentMethod: o.payment_method, history: [], lines: [], coupons: [], returns: [] }]),
  );
  for (const l of lines) byOrder.get(l.order_id)?.lines.push({ sku: l.sku, qty: num(l.qty) });
  for (const c of coupons) byOrder.get(c.order_id)?.coupons.push({ code: c.code, discount: c.discount === null ? null : num(c.discount) });
  for (const h of history) byOrder.get(h.order_id)?.history.push(h.status);
  for (const r of returns) byOrder.get(r.order_id)?.returns.push({ id: r.id, location: r.location, lines: JSON.parse(r.lines) as { sku: string; qty: number }[], amount: num(r.amount) });

  const [balances, ledger, returned, reservations, couponRows, campaigns, payments, refunds, points, fulfilments] = await Promise.all([
    q<{ sku: string; location: string; on_hand: number; reserved: number }>('inventory', 'select sku, location, on_hand, reserved from balance where tenant = ?'),
    q<{ sku: string; location: string; kind: string; qty: number; on_hand: number; reserved: number }>(
      'inventory',
      'select sku, location, kind, sum(qty) as qty, sum(on_hand_delta) as on_hand, sum(reserved_delta) as reserved from movement where tenant = ? group by sku, location, kind',
    ),
    q<{ reference: string; sku: string; location: string; qty: number }>(
      'inventory',
      "select reference, sku, location, sum(qty) as qty from movement where tenant = ? and reference like 'return:%' group by reference, sku, location",
    ),
    q<{ order_id: string; status: string; sku: string; location: string; qty: number }>(
      'inventory',
      'select r.order_id, r.status, l.sku, l.location, l.qty from reservation r join reservation_line l on l.reservation_id = r.id and l.tenant = r.tenant where r.tenant = ?',
    ),
    q<{ code: string; campaign_code: string; customer_id: string; status: string; redeemed_order: string | null; discount: number | null }>(
      'promotion',
      'select c.code, t.campaign_code, c.customer_id, c.status, c.redeemed_order, c.discount from coupon c join coupon_template t on t.code = c.template_code and t.tenant = c.tenant where c.tenant = ?',
    ),
    q<{ code: string; budget: number; spent: number }>('promotion', 'select code, budget, spent from campaign where tenant = ?'),
    q<{ id: string; order_id: string; amount: number; refunded: number; status: string; method: string }>('payment', 'select id, order_id, amount, refunded, status, method from payment_intent where tenant = ?'),
    q<{ intent_id: string; amount: number }>('payment', 'select intent_id, amount from refund where tenant = ?'),
    q<{ member_id: string; order_id: string | null; reason: string; delta: number }>('customer', 'select member_id, order_id, reason, delta from points_entry where tenant = ?'),
    q<{ order_id: string; status: string; claimed_by: string | null }>('fulfilment', 'select order_id, status, claimed_by from fulfilment where tenant = ?'),
  ]);
  const snapshot: Snapshot = {
    tenant,
    sources: {
      orders: `order database (${source.where})`,
      stock: `inventory database: balance, movement, reservation (${source.where})`,
      promotions: `promotion database: coupon, campaign (${source.where})`,
      payments: `payment database: payment_intent, refund (${source.where})`,
      points: `customer database: points_entry (${source.where})`,
      fulfilment: `fulfilment database: fulfilment (${source.where})`,
    },
    orders: [...byOrder.values()],
    balances: balances.map((b) => ({ sku: b.sku, location: b.location, onHand: num(b.on_hand), reserved: num(b.reserved) })),
    ledger: ledger.map((m) => ({ sku: m.sku, location: m.location, kind: m.kind, qty: num(m.qty), onHandDelta: num(m.on_hand), reservedDelta: num(m.reserved) })),
    returnsReceived: returned.map((r) => ({ returnId: r.reference.slice('return:'.length), sku: r.sku, location: r.location, qty: num(r.qty) })),
    reservations: reservations.map((r) => ({ orderId: r.order_id, status: r.status, sku: r.sku, location: r.location, qty: num(r.qty) })),
    coupons: couponRows.map((c) => ({ code: c.code, campaign: c.campaign_code, customerId: c.customer_id, status: c.status, redeemedOrder: c.redeemed_order, discount: c.discount === null ? null : num(c.discount) })),
    campaigns: campaigns.map((c) => ({ code: c.code, budget: num(c.budget), spent: num(c.spent) })),
    payments: payments.map((p) => ({ id: p.id, orderId: p.order_id, amount: num(p.amount), refunded: num(p.refunded), status: p.status, method: p.method })),
    refunds: refunds.map((r) => ({ intentId: r.intent_id, amount: num(r.amount) })),
    points: points.map((p) => ({ memberId: p.member_id, orderId: p.order_id, reason: p.reason, delta: num(p.delta) })),
    fulfilments: fulfilments.map((f) => ({ orderId: f.order_id, status: f.status, claimedBy: f.claimed_by })),
  };
  if (api) {
    snapshot.apiStatuses = await listStatuses(api.base, api.adminToken);
    snapshot.sources.orderStatuses = `the public API: GET /api/orders as the brand admin (${Object.keys(snapshot.apiStatuses).length} orders)`;
    const client = benchClient(api.base);
    for (const c of snapshot.campaigns) {
      const res = await client<{ budget: number; spent: number }>('GET', `/api/promotions/campaigns/${c.code}`, api.adminToken);
      if (res.status === 200) Object.assign(c, { budget: res.body.budget, spent: res.body.spent });
    }
    snapshot.sources.campaigns = 'the public API: GET /api/promotions/campaigns/{code}';
  }
  return snapshot;
}

/** Every order of the brand with its status, paging GET /api/orders (200 a page). */
async function listStatuses(base: string, token: string): Promise<Record<string, string>> {
  const client = benchClient(base);
  const out: Record<string, string> = {};
  let cursor: string | null = null;
  do {
    const q: URLSearchParams = new URLSearchParams({ limit: '200', ...(cursor ? { cursor } : {}) });
    const res: { status: number; body: { items: { id: string; status: string }[]; nextCursor: string | null } } = await client<{ items: { id: string; status: string }[]; nextCursor: string | null }>('GET', `/api/orders?${q}`, token);
    if (res.status !== 200) throw new Error(`GET /api/orders answered ${res.status}: ${JSON.stringify(res.body)}`);
    for (const o of res.body.items) out[o.id] = o.status;
    cursor = res.body.nextCursor;
  } while (cursor);
  return out;
}
