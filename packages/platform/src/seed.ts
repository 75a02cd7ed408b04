import type { Platform } from './platform.js';
import { callApi, eventually } from './client.js';
import { seedPromotions } from './demo-promotions.js';
import { demoStores, type DemoStore } from './demo-stores.js';

export const DEMO_TENANT = 'demo';

const COLOURS = [
  { code: 'BLK', name: 'Black' },
  { code: 'WHT', name: 'White' },
  { code: 'NVY', name: 'Navy' },
  { code: 'RED', name: 'Red' },
  { code: 'BEI', name: 'Beige' },
  { code: 'GRN', name: 'Olive' },
];
const LETTER_SIZES = ['XS', 'S', 'M', 'L', 'XL'];
const WAIST_SIZES = ['28', '30', '32', '34', '36'];

const STYLES = [
  { code: 'TS1001', name: 'Organic Cotton Tee', category: 'tops', price: 9900, colours: 4, sizes: LETTER_SIZES },
  { code: 'TS1002', name: 'Striped Breton Top', category: 'tops', price: 15900, colours: 3, sizes: LETTER_SIZES },
  { code: 'SH2001', name: 'Oxford Shirt', category: 'shirts', price: 29900, colours: 3, sizes: LETTER_SIZES },
  { code: 'KN3001', name: 'Merino Crew Sweater', category: 'knitwear', price: 49900, colours: 5, sizes: LETTER_SIZES },
  { code: 'JN4001', name: 'Slim Selvedge Jeans', category: 'denim', price: 59900, colours: 2, sizes: WAIST_SIZES },
  { code: 'JN4002', name: 'Wide-Leg Jeans', category: 'denim', price: 55900, colours: 2, sizes: WAIST_SIZES },
  { code: 'DR5001', name: 'Linen Midi Dress', category: 'dresses', price: 69900, colours: 4, sizes: LETTER_SIZES },
  { code: 'DR5002', name: 'Silk Slip Dress', category: 'dresses', price: 89900, colours: 3, sizes: LETTER_SIZES },
  { code: 'JK6001', name: 'Down Puffer Jacket', category: 'outerwear', price: 129900, colours: 3, sizes: LETTER_SIZES },
  { code: 'JK6002', name: 'Wool Overcoat', category: 'outerwear', price: 199900, colours: 2, sizes: LETTER_SIZES },
  { code: 'SK7001', name: 'Pleated Skirt', category: 'skirts', price: 39900, colours: 3, sizes: LETTER_SIZES },
  { code: 'HD8001', name: 'Fleece Hoodie', category: 'tops', price: 35900, colours: 6, sizes: LETTER_SIZES },
];

/** The store the demo's clerk and store manager work at: the Shanghai flagship. */
export const DEMO_STORE = 'ST_SH_001';

/** Where opening stock is received besides the demo store: warehouses and flagship stores, all among demoStores(). */
const OTHER_STOCK_LOCATIONS = ['WH_SH', 'WH_BJ', 'ST_SH_002', 'ST_BJ_001', 'ST_GZ_001'];
export const DEMO_LOCATIONS = [DEMO_STORE, ...OTHER_STOCK_LOCATIONS];

/**
 * Deterministic stock levels, so every demo looks alike. The demo store holds
 * the most of every SKU, more than any other location by far, so inventory
 * holds a demo order's stock there and fulfilment offers the order to it
 * first: the demo clerk and manager can claim it (see DEMO_USERS).
 */
const DEMO_STORE_STOCK = 100;
const stockLevel = (location: string, i: number) =>
  location === DEMO_STORE ? DEMO_STORE_STOCK : ([40, 25, 8, 5, 3][i % OTHER_STOCK_LOCATIONS.length] ?? 0);

/** How many stores are seeded at once: concurrent requests share SQLite commits (group commit). */
const STORES_AT_ONCE = 16;

/** Opens a store through the API, then adds its terminals and staff. */
async function seedStore(platform: Platform, token: string, store: DemoStore): Promise<void> {
  const { terminals, staff, ...body } = store;
  const post = async (url: string, key: string, payload: unknown) => {
    const res = await callApi(platform.app, { method: 'POST', url, token, idempotencyKey: key, body: payload });
    if (res.status !== 201) throw new Error(`seeding ${url} (${key}) failed: ${JSON.stringify(res.body)}`);
  };
  await post('/api/stores', `seed-store-${store.code}`, body);
  for (const code of terminals) await post(`/api/stores/${store.code}/terminals`, `seed-terminal-${store.code}-${code}`, { code });
  for (const [i, person] of staff.entries()) await post(`/api/stores/${store.code}/staff`, `seed-staff-${store.code}-${i}`, person);
}

async function seedStores(platform: Platform, token: string, progress: (line: string) => void): Promise<void> {
  const stores = demoStores();
  for (let i = 0; i < stores.length; i += STORES_AT_ONCE) {
    await Promise.all(stores.slice(i, i + STORES_AT_ONCE).map((store) => seedStore(platform, token, store)));
  }
  const count = (type: DemoStore['type']) => stores.filter((s) => s.type === type).length;
  const cities = new Set(stores.map((s) => s.city)).size;
  const terminals = stores.reduce((n, s) => n + s.terminals.length, 0);
  const staff = stores.reduce((n, s) => n + s.staff.length, 0);
  progress(`seed: ${count('store')} stores and ${count('warehouse')} warehouses in ${cities} cities, ${terminals} POS terminals, ${staff} staff`);
}

/**
 * Seeds the demo brand through the public API (so it passes the same
 * validation as any client): a brand profile, stores and warehouses with
 * their terminals and staff, a fashion catalogue in colours and sizes,
 * stock at warehouses and stores, and a campaign with coupons. Every step is idempotent and the brand
 * profile is written last, as the mark of a finished seed: a start that finds
 * it skips the seed, and a seed that was interrupted simply runs again.
 */
export async function seedDemo(platform: Platform, progress: (line: string) => void = () => {}): Promise<boolean> {
  const token = await platform.auth.mint({ subject: 'seed', tenant: DEMO_TENANT, role: 'brand_admin' }, 600);
  const brand = await callApi(platform.app, { method: 'GET', url: '/api/catalog/brand', token });
  if (brand.status === 200) return false;
  await seedStores(platform, token, progress);
  const skus: string[] = [];
  for (const style of STYLES) {
    const res = await callApi<{ skus: { sku: string }[] }>(platform.app, {
      method: 'POST',
      url: '/api/catalog/styles',
      token,
      idempotencyKey: `seed-style-${style.code}`,
      body: { code: style.code, name: style.name, category: style.category, season: 'AW26', price: style.price, colours: COLOURS.slice(0, style.colours), sizes: style.sizes },
    });
    if (res.status !== 201) throw new Error(`seeding style ${style.code} failed: ${JSON.stringify(res.body)}`);
    skus.push(...res.body.skus.map((s) => s.sku));
  }
  progress(`seed: ${STYLES.length} styles, ${skus.length} SKUs in the catalogue`);
  const last = skus[skus.length - 1] ?? '';
  await eventually(
    async () => ((await callApi(platform.app, { method: 'GET', url: `/api/inventory/stock?sku=${last}`, token })).status === 200 ? true : undefined),
    'inventory to learn the new SKUs',
  );
  const receive = async (sku: string, location: string, qty: number) => {
    const res = await callApi(platform.app, {
      method: 'POST',
      url: '/api/inventory/movements',
      token,
      idempotencyKey: `seed-stock-${sku}-${location}`,
      body: { sku, location, kind: 'receive', qty, reason: 'opening stock' },
    });
    if (res.status !== 201) throw new Error(`seeding stock of ${sku} failed: ${JSON.stringify(res.body)}`);
  };
  for (let i = 0; i < skus.length; i += STORES_AT_ONCE) {
    const batch = skus.slice(i, i + STORES_AT_ONCE);
    await Promise.all(batch.map((sku, k) => Promise.all(DEMO_LOCATIONS.map((location, j) => receive(sku, location, stockLevel(location, i + k + j))))));
    if (Math.floor((i + batch.length) / 50) > Math.floor(i / 50)) progress(`seed: stock received for ${i + batch.length}/${skus.length} SKUs`);
  }
  progress(`seed: ${skus.length * DEMO_LOCATIONS.length} stock receipts at ${DEMO_LOCATIONS.length} locations`);
  await seedPromotions(platform, token);
  progress("seed: a Singles' Day campaign with two coupon templates");
  await callApi(platform.app, { method: 'PUT', url: '/api/catalog/brand', token, body: { name: 'Omnishop Demo Fashion' } });
  return true;
}
