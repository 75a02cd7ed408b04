import { describe, expect, it } from 'vitest';
import { demoStores } from '../src/demo-stores.js';
import { DEMO_LOCATIONS } from '../src/seed.js';

describe('demoStores', () => {
  const all = demoStores();
  const stores = all.filter((s) => s.type === 'store');
  const warehouses = all.filter((s) => s.type === 'warehouse');

  it('has the shape of a real brand: over 200 stores in at least 6 cities, and a few warehouses', () => {
    expect(stores.length).toBeGreaterThanOrEqual(200);
    expect(new Set(stores.map((s) => s.city)).size).toBeGreaterThanOrEqual(6);
    expect(warehouses.length).toBeGreaterThanOrEqual(3);
    expect(warehouses.length).toBeLessThanOrEqual(4);
  });

  it('is the same every time', () => {
    expect(demoStores()).toEqual(all);
  });

  it('gives each a unique code the API accepts, and stock is received only at codes that are real stores', () => {
    const codes = all.map((s) => s.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) expect(code).toMatch(/^[A-Za-z0-9][A-Za-z0-9_.]{0,31}$/);
    expect(codes).toEqual(expect.arrayContaining(DEMO_LOCATIONS));
  });

  it('places every store and warehouse within reach of its city flagship (store 001 at the centre)', () => {
    for (const s of all) {
      const flagship = all.find((f) => f.city === s.city && f.code.endsWith('_001'))!;
      expect(Math.abs(s.lat - flagship.lat), s.code).toBeLessThan(0.3);
      expect(Math.abs(s.lng - flagship.lng), s.code).toBeLessThan(0.4);
    }
  });

  it('spreads a city\'s stores out: no two share a spot', () => {
    const spots = all.map((s) => `${s.lat},${s.lng}`);
    expect(new Set(spots).size).toBe(spots.length);
  });

  it('gives each store 1 to 3 terminals, warehouses none, and each a manager and two clerks', () => {
    expect(new Set(stores.map((s) => s.terminals.length))).toEqual(new Set([1, 2, 3]));
    for (const s of warehouses) expect(s.terminals).toEqual([]);
    for (const s of all) expect(s.staff.map((p) => p.role).sort()).toEqual(['clerk', 'clerk', 'store_manager']);
  });
});
