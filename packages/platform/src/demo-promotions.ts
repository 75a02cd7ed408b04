import type { Platform } from './platform.js';
import { callApi } from './client.js';

/** The demo customer the start-up banner prints a token for; the seed fills their coupon wallet. */
export const DEMO_CUSTOMER = 'demo-customer';

/**
 * A Singles' Day campaign with two coupon templates, and one coupon of each in
 * the demo customer's wallet, so a checkout or a till sale with coupons can be
 * tried at once. Idempotent, like the rest of the seed.
 */
export async function seedPromotions(platform: Platform, token: string): Promise<void> {
  const post = async (url: string, key: string, body: unknown) => {
    const res = await callApi(platform.app, { method: 'POST', url, token, idempotencyKey: key, body });
    if (res.status !== 201) throw new Error(`seeding ${url} (${key}) failed: ${JSON.stringify(res.body)}`);
  };
  const year = new Date().getUTCFullYear();
  await post('/api/promotions/campaigns', 'seed-campaign-1111', {
    code: 'DOUBLE11',
    name: "Singles' Day",
    startsAt: `${year - 1}-01-01T00:00:00Z`,
    endsAt: `${year + 2}-01-01T00:00:00Z`,
    budget: 100_000_000,
  });
  await post('/api/promotions/templates', 'seed-template-10off', { code: 'TEN_OFF', campaign: 'DOUBLE11', kind: 'percent', percent: 10, perCustomerLimit: 3 });
  await post('/api/promotions/templates', 'seed-template-200-30', { code: 'SPEND200_30', campaign: 'DOUBLE11', kind: 'threshold', amount: 3000, threshold: 20000, perCustomerLimit: 3 });
  for (const template of ['TEN_OFF', 'SPEND200_30']) {
    await post('/api/promotions/coupons', `seed-coupon-${template}`, { template, customerId: DEMO_CUSTOMER });
  }
}
