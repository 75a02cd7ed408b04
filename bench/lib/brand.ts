import { eventually } from '../../packages/platform/src/client.js';
import { BENCH_WAREHOUSE, ORDER_BODY } from '../targets/protocol.js';
import { benchClient } from './http.js';

/** The bench's own brand, style and SKU, the same in both modes. */
export const TENANT = 'bench';
const STYLE = 'BENCH';
export const SKU = `${STYLE}-BLK-M`;
const LOCATION = BENCH_WAREHOUSE.code;
const RECEIPTS = 10; // x 1,000,000 units (the most one movement may receive)
export const STOCK_UNITS = RECEIPTS * 1_000_000;

/**
 * One style, ten million units of its SKU at one warehouse (so no order is
 * rejected for stock), and a probe order confirmed end to end through each
 * order replica: every replica knows the price and the saga runs.
 */
export async function prepareBrand(urls: { catalog: string; store: string; inventory: string; orders: string[] }, admin: string, customer: string): Promise<void> {
  const catalog = benchClient(urls.catalog);
  const inventory = benchClient(urls.inventory);
  const style = await catalog('POST', '/api/catalog/styles', admin, {
    code: STYLE,
    name: 'Benchmark Tee',
    category: 'tops',
    price: 9900,
    colours: [{ code: 'BLK', name: 'Black' }],
    sizes: ['M'],
  });
  if (style.status !== 201) throw new Error(`style not created: ${style.status} ${JSON.stringify(style.body)}`);
  const warehouse = await benchClient(urls.store)('POST', '/api/stores', admin, BENCH_WAREHOUSE);
  if (warehouse.status !== 201) throw new Error(`warehouse not opened: ${warehouse.status} ${JSON.stringify(warehouse.body)}`);
  const receipt = { sku: SKU, location: LOCATION, kind: 'receive', qty: 1_000_000, reason: 'bench stock' };
  await eventually(
    async () => {
      const res = await inventory('POST', '/api/inventory/movements', admin, receipt);
      if (res.status === 201) return true;
      if (res.status !== 422) throw new Error(`stock not received: ${res.status} ${JSON.stringify(res.body)}`);
      return undefined;
    },
    'inventory to know the SKU and the warehouse',
    60_000,
  );
  for (let i = 1; i < RECEIPTS; i++) {
    const res = await inventory('POST', '/api/inventory/movements', admin, receipt);
    if (res.status !== 201) throw new Error(`stock not received: ${res.status} ${JSON.stringify(res.body)}`);
  }
  for (const base of urls.orders) {
    const order = benchClient(base);
    const probe = await eventually(
      async () => {
        const res = await order<{ id: string }>('POST', '/api/orders', customer, JSON.parse(ORDER_BODY(SKU)));
        if (res.status === 201) return res.body.id;
        if (res.status !== 422) throw new Error(`probe order failed at ${base}: ${res.status} ${JSON.stringify(res.body)}`);
        return undefined;
      },
      'the order service to know the SKU',
      60_000,
    );
    await eventually(
      async () => {
        const res = await order<{ status: string }>('GET', `/api/orders/${probe}`, customer);
        if (res.body.status === 'confirmed') return true;
        if (!['pending', 'awaiting_payment'].includes(res.body.status)) throw new Error(`probe order ended ${res.body.status}: ${JSON.stringify(res.body)}`);
        return undefined;
      },
      'the probe order to be confirmed',
      60_000,
    );
  }
}
