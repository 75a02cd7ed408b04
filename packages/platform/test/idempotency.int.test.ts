import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newKey, settled, startTestPlatform, stockedSku, type TestPlatform } from './harness.js';

describe('Idempotency-Key on order placement', () => {
  let t: TestPlatform;
  let sku: string;
  beforeAll(async () => {
    t = await startTestPlatform();
    sku = await stockedSku(t, { stock: { WH_SH: 100 } });
  });
  afterAll(() => t.stop());

  const reserveCount = async () => {
    await settled(t);
    const ledger = await t.api('GET', `/api/inventory/ledger?sku=${sku}&limit=200`, { token: await t.token('brand_admin') });
    return ledger.body.items.filter((m: { kind: string }) => m.kind === 'reserve').length;
  };

  it('a retried request returns the first response and creates nothing new', async () => {
    const token = await t.token('customer', { subject: 'retrier' });
    const key = newKey();
    const before = await reserveCount();
    const first = await t.api('POST', '/api/orders', { token, idempotencyKey: key, body: { lines: [{ sku, qty: 2 }] } });
    const second = await t.api('POST', '/api/orders', { token, idempotencyKey: key, body: { lines: [{ sku, qty: 2 }] } });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(first.headers.get('location')).toBe(`/api/orders/${first.body.id}`);
    expect(second.headers.get('location')).toBe(first.headers.get('location'));
    const list = await t.api('GET', '/api/orders', { token });
    expect(list.body.items.map((o: { id: string }) => o.id)).toEqual([first.body.id]);
    expect(await reserveCount()).toBe(before + 1);
  });

  it('twenty concurrent requests with one key create one order and all get its response', async () => {
    const token = await t.token('customer', { subject: 'double-clicker' });
    const key = newKey();
    const before = await reserveCount();
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => t.api('POST', '/api/orders', { token, idempotencyKey: key, body: { lines: [{ sku, qty: 1 }] } })),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(201));
    expect(new Set(responses.map((r) => r.body.id)).size).toBe(1);
    const list = await t.api('GET', '/api/orders', { token });
    expect(list.body.items).toHaveLength(1);
    expect(await reserveCount()).toBe(before + 1);
  });

  it('a key is scoped to its brand: another brand may use the same key', async () => {
    const key = newKey();
    const a = await t.api('POST', '/api/orders', { token: await t.token('customer'), idempotencyKey: key, body: { lines: [{ sku, qty: 1 }] } });
    const otherSku = await stockedSku(t, { tenant: 'globex', stock: { WH_SH: 1 } });
    const b = await t.api('POST', '/api/orders', {
      token: await t.token('customer', { tenant: 'globex' }),
      idempotencyKey: key,
      body: { lines: [{ sku: otherSku, qty: 1 }] },
    });
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.body.id).not.toBe(a.body.id);
  });
});
