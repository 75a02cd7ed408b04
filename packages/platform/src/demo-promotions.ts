import type { Platform } from './platform.js';
import { callApi } from './client.js';

/** The demo customer's subject when no gateway runs (no demo users to sign in as). */
export const DEMO_CUSTOMER = 'demo-customer';

const TEMPLATES = ['TEN_OFF', 'SPEND200_30'];

async function post(platform: Platform, token: string, url: string, key: string, body: unknown): Promise<void> {
  const res = await callApi(platform.app, { method: 'POST', url, token, idempotencyKey: key, body });
  if (res.status !== 201) throw new Error(`seeding ${url} (${key}) failed: ${JSON.stringify(res.body)}`);
}

/** A Singles' Day campaign with two coupon templates. Idempotent, like the rest of the seed. */
export async function seedPromotions(platform: Platform, token: string): Promise<void> {
  const year = new Date().getUTCFullYear();
  await post(platform, token, '/api/promotions/campaigns', 'seed-campaign-1111', {
    code: 'DOUBLE11',
    name: "Singles' Day",
    startsAt: `${year - 1}-01-01T00:00:00Z`,
    endsAt: `${year + 2}-01-01T00:00:00Z`,
    budget: 100_000_000,
  });
  await post(platform, token, '/api/promotions/templates', 'seed-template-10off', { code: 'TEN_OFF', campaign: 'DOUBLE11', kind: 'percent', percent: 10, perCustomerLimit: 3 });
  await post(platform, token, '/api/promotions/templates', 'seed-template-200-30', { code: 'SPEND200_30', campaign: 'DOUBLE11', kind: 'threshold', amount: 3000, threshold: 20000, perCustomerLimit: 3 });
}

/**
 * One coupon of each demo template in the demo customer's wallet (the one
 * the banner prints a token for, and who signs in as "customer"), so a
 * checkout or a till sale with coupons can be tried at once. Idempotent.
 */
export async function fillDemoWallet(platform: Platform, tenant: string, customerId: string): Promise<void> {
  const token = await platform.auth.mint({ subject: 'seed', tenant, role: 'brand_admin' }, 600);
  for (const template of TEMPLATES) await post(platform, token, '/api/promotions/coupons', `seed-coupon-${template}-${customerId}`, { template, customerId });
}
