import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newKey, startTestPlatform, stockedSku, type TestPlatform } from './harness.js';

/** Services other than the gateway audit their security-relevant actions in their own database too. */
describe('audit outside the gateway', () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await startTestPlatform({ SERVICES: 'catalog,store,inventory' });
  });
  afterAll(() => t?.stop());

  it('stock receipts and adjustments are audited with who, what and the request id', async () => {
    const sku = await stockedSku(t, { stock: { WH1: 10 } });
    const admin = await t.token('brand_admin', { subject: 'ada' });
    const adjusted = await t.api('POST', '/api/inventory/movements', {
      token: admin,
      idempotencyKey: newKey(),
      headers: { 'x-request-id': 'adjust-1' },
      body: { sku, location: 'WH1', kind: 'adjust', qty: -2, reason: 'damaged' },
    });
    expect(adjusted.status).toBe(201);
    const audit = await t.api('GET', '/api/inventory/admin/audit', { token: admin });
    expect(audit.body.items).toEqual([
      { tenant: 'acme', actor: { subject: 'test-brand_admin', role: 'brand_admin' }, action: 'stock.receive', target: `${sku} at WH1: 10`, outcome: 'ok', requestId: expect.any(String), at: expect.any(String) },
      { tenant: 'acme', actor: { subject: 'ada', role: 'brand_admin' }, action: 'stock.adjust', target: `${sku} at WH1: -2`, outcome: 'ok', requestId: 'adjust-1', at: expect.any(String) },
    ]);
  });
});
