import { describe, expect, it } from 'vitest';
import { reconcile, type Check } from '../reconcile.js';
import type { ClientRecord } from '../record.js';
import type { Snapshot } from '../snapshot.js';

/**
 * One night in miniature that adds up: order A completed (shipped by ST_1,
 * claimed in a race with ST_2, one unit returned and refunded), order B
 * cancelled after payment (refunded, stock released), order C confirmed
 * (stock held), a till sale D to a walk-in customer.
 */
function night(): { s: Snapshot; r: ClientRecord } {
  const s: Snapshot = {
    tenant: 't',
    sources: {},
    orders: [
      { id: 'A', customerId: 'c1', channel: 'online', status: 'returned', total: 18000, paymentMethod: 'wallet', history: ['pending', 'awaiting_payment', 'confirmed', 'completed', 'returned'], lines: [{ sku: 'S1', qty: 2 }], coupons: [{ code: 'CPN1', discount: 2000 }], returns: [{ id: 'R1', location: 'ST_1', lines: [{ sku: 'S1', qty: 1 }], amount: 9000 }] },
      { id: 'B', customerId: 'c2', channel: 'online', status: 'cancelled', total: 10000, paymentMethod: 'wallet', history: ['pending', 'awaiting_payment', 'confirmed', 'cancelled'], lines: [{ sku: 'S1', qty: 1 }], coupons: [], returns: [] },
      { id: 'C', customerId: 'c1', channel: 'online', status: 'confirmed', total: 10000, paymentMethod: 'wallet', history: ['pending', 'awaiting_payment', 'confirmed'], lines: [{ sku: 'S1', qty: 1 }], coupons: [], returns: [] },
      { id: 'D', customerId: 'walk-in', channel: 'till', status: 'completed', total: 10000, paymentMethod: 'cash', history: ['pending', 'awaiting_payment', 'confirmed', 'completed'], lines: [{ sku: 'S1', qty: 1 }], coupons: [], returns: [] },
    ],
    balances: [{ sku: 'S1', location: 'ST_1', onHand: 8, reserved: 1 }],
    ledger: [
      { sku: 'S1', location: 'ST_1', kind: 'receive', qty: 11, onHandDelta: 11, reservedDelta: 0 }, // 10 opening + 1 returned
      { sku: 'S1', location: 'ST_1', kind: 'reserve', qty: 5, onHandDelta: 0, reservedDelta: 5 },
      { sku: 'S1', location: 'ST_1', kind: 'release', qty: 1, onHandDelta: 0, reservedDelta: -1 },
      { sku: 'S1', location: 'ST_1', kind: 'sell', qty: 3, onHandDelta: -3, reservedDelta: -3 },
    ],
    returnsReceived: [{ returnId: 'R1', sku: 'S1', location: 'ST_1', qty: 1 }],
    reservations: [
      { orderId: 'A', status: 'sold', sku: 'S1', location: 'ST_1', qty: 2 },
      { orderId: 'B', status: 'released', sku: 'S1', location: 'ST_1', qty: 1 },
      { orderId: 'C', status: 'committed', sku: 'S1', location: 'ST_1', qty: 1 },
      { orderId: 'D', status: 'sold', sku: 'S1', location: 'ST_1', qty: 1 },
    ],
    coupons: [
      { code: 'CPN1', campaign: 'K', customerId: 'c1', status: 'redeemed', redeemedOrder: 'A', discount: 2000 },
      { code: 'CPN2', campaign: 'K', customerId: 'c2', status: 'issued', redeemedOrder: null, discount: null },
    ],
    campaigns: [{ code: 'K', budget: 3000, spent: 2000 }],
    payments: [
      { id: 'PA', orderId: 'A', amount: 18000, refunded: 9000, status: 'refunded', method: 'wallet' },
      { id: 'PB', orderId: 'B', amount: 10000, refunded: 10000, status: 'refunded', method: 'wallet' },
      { id: 'PC', orderId: 'C', amount: 10000, refunded: 0, status: 'captured', method: 'wallet' },
      { id: 'PD', orderId: 'D', amount: 10000, refunded: 0, status: 'captured', method: 'cash' },
    ],
    refunds: [
      { intentId: 'PA', amount: 9000 },
      { intentId: 'PB', amount: 10000 },
    ],
    points: [
      { memberId: 'c1', orderId: 'A', reason: 'earned', delta: 180 },
      { memberId: 'c1', orderId: 'A', reason: 'reversed', delta: -90 },
    ],
    fulfilments: [
      { orderId: 'A', status: 'received', claimedBy: 'ST_1' },
      { orderId: 'C', status: 'offered', claimedBy: null },
    ],
  };
  const r: ClientRecord = {
    orders: [
      { key: 'kA', channel: 'online', customer: 'c1', answers: [{ status: 201, id: 'A' }, { status: 201, id: 'A' }] },
      { key: 'kB', channel: 'online', customer: 'c2', answers: [{ status: 503 }, { status: 201, id: 'B' }] },
      { key: 'kC', channel: 'online', customer: 'c1', answers: [{ status: 201, id: 'C' }] },
      { key: 'kD', channel: 'till', customer: 'walk-in', answers: [{ status: 201, id: 'D' }] },
      { key: 'kE', channel: 'online', customer: 'c2', answers: [{ status: 422 }] },
    ],
    claims: [
      { orderId: 'A', store: 'ST_1', status: 200 },
      { orderId: 'A', store: 'ST_1', status: 200 },
      { orderId: 'A', store: 'ST_2', status: 409 },
      { orderId: 'A', store: 'ST_9', status: 403 },
    ],
    serverErrors: [],
    serverErrorCount: 0,
  };
  return { s, r };
}

const byStatus = { 200: 10, 201: 5, 409: 1, 503: 1 };
const failing = (checks: Check[]) => checks.filter((c) => !c.ok);

describe('the reconciliation', () => {
  it('passes a night that adds up, saying what it compared and how many', () => {
    const { s, r } = night();
    const checks = reconcile(s, r, byStatus);
    expect(failing(checks)).toEqual([]);
    expect(checks).toHaveLength(12);
    for (const c of checks) {
      expect(c.compared.length).toBeGreaterThan(10);
      expect(c.items).toBeGreaterThan(0);
    }
  });

  const cases: [string, (n: ReturnType<typeof night>) => void, string, RegExp][] = [
    ['an accepted order missing', (n) => n.s.orders.splice(2, 1), 'every accepted order is final', /order C: accepted, but not in the order database/],
    ['an order still pending', (n) => (n.s.orders[2]!.status = 'awaiting_payment'), 'every accepted order is final', /order C: still awaiting_payment/],
    ['the API listing another status', (n) => (n.s.apiStatuses = { A: 'returned', B: 'cancelled', C: 'pending', D: 'completed' }), 'every accepted order is final', /order C: still pending/],
    ['one key answered with two orders', (n) => n.r.orders[0]!.answers.push({ status: 201, id: 'A2' }), 'no order created twice for one key', /key kA: answered with 2 orders \(A, A2\)/],
    ['an order nobody was told of', (n) => n.s.orders.push({ ...n.s.orders[2]!, id: 'X' }), 'no order created twice for one key', /order X \(confirmed\): in the order database, but no client was answered with it/],
    ['a balance off its ledger', (n) => (n.s.balances[0]!.onHand = 9), 'stock equals its ledger', /SKU S1 at ST_1: on hand 9, the ledger adds up to 8/],
    ['stock still held for a cancelled order', (n) => (n.s.reservations[1]!.status = 'committed'), 'stock equals what the orders imply', /order B \(cancelled\): its stock is committed/],
    ['a return never received', (n) => (n.s.returnsReceived = []), 'stock equals what the orders imply', /return R1 of order A: 1 x S1 back at ST_1, the ledger received 0/],
    ['more sold than received', (n) => (n.s.ledger[3]!.qty = 30), 'no SKU sold more than it had', /SKU S1: sold 30 and held 1, more than the 11 received/],
    ['a coupon applied to two orders', (n) => n.s.orders[2]!.coupons.push({ code: 'CPN1', discount: 2000 }), 'each coupon redeemed at most once', /coupon CPN1: redeemed by 2 orders \(A, C\)/],
    ['a campaign over budget', (n) => (n.s.campaigns[0]!.spent = 4000), 'no campaign beyond its budget', /campaign K: spent 4000 of a budget of 3000/],
    ['a second capture', (n) => n.s.payments.push({ id: 'PC2', orderId: 'C', amount: 10000, refunded: 0, status: 'captured', method: 'wallet' }), 'each payment captured at most once', /order C: captured 2 times \(payments PC, PC2\)/],
    ['a cancelled order not refunded', (n) => ((n.s.payments[1]!.refunded = 0), (n.s.refunds = n.s.refunds.slice(0, 1))), "every cancelled or rejected order's money given back", /order B \(cancelled\): payment PB captured 10000, refunded 0/],
    ['points not reversed', (n) => n.s.points.pop(), 'loyalty points equal what orders imply', /member c1: 180 points, their completed orders and refunds imply 90/],
    ['two stores winning one claim', (n) => (n.r.claims[2]!.status = 200), 'each claimed order claimed by one store', /order A: claimed by 2 stores \(ST_1, ST_2\)/],
    ['a 5xx', (n) => (n.r.serverErrors.push({ kind: 'order', method: 'POST', path: '/api/orders', status: 500, at: 'now' }), n.r.serverErrorCount++), 'no 5xx', /POST \/api\/orders \(order\) at now: 500/],
  ];
  for (const [what, spoil, name, named] of cases) {
    it(`fails "${name}" naming the item for ${what}`, () => {
      const n = night();
      spoil(n);
      const failed = failing(reconcile(n.s, n.r, byStatus));
      expect(failed.map((c) => c.check)).toContain(name);
      expect(failed.find((c) => c.check === name)!.failures.join('\n')).toMatch(named);
    });
  }

  it('leaves an order still in its saga to the first check: its coupon, redeemed but not yet applied, is no coupon failure', () => {
    const n = night();
    n.s.orders[2]!.status = 'pending';
    n.s.orders[2]!.coupons.push({ code: 'CPN2', discount: null });
    Object.assign(n.s.coupons[1]!, { status: 'redeemed', redeemedOrder: 'C', discount: 2000 });
    n.s.reservations[2]!.status = 'held';
    n.s.campaigns[0] = { code: 'K', budget: 5000, spent: 4000 };
    const failed = failing(reconcile(n.s, n.r, byStatus)).map((c) => c.check);
    expect(failed).toEqual(['every accepted order is final']);
  });

  it('names at most 25 items, then how many more', () => {
    const n = night();
    for (let i = 0; i < 40; i++) n.r.serverErrors.push({ kind: 'browse', method: 'GET', path: `/x/${i}`, status: 502, at: 'now' });
    n.r.serverErrorCount = 40;
    const c = reconcile(n.s, n.r, byStatus).find((x) => x.check === 'no 5xx')!;
    expect(c.failures).toHaveLength(26);
    expect(c.failures.at(-1)).toBe('... and 15 more');
  });
});
