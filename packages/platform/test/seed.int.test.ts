import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_LOCATIONS, DEMO_TENANT, seedDemo } from '../src/seed.js';
import { startTestPlatform, type TestPlatform } from './harness.js';

/** The demo seed runs at every first `npm start`: it must work, and be quick. */
describe('the demo seed', () => {
  let t: TestPlatform;
  let seconds: number;
  beforeAll(async () => {
    t = await startTestPlatform();
    const started = performance.now();
    expect(await seedDemo(t.platform)).toBe(true);
    seconds = (performance.now() - started) / 1000;
  });
  afterAll(() => t?.stop());

  it('takes seconds, not minutes', () => {
    expect(seconds).toBeLessThan(30);
  });

  it('opens every stock location as a store or warehouse, with terminals and staff', async () => {
    const admin = await t.token('brand_admin', { tenant: DEMO_TENANT });
    for (const code of DEMO_LOCATIONS) expect((await t.api('GET', `/api/stores/${code}`, { token: admin })).status, code).toBe(200);
    const warehouses = await t.api('GET', '/api/stores?type=warehouse', { token: admin });
    expect(warehouses.body.items.map((s: { code: string }) => s.code)).toEqual(expect.arrayContaining(['WH_SH', 'WH_BJ']));
    expect((await t.api('GET', '/api/stores/ST_SH_001/terminals', { token: admin })).body.items.length).toBeGreaterThanOrEqual(1);
    expect((await t.api('GET', '/api/stores/ST_SH_001/staff', { token: admin })).body.items).toHaveLength(3);
  });

  it("finds the Shanghai flagship first from People's Square", async () => {
    const customer = await t.token('customer', { tenant: DEMO_TENANT });
    const near = await t.api('GET', '/api/stores/nearest?lat=31.2304&lng=121.4737&limit=5', { token: customer });
    expect(near.body.items[0]).toMatchObject({ code: 'ST_SH_001', distanceKm: 0 });
    expect(near.body.items.every((s: { city: string }) => s.city === 'Shanghai')).toBe(true);
  });

  it('counts over 200 stores', async () => {
    const customer = await t.token('customer', { tenant: DEMO_TENANT });
    const page = await t.api('GET', '/api/stores?type=store&limit=200', { token: customer });
    expect(page.body.items).toHaveLength(200);
    expect(page.body.nextCursor).not.toBeNull();
  });

  it('does nothing the second time', async () => {
    expect(await seedDemo(t.platform)).toBe(false);
  });
});
