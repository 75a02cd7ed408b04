/**
 * What the rehearsal knows of the brand it set up, as plain data a worker
 * thread receives: who may act (tokens), what may be bought and where, and
 * which coupons sit in whose wallet. Built once by setup.ts.
 */

export interface Sku {
  sku: string;
  price: number;
  /** About to sell out: a few units only, so orders for it race for the last ones. */
  hot: boolean;
  /** Where it is stocked. */
  locations: string[];
}

export interface Customer {
  id: string;
  token: string;
  /** Joined the brand before the night (PUT /api/customers/me), so a till may sell to them by id. */
  member: boolean;
  coupons: string[];
}

export interface StoreStaff {
  store: string;
  /** Two clerks' tokens of the store: one store asking twice (two tills) must still be one claim. */
  clerks: [string, string];
}

export interface World {
  tenant: string;
  adminToken: string;
  styles: string[];
  skus: Sku[];
  customers: Customer[];
  stores: StoreStaff[];
  warehouses: string[];
  campaigns: { code: string; budget: number }[];
}

/** The SKUs stocked at a store: what its till can sell. */
export function skusAt(world: Pick<World, 'skus'>, store: string): Sku[] {
  return world.skus.filter((s) => s.locations.includes(store));
}

/** A small seeded generator (mulberry32), so a run's choices can be repeated. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const pick = <T>(rnd: () => number, items: readonly T[]): T => items[Math.floor(rnd() * items.length)]!;
