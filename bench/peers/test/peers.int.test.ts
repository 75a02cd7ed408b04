import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTarget, stopTarget, type Target } from '../../lib/procs.js';
import { peerDatabase, PEERS, type PeerDatabase } from '../index.js';

/**
 * Requirement: each peer does the work the platform's acceptance does, no
 * less (bench/peers/README.md): a valid order is answered 201 with the order
 * and written with its outbox row; the body is held to the platform's rules,
 * and bad input is refused and writes nothing.
 */
const SKU = 'BENCH-BLK-M';
const line = (over: Record<string, unknown> = {}) => ({ sku: SKU, qty: 1, ...over });

const REFUSED: [string, unknown, number][] = [
  ['no lines', { lines: [] }, 400],
  ['51 lines', { lines: Array.from({ length: 51 }, () => line()) }, 400],
  ['a line that is not an object', { lines: [5] }, 400],
  ['quantity 0', { lines: [line({ qty: 0 })] }, 400],
  ['quantity 1000', { lines: [line({ qty: 1000 })] }, 400],
  ['a fractional quantity', { lines: [line({ qty: 1.5 })] }, 400],
  ['a quantity as a string', { lines: [line({ qty: '1' })] }, 400],
  ['a SKU of the wrong pattern', { lines: [line({ sku: '-BAD' })] }, 400],
  ['a SKU too short', { lines: [line({ sku: 'AB' })] }, 400],
  ['an unknown property on a line', { lines: [line({ price: 1 })] }, 400],
  ['an unknown property on the order', { lines: [line()], price: 1 }, 400],
  ['a channel not offered', { lines: [line()], channel: 'pos' }, 400],
  ['a coupon of the wrong pattern', { lines: [line()], coupons: ['nope'] }, 400],
  ['the same coupon twice', { lines: [line()], coupons: ['ABCDEFGHJKMN', 'ABCDEFGHJKMN'] }, 400],
  ['eleven coupons', { lines: [line()], coupons: Array.from({ length: 11 }, (_, i) => `ABCDEFGHJK${'23456789ABC'[i]}2`) }, 400],
  ['a SKU without a price', { lines: [line({ sku: 'NOPE-BLK-M' })] }, 422],
];

describe.each(PEERS)('$name', (peer) => {
  let db: PeerDatabase;
  let target: Target;
  const post = async (body: unknown) => {
    const res = await fetch(`${target.ready.url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, location: res.headers.get('location'), body: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    db = await peerDatabase('embedded', { dataParent: tmpdir(), sqliteSync: 'FULL', postgres: '' });
    target = await startTarget(peer.name, peer.file, { ...peer.env, ...db.env });
  });
  afterAll(async () => {
    if (target) await stopTarget(target);
    await db?.remove();
  });

  it('answers a valid order 201 with the order as written', async () => {
    const res = await post({ lines: [line({ qty: 2 })], coupons: ['ABCDEFGHJKMN'], channel: 'app' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({
      status: 'pending',
      customerId: 'bench-customer',
      channel: 'app',
      lines: [{ sku: SKU, qty: 2, unitPrice: 9900 }],
      total: 19_800,
      currency: 'CNY',
      paymentMethod: 'wallet',
      coupons: ['ABCDEFGHJKMN'],
    });
    expect(res.location).toBe(`/orders/${String(res.body.id)}`);
  });

  it.each(REFUSED)('refuses %s', async (_what, body, status) => {
    // Each framework answers in its own shape; Moleculer says 422 for every validation error.
    const res = await post(body);
    expect(res.status, JSON.stringify(res.body)).toBe(peer.key === 'moleculer' ? 422 : status);
  });

  it('wrote the one order it accepted and its outbox row, and nothing for what it refused', async () => {
    await stopTarget(target);
    expect(await db.written()).toEqual({ orders: 1, outbox: 1 });
  });
});
