import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finalOrder, newKey, settled, startTestPlatform, stockedSku, type TestPlatform } from './harness.js';

describe('flash sale: 500 buyers, 50 units', () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await startTestPlatform();
  });
  afterAll(() => t.stop());

  it('confirms exactly 50 orders, rejects 450, and leaves stock at exactly 0 with a ledger that adds up', async () => {
    const sku = await stockedSku(t, { stock: { WH_SH: 30, ST_SH_001: 15, ST_BJ_001: 5 } });
    const buyers = await Promise.all(Array.from({ length: 500 }, (_, i) => t.token('customer', { subject: `buyer-${i}` })));

    const placed = await Promise.all(
      buyers.map((token) => t.api('POST', '/api/orders', { token, idempotencyKey: newKey(), body: { lines: [{ sku, qty: 1 }] } })),
    );
    expect(placed.map((p) => p.status)).toEqual(Array(500).fill(201));

    await settled(t, 90_000);
    const finals = await Promise.all(placed.map((p, i) => finalOrder(t, buyers[i]!, p.body.id)));
    const count = (status: string) => finals.filter((o) => o.status === status).length;
    expect(count('confirmed')).toBe(50);
    expect(count('rejected')).toBe(450);
    for (const o of finals.filter((f) => f.status === 'rejected')) expect(o.reason).toBe(`insufficient_stock: ${sku}`);

    const admin = await t.token('brand_admin');
    const stock = await t.api('GET', `/api/inventory/stock?sku=${sku}`, { token: admin });
    expect(stock.body.total).toEqual({ onHand: 50, reserved: 50, available: 0 });
    for (const l of stock.body.locations) expect(l.available).toBe(0);

    const movements: { kind: string; qty: number; reference: string; onHandDelta: number; reservedDelta: number }[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const page: { status: number; body: { items: typeof movements; nextCursor: string | null; balance: unknown } } = await t.api(
        'GET',
        `/api/inventory/ledger?sku=${sku}&limit=200${cursor ? `&cursor=${cursor}` : ''}`,
        { token: admin },
      );
      movements.push(...page.body.items);
      cursor = page.body.nextCursor;
      if (cursor === null) expect(page.body.balance).toEqual(stock.body.total);
    }
    const reserves = movements.filter((m) => m.kind === 'reserve');
    expect(reserves).toHaveLength(50);
    expect(new Set(reserves.map((m) => m.reference)).size).toBe(50);
    const sum = movements.reduce((b, m) => ({ onHand: b.onHand + m.onHandDelta, reserved: b.reserved + m.reservedDelta }), { onHand: 0, reserved: 0 });
    expect(sum).toEqual({ onHand: 50, reserved: 50 });
  });
});
