/**
 * The reconciliation: after the night, does the platform's data add up,
 * order by order? Each check is a plain function over the snapshot (what the
 * platform holds) and the client record (what clients were told), says what
 * it compared and how many items, and names every item that disagrees.
 */
import { WALK_IN_CUSTOMER } from '@omnishop/order/contract';
import { acceptedIds, type ClientRecord } from './record.js';
import type { Snapshot } from './snapshot.js';

export interface Check {
  check: string;
  ok: boolean;
  /** What was compared with what. */
  compared: string;
  /** How many items were compared. */
  items: number;
  /** Each item that disagrees, named (the first MAX_NAMED, then how many more). */
  failures: string[];
}

const MAX_NAMED = 25;
const NOT_FINAL = new Set(['pending', 'awaiting_payment']);
/** Orders whose coupons stay redeemed: the saga applied them and nothing gave them back. */
const KEEPS_COUPONS = new Set(['awaiting_payment', 'confirmed', 'completed', 'returned']);
const CAPTURED = new Set(['captured', 'refunded', 'partially_refunded']);

function check(name: string, compared: string, items: number, failures: string[]): Check {
  const named = failures.length > MAX_NAMED ? [...failures.slice(0, MAX_NAMED), `... and ${failures.length - MAX_NAMED} more`] : failures;
  return { check: name, ok: failures.length === 0, compared, items, failures: named };
}

const keyOf = (sku: string, location: string) => `${sku} at ${location}`;
const add = (m: Map<string, number>, k: string, n: number) => m.set(k, (m.get(k) ?? 0) + n);

/** Every order a client was told exists is there, and in a final state (not pending or awaiting payment). */
export function acceptedOrdersFinal(s: Snapshot, r: ClientRecord): Check {
  const orders = new Map(s.orders.map((o) => [o.id, o]));
  const failures: string[] = [];
  const ids = acceptedIds(r);
  for (const id of ids) {
    const order = orders.get(id);
    if (!order) {
      failures.push(`order ${id}: accepted, but not in the order database`);
      continue;
    }
    const status = s.apiStatuses ? s.apiStatuses[id] : order.status;
    if (status === undefined) failures.push(`order ${id}: accepted, but not listed by GET /api/orders`);
    else if (NOT_FINAL.has(status)) failures.push(`order ${id}: still ${status}`);
  }
  const via = s.apiStatuses ? 'its status as GET /api/orders lists it' : 'its status in the order database';
  return check('every accepted order is final', `each order answered 201 to a client, against the order database and ${via}`, ids.size, failures);
}

/** One Idempotency-Key, one order: resends got the same order, and no order exists that no key was answered with. */
export function oneOrderPerKey(s: Snapshot, r: ClientRecord): Check {
  const failures: string[] = [];
  for (const ask of r.orders) {
    const ids = [...new Set(ask.answers.map((a) => a.id).filter((id): id is string => !!id))];
    if (ids.length > 1) failures.push(`key ${ask.key}: answered with ${ids.length} orders (${ids.join(', ')})`);
  }
  const told = acceptedIds(r);
  for (const o of s.orders) if (!told.has(o.id)) failures.push(`order ${o.id} (${o.status}): in the order database, but no client was answered with it`);
  const resent = r.orders.filter((a) => a.answers.length > 1).length;
  return check(
    'no order created twice for one key',
    `the orders answered to each Idempotency-Key (${resent} keys sent more than once), and the brand's orders in the database against those answered`,
    r.orders.length + s.orders.length,
    failures,
  );
}

/** The balance of each SKU at each location is what its ledger adds up to. */
export function stockMatchesLedger(s: Snapshot): Check {
  const onHand = new Map<string, number>();
  const reserved = new Map<string, number>();
  for (const m of s.ledger) {
    add(onHand, keyOf(m.sku, m.location), m.onHandDelta);
    add(reserved, keyOf(m.sku, m.location), m.reservedDelta);
  }
  const failures: string[] = [];
  const seen = new Set<string>();
  for (const b of s.balances) {
    const k = keyOf(b.sku, b.location);
    seen.add(k);
    const h = onHand.get(k) ?? 0;
    const rv = reserved.get(k) ?? 0;
    if (b.onHand !== h) failures.push(`SKU ${k}: on hand ${b.onHand}, the ledger adds up to ${h}`);
    if (b.reserved !== rv) failures.push(`SKU ${k}: reserved ${b.reserved}, the ledger adds up to ${rv}`);
  }
  for (const k of onHand.keys()) if (!seen.has(k)) failures.push(`SKU ${k}: movements in the ledger but no balance`);
  return check('stock equals its ledger', 'on hand and reserved of each SKU at each location against the sum of its movements', s.balances.length, failures);
}

/** What the orders imply: stock still held only for confirmed orders, sold for completed ones, released for the rest; returns received where they came back. */
export function stockMatchesOrders(s: Snapshot): Check {
  const failures: string[] = [];
  const holdOf = new Map<string, string>();
  const held = new Map<string, number>();
  const sold = new Map<string, number>();
  for (const r of s.reservations) {
    holdOf.set(r.orderId, r.status);
    if (r.status === 'held' || r.status === 'committed') add(held, keyOf(r.sku, r.location), r.qty);
    if (r.status === 'sold') add(sold, keyOf(r.sku, r.location), r.qty);
  }
  const expect: Record<string, string[]> = {
    confirmed: ['committed'],
    completed: ['sold'],
    returned: ['sold'],
    cancelled: ['released', 'expired', 'none'],
    rejected: ['released', 'expired', 'none'],
  };
  for (const o of s.orders) {
    const allowed = expect[o.status];
    if (!allowed) continue; // not final: the first check names it
    const hold = holdOf.get(o.id) ?? 'none';
    if (!allowed.includes(hold)) failures.push(`order ${o.id} (${o.status}): its stock is ${hold === 'none' ? 'not held at all' : hold}, expected ${allowed.join(' or ')}`);
  }
  const ledgerReserved = new Map<string, number>();
  const ledgerSold = new Map<string, number>();
  for (const m of s.ledger) {
    add(ledgerReserved, keyOf(m.sku, m.location), m.reservedDelta);
    if (m.kind === 'sell') add(ledgerSold, keyOf(m.sku, m.location), m.qty);
  }
  for (const b of s.balances) {
    const k = keyOf(b.sku, b.location);
    if (b.reserved !== (held.get(k) ?? 0)) failures.push(`SKU ${k}: reserved ${b.reserved}, the orders holding it add up to ${held.get(k) ?? 0}`);
    if ((ledgerSold.get(k) ?? 0) !== (sold.get(k) ?? 0)) failures.push(`SKU ${k}: sold ${ledgerSold.get(k) ?? 0} in the ledger, the completed orders add up to ${sold.get(k) ?? 0}`);
  }
  const received = new Map(s.returnsReceived.map((x) => [`${x.returnId} ${keyOf(x.sku, x.location)}`, x.qty]));
  let returnLines = 0;
  for (const o of s.orders)
    for (const ret of o.returns)
      for (const l of ret.lines) {
        returnLines++;
        const k = `${ret.id} ${keyOf(l.sku, ret.location)}`;
        const got = received.get(k) ?? 0;
        if (got !== l.qty) failures.push(`return ${ret.id} of order ${o.id}: ${l.qty} x ${l.sku} back at ${ret.location}, the ledger received ${got}`);
        received.delete(k);
      }
  for (const [k, qty] of received) failures.push(`return ${k}: ${qty} received in the ledger, but no such return of an order`);
  return check(
    'stock equals what the orders imply',
    "each final order's stock hold against its status; reserved and sold per SKU and location against the orders' holds; each return's lines against the units received back",
    s.orders.length + s.balances.length + returnLines,
    failures,
  );
}

/** No SKU sold more than it had: never negative, never more held than on hand, never more sold and held than received. */
export function noOversell(s: Snapshot): Check {
  const failures: string[] = [];
  for (const b of s.balances) {
    if (b.onHand < 0 || b.reserved < 0 || b.reserved > b.onHand) failures.push(`SKU ${keyOf(b.sku, b.location)}: on hand ${b.onHand}, reserved ${b.reserved}`);
  }
  const received = new Map<string, number>();
  const sold = new Map<string, number>();
  for (const m of s.ledger) {
    if (m.kind === 'receive') add(received, m.sku, m.qty);
    if (m.kind === 'adjust') add(received, m.sku, m.onHandDelta);
    if (m.kind === 'sell') add(sold, m.sku, m.qty);
  }
  const reserved = new Map<string, number>();
  for (const b of s.balances) add(reserved, b.sku, b.reserved);
  for (const [sku, had] of received) {
    const out = (sold.get(sku) ?? 0) + (reserved.get(sku) ?? 0);
    if (out > had) failures.push(`SKU ${sku}: sold ${sold.get(sku) ?? 0} and held ${reserved.get(sku) ?? 0}, more than the ${had} received`);
  }
  return check('no SKU sold more than it had', 'each balance against zero and its on-hand; sold plus held per SKU against what was received (returns included)', s.balances.length + received.size, failures);
}

/** Each coupon kept by at most one order, and redeemed for that order in promotion. */
export function couponsOnce(s: Snapshot): Check {
  const failures: string[] = [];
  const status = new Map(s.orders.map((o) => [o.id, o.status]));
  const keptBy = new Map<string, string[]>();
  for (const o of s.orders) {
    if (!KEEPS_COUPONS.has(o.status)) continue;
    for (const c of o.coupons) if (c.discount !== null) keptBy.set(c.code, [...(keptBy.get(c.code) ?? []), o.id]);
  }
  for (const [code, orders] of keptBy) if (orders.length > 1) failures.push(`coupon ${code}: redeemed by ${orders.length} orders (${orders.join(', ')})`);
  // An order still in its saga may have its coupon redeemed in promotion before the order hears of it: not judged here
  // (the first check names the order as not final).
  const inFlight = new Set(s.orders.filter((o) => NOT_FINAL.has(o.status)).flatMap((o) => o.coupons.map((c) => c.code)));
  for (const c of s.coupons) {
    const holders = keptBy.get(c.code) ?? [];
    if (inFlight.has(c.code) && !holders.length) continue;
    if (c.status === 'redeemed') {
      const st = c.redeemedOrder ? status.get(c.redeemedOrder) : undefined;
      if (!c.redeemedOrder || !st) failures.push(`coupon ${c.code}: redeemed for ${c.redeemedOrder ?? 'no order'}, which the order database does not have`);
      else if (!KEEPS_COUPONS.has(st)) failures.push(`coupon ${c.code}: still redeemed for order ${c.redeemedOrder}, which is ${st}`);
      else if (!holders.includes(c.redeemedOrder)) failures.push(`coupon ${c.code}: redeemed for order ${c.redeemedOrder}, which does not list it applied`);
    } else if (holders.length) failures.push(`coupon ${c.code}: ${c.status} in promotion, but applied to order ${holders.join(', ')}`);
  }
  return check('each coupon redeemed at most once', "each coupon's redemption in promotion against the orders that applied it", s.coupons.length, failures);
}

/** No campaign spent beyond its budget, and its spend is what its redeemed coupons took off. */
export function campaignsWithinBudget(s: Snapshot): Check {
  const failures: string[] = [];
  const discounts = new Map<string, number>();
  const redeemed = new Map<string, number>();
  for (const c of s.coupons)
    if (c.status === 'redeemed') {
      add(discounts, c.campaign, c.discount ?? 0);
      add(redeemed, c.campaign, 1);
    }
  for (const c of s.campaigns) {
    if (c.spent > c.budget) failures.push(`campaign ${c.code}: spent ${c.spent} of a budget of ${c.budget}`);
    if (c.spent !== (discounts.get(c.code) ?? 0)) failures.push(`campaign ${c.code}: spent ${c.spent}, its ${redeemed.get(c.code) ?? 0} redeemed coupons took off ${discounts.get(c.code) ?? 0}`);
  }
  const summary = s.campaigns.map((c) => `${c.code} ${c.spent}/${c.budget}`).join(', ');
  return check('no campaign beyond its budget', `each campaign's spend against its budget and the discounts of its redeemed coupons (${summary})`, s.campaigns.length, failures);
}

/** At most one captured payment per order, and refunds adding up to what each payment says it gave back. */
export function paymentsCapturedOnce(s: Snapshot): Check {
  const failures: string[] = [];
  const captured = new Map<string, string[]>();
  for (const p of s.payments) if (CAPTURED.has(p.status)) captured.set(p.orderId, [...(captured.get(p.orderId) ?? []), p.id]);
  for (const [order, intents] of captured) if (intents.length > 1) failures.push(`order ${order}: captured ${intents.length} times (payments ${intents.join(', ')})`);
  const refunded = new Map<string, number>();
  for (const r of s.refunds) add(refunded, r.intentId, r.amount);
  for (const p of s.payments) {
    if ((refunded.get(p.id) ?? 0) !== p.refunded) failures.push(`payment ${p.id} of order ${p.orderId}: says ${p.refunded} refunded, its refunds add up to ${refunded.get(p.id) ?? 0}`);
    if (p.refunded > p.amount) failures.push(`payment ${p.id} of order ${p.orderId}: refunded ${p.refunded} of ${p.amount}`);
  }
  const orders = new Set(s.orders.map((o) => o.id));
  for (const p of s.payments) if (!orders.has(p.orderId)) failures.push(`payment ${p.id}: for order ${p.orderId}, which the order database does not have`);
  return check('each payment captured at most once', 'captured payments per order; each payment\'s refunded amount against its refunds', s.payments.length, failures);
}

/** Every cancelled or rejected order's money given back: its payments never captured, or refunded in full. Paid orders captured once, for what is due. */
export function moneyGivenBack(s: Snapshot): Check {
  const failures: string[] = [];
  const byOrder = new Map<string, Snapshot['payments']>();
  for (const p of s.payments) byOrder.set(p.orderId, [...(byOrder.get(p.orderId) ?? []), p]);
  let compared = 0;
  for (const o of s.orders) {
    const pays = byOrder.get(o.id) ?? [];
    if (o.status === 'cancelled' || o.status === 'rejected') {
      compared++;
      for (const p of pays) if (CAPTURED.has(p.status) && p.refunded !== p.amount) failures.push(`order ${o.id} (${o.status}): payment ${p.id} captured ${p.amount}, refunded ${p.refunded}`);
    } else if (o.status === 'confirmed' || o.status === 'completed' || o.status === 'returned') {
      compared++;
      const kept = pays.filter((p) => CAPTURED.has(p.status));
      if (kept.length !== 1) failures.push(`order ${o.id} (${o.status}): ${kept.length} captured payments`);
      else if (kept[0]!.amount !== o.total) failures.push(`order ${o.id} (${o.status}): captured ${kept[0]!.amount}, the order's total is ${o.total}`);
      const returned = o.returns.reduce((a, r) => a + r.amount, 0);
      if (kept.length === 1 && kept[0]!.refunded !== returned) failures.push(`order ${o.id} (${o.status}): refunded ${kept[0]!.refunded}, its returns are worth ${returned}`);
    }
  }
  return check(
    "every cancelled or rejected order's money given back",
    "payments of cancelled and rejected orders (never captured, or refunded in full); of paid orders (captured once for the total, refunded what the returns are worth)",
    compared,
    failures,
  );
}

/**
 * The points an order keeps, by the rule as the README states it (not the customer service's code, so a slip there
 * shows): 1 per yuan (100 fen) paid, less floor(earned x refunded / paid) of what was refunded.
 */
export function pointsKept(paid: number, refunded: number): number {
  const earned = paid > 0 ? Math.floor(paid / 100) : 0;
  if (earned === 0) return 0;
  return earned - Math.floor((earned * Math.min(Math.max(refunded, 0), paid)) / paid);
}

/** Loyalty points: each member's balance is what their completed orders earned, less the refunded share. */
export function pointsAddUp(s: Snapshot): Check {
  const failures: string[] = [];
  const refundedOf = new Map<string, number>();
  for (const p of s.payments) add(refundedOf, p.orderId, p.refunded);
  const expected = new Map<string, number>();
  for (const o of s.orders) {
    if (o.customerId === WALK_IN_CUSTOMER || !o.history.includes('completed')) continue;
    add(expected, o.customerId, pointsKept(o.total, refundedOf.get(o.id) ?? 0));
  }
  const actual = new Map<string, number>();
  for (const e of s.points) add(actual, e.memberId, e.delta);
  const members = new Set([...expected.keys(), ...actual.keys()]);
  for (const m of members) {
    const want = expected.get(m) ?? 0;
    const have = actual.get(m) ?? 0;
    if (want !== have) failures.push(`member ${m}: ${have} points, their completed orders and refunds imply ${want}`);
  }
  return check('loyalty points equal what orders imply', "each member's points (sum of the ledger) against 1 per yuan paid for completed orders, less the refunded share", members.size, failures);
}

/** Each claimed order claimed by exactly one store: one store answered 200, the one fulfilment names. */
export function claimedOnce(s: Snapshot, r: ClientRecord): Check {
  const failures: string[] = [];
  const winners = new Map<string, Set<string>>();
  const tried = new Set<string>();
  for (const c of r.claims) {
    tried.add(c.orderId);
    if (c.status === 200) winners.set(c.orderId, (winners.get(c.orderId) ?? new Set()).add(c.store));
  }
  const fulfilment = new Map(s.fulfilments.map((f) => [f.orderId, f]));
  for (const [order, stores] of winners) {
    if (stores.size > 1) failures.push(`order ${order}: claimed by ${stores.size} stores (${[...stores].join(', ')})`);
    const f = fulfilment.get(order);
    if (!f) failures.push(`order ${order}: claimed, but fulfilment has no record of it`);
    else if (!stores.has(f.claimedBy ?? '')) failures.push(`order ${order}: won by ${[...stores].join(', ')}, fulfilment says ${f.claimedBy ?? 'nobody'}`);
  }
  const raced = [...tried].filter((id) => r.claims.filter((c) => c.orderId === id).length > 1).length;
  return check(
    'each claimed order claimed by one store',
    `the stores answered 200 per claimed order (${raced} orders raced for by several claims) against the claiming store in fulfilment`,
    tried.size,
    failures,
  );
}

/** No 5xx, and no request left without an answer; a 503 with Retry-After is a refusal for load, asked again, and counted apart. */
export function noServerErrors(byStatus: Record<string, number>, r: ClientRecord): Check {
  const failures = r.serverErrors.map((e) => `${e.method} ${e.path} (${e.kind}) at ${e.at}: ${e.status === 0 ? 'no answer' : e.status}${e.detail ? ` ${e.detail}` : ''}`);
  if (r.serverErrorCount > failures.length) failures.push(`${r.serverErrorCount} answers in all were 5xx or no answer at all`);
  const total = Object.values(byStatus).reduce((a, n) => a + n, 0);
  const refused = byStatus['503'] ?? 0;
  return check('no 5xx', `every answer of the run (${refused} refusals for load, 503 with Retry-After, asked again, are not errors)`, total, failures);
}

export function reconcile(s: Snapshot, r: ClientRecord, byStatus: Record<string, number>): Check[] {
  return [
    acceptedOrdersFinal(s, r),
    oneOrderPerKey(s, r),
    stockMatchesLedger(s),
    stockMatchesOrders(s),
    noOversell(s),
    couponsOnce(s),
    campaignsWithinBudget(s),
    paymentsCapturedOnce(s),
    moneyGivenBack(s),
    pointsAddUp(s),
    claimedOnce(s, r),
    noServerErrors(byStatus, r),
  ];
}
