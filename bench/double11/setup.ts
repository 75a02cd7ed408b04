/**
 * The rehearsal's own brand, set up through the public API so the night never
 * depends on the demo seed: styles and SKUs (two of them nearly sold out),
 * stores and warehouses across cities, stock spread over them, two campaigns
 * with budgets smaller than their coupons could spend, coupons in customers'
 * wallets, and members. Returns the World the load drives.
 */
import { eventually } from '../../packages/platform/src/client.js';
import { benchClient } from '../lib/http.js';
import type { Customer, Sku, StoreStaff, World } from './world.js';

export interface SetupOptions {
  base: string;
  tenant: string;
  customers: number;
  stores: number;
  mint: (claims: { subject: string; role: 'brand_admin' | 'customer' | 'clerk'; store?: string }) => Promise<string>;
  say: (line: string) => void;
}

const CITIES = [
  { city: 'Shanghai', lat: 31.23, lng: 121.47 },
  { city: 'Beijing', lat: 39.9, lng: 116.4 },
  { city: 'Guangzhou', lat: 23.13, lng: 113.26 },
  { city: 'Shenzhen', lat: 22.54, lng: 114.06 },
  { city: 'Hangzhou', lat: 30.27, lng: 120.15 },
  { city: 'Chengdu', lat: 30.57, lng: 104.07 },
  { city: 'Wuhan', lat: 30.59, lng: 114.31 },
  { city: "Xi'an", lat: 34.34, lng: 108.94 },
];

const STYLES = [
  { code: 'D11TEE', name: 'Singles Tee', category: 'tops', price: 7900 },
  { code: 'D11HOOD', name: 'Midnight Hoodie', category: 'tops', price: 25900 },
  { code: 'D11JEAN', name: 'Eleven Jeans', category: 'denim', price: 39900 },
  { code: 'D11DRESS', name: 'Double Dress', category: 'dresses', price: 45900 },
  { code: 'D11COAT', name: 'Cold Night Coat', category: 'outerwear', price: 99900 },
  { code: 'D11KNIT', name: 'Countdown Knit', category: 'knitwear', price: 32900 },
];
const COLOURS = [
  { code: 'BLK', name: 'Black' },
  { code: 'RED', name: 'Red' },
];
const SIZES = ['S', 'M', 'L'];
/** The limited edition: a few units at two stores, gone within seconds of midnight. */
const HOT = { code: 'D11LTD', name: 'Limited 11.11 Jacket', category: 'outerwear', price: 111100 };
const HOT_UNITS = 4;
/** Units of each SKU at its three stores (most at the first) and at its warehouse. */
const STORE_UNITS = [3000, 2000, 1000];
const WAREHOUSE_UNITS = 1500;
const AT_ONCE = 16;

export const WAREHOUSES = ['WH_D11_EAST', 'WH_D11_SOUTH'];

/** Runs `fn` over `items`, `n` at a time (concurrent requests share the platform's commits). */
export async function inBatches<T>(items: T[], n: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += n) await Promise.all(items.slice(i, i + n).map((item, j) => fn(item, i + j)));
}

export async function setUpBrand(o: SetupOptions): Promise<World> {
  const api = benchClient(o.base);
  const admin = await o.mint({ subject: 'double11-admin', role: 'brand_admin' });
  const must = async <T = Record<string, unknown>>(method: string, path: string, body: unknown, ok = [200, 201], token = admin): Promise<T> => {
    const res = await api<T>(method, path, token, body);
    if (!ok.includes(res.status)) throw new Error(`setup: ${method} ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body;
  };

  o.say(`  brand ${o.tenant}: styles, ${o.stores} stores and ${WAREHOUSES.length} warehouses, stock, campaigns, ${o.customers} customers`);
  await must('PUT', '/api/catalog/brand', { name: `Double 11 rehearsal ${o.tenant}` });
  for (const s of [...STYLES, HOT]) {
    const colours = s === HOT ? COLOURS : COLOURS;
    await must('POST', '/api/catalog/styles', { ...s, colours, sizes: s === HOT ? ['M'] : SIZES }, [201]);
  }
  const storeCodes = Array.from({ length: o.stores }, (_, i) => `ST_D11_${String(i + 1).padStart(3, '0')}`);
  await inBatches([...storeCodes, ...WAREHOUSES], AT_ONCE, async (code, i) => {
    const where = CITIES[i % CITIES.length]!;
    const type = code.startsWith('WH_') ? 'warehouse' : 'store';
    await must('POST', '/api/stores', { code, name: `${where.city} ${type} ${code}`, type, ...where, hours: {} }, [201]);
  });

  // Stock: each SKU at three stores (rotating, so the store holding the most differs from SKU to SKU) and one warehouse.
  const skus: Sku[] = [];
  let n = 0;
  for (const s of STYLES)
    for (const c of COLOURS)
      for (const size of SIZES) {
        const at = [0, 1, 2].map((k) => storeCodes[(n * 3 + k * 5) % storeCodes.length]!);
        const locations = [...new Set(at)];
        skus.push({ sku: `${s.code}-${c.code}-${size}`, price: s.price, hot: false, locations: [...locations, WAREHOUSES[n % WAREHOUSES.length]!] });
        n++;
      }
  for (const [i, c] of COLOURS.entries()) skus.push({ sku: `${HOT.code}-${c.code}-M`, price: HOT.price, hot: true, locations: [storeCodes[i % storeCodes.length]!, storeCodes[(i + 1) % storeCodes.length]!] });
  const receipts = skus.flatMap((s) =>
    s.locations.map((location, k) => ({ sku: s.sku, location, qty: s.hot ? HOT_UNITS : location.startsWith('WH_') ? WAREHOUSE_UNITS : STORE_UNITS[k] ?? 500 })),
  );
  // Inventory learns SKUs and stores from events: the first receipt waits for it.
  await eventually(
    async () => {
      const r = receipts[receipts.length - 1]!;
      const res = await api('POST', '/api/inventory/movements', admin, { ...r, kind: 'receive', reason: 'opening stock' });
      if (res.status === 201) return true;
      if (res.status !== 422) throw new Error(`setup: stock not received: ${res.status} ${JSON.stringify(res.body)}`);
      return undefined;
    },
    'inventory to know the SKUs and stores',
    60_000,
  );
  await inBatches(receipts.slice(0, -1), AT_ONCE, async (r) => {
    await eventually(
      async () => {
        const res = await api('POST', '/api/inventory/movements', admin, { ...r, kind: 'receive', reason: 'opening stock' });
        if (res.status === 201) return true;
        if (res.status !== 422) throw new Error(`setup: stock not received: ${res.status} ${JSON.stringify(res.body)}`);
        return undefined;
      },
      `inventory to know ${r.sku} at ${r.location}`,
      60_000,
    );
  });

  // Campaigns whose budgets run out during the night: not every coupon in the wallets can be spent.
  const now = Date.now();
  const window = { startsAt: new Date(now - 86_400_000).toISOString(), endsAt: new Date(now + 2 * 86_400_000).toISOString() };
  const campaigns = [
    { code: 'D11FLASH', name: 'Midnight flash: 30 off', template: { code: 'D11FLASH30', kind: 'fixed', amount: 3000 }, budget: Math.max(3000, Math.round(o.customers * 0.3) * 3000) },
    { code: 'D11PCT', name: 'Eleven percent', template: { code: 'D11PCT11', kind: 'percent', percent: 11 }, budget: Math.max(5000, o.customers * 2000) },
  ];
  for (const c of campaigns) {
    await must('POST', '/api/promotions/campaigns', { code: c.code, name: c.name, ...window, budget: c.budget }, [201]);
    await must('POST', '/api/promotions/templates', { campaign: c.code, ...c.template }, [201]);
  }

  const customers: Customer[] = await Promise.all(
    Array.from({ length: o.customers }, async (_, i) => {
      const id = `d11-customer-${String(i + 1).padStart(5, '0')}`;
      return { id, token: await o.mint({ subject: id, role: 'customer' }), member: i % 2 === 0, coupons: [] };
    }),
  );
  await inBatches(customers, AT_ONCE, async (c) => {
    for (const template of campaigns.map((k) => k.template.code)) {
      const coupon = await must<{ code: string }>('POST', '/api/promotions/coupons', { template, customerId: c.id }, [201]);
      c.coupons.push(coupon.code);
    }
    if (c.member) await must('PUT', '/api/customers/me', { name: `Customer ${c.id}` }, [200], c.token);
  });

  const stores: StoreStaff[] = await Promise.all(
    [...storeCodes, ...WAREHOUSES].map(async (store) => ({
      store,
      clerks: [await o.mint({ subject: `d11-clerk-${store}-1`, role: 'clerk', store }), await o.mint({ subject: `d11-clerk-${store}-2`, role: 'clerk', store })] as [string, string],
    })),
  );
  return {
    tenant: o.tenant,
    adminToken: admin,
    styles: [...STYLES, HOT].map((s) => s.code),
    skus,
    customers,
    stores,
    warehouses: WAREHOUSES,
    campaigns: campaigns.map((c) => ({ code: c.code, budget: c.budget })),
  };
}
