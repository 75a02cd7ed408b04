import type { Role } from '@omnishop/kit';
import { callApi } from './client.js';
import type { Platform } from './platform.js';
import { DEMO_STORE, DEMO_TENANT } from './seed.js';

/** One user per role in the demo brand, with demo passwords; a production start creates none. The store staff work at the demo store, where demo orders are offered. */
export const DEMO_USERS: { username: string; password: string; role: Role; store?: string }[] = [
  { username: 'customer', password: 'demo-customer-password', role: 'customer' },
  { username: 'clerk', password: 'demo-clerk-password', role: 'clerk', store: DEMO_STORE },
  { username: 'manager', password: 'demo-manager-password', role: 'store_manager', store: DEMO_STORE },
  { username: 'admin', password: 'demo-admin-password', role: 'brand_admin' },
  { username: 'operator', password: 'demo-operator-password', role: 'operator' },
];

/** Creates the demo users through the gateway's API; fixed idempotency keys make a second run a no-op. Returns each username's id (its token subject). */
export async function seedDemoUsers(platform: Platform): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  // Only an operator makes an operator; the brand admin makes the rest.
  const tokens = {
    operator: await platform.auth.mint({ subject: 'seed', tenant: DEMO_TENANT, role: 'operator' }, 600),
    brand_admin: await platform.auth.mint({ subject: 'seed', tenant: DEMO_TENANT, role: 'brand_admin' }, 600),
  };
  for (const user of DEMO_USERS) {
    const token = user.role === 'operator' ? tokens.operator : tokens.brand_admin;
    const res = await callApi<{ id: string }>(platform.app, { method: 'POST', url: '/api/auth/users', token, idempotencyKey: `seed-user-${user.username}`, body: user });
    if (res.status === 201) ids.set(user.username, res.body.id);
    else if (res.status !== 409) throw new Error(`seeding user ${user.username} failed: ${JSON.stringify(res.body)}`);
  }
  // Users made before their idempotency keys were forgotten answer 409: find them by name.
  if (ids.size < DEMO_USERS.length) {
    const listed = await callApi<{ items: { id: string; username: string }[] }>(platform.app, { method: 'GET', url: '/api/auth/users?limit=200', token: tokens.operator });
    for (const u of listed.body.items ?? []) if (!ids.has(u.username)) ids.set(u.username, u.id);
  }
  return ids;
}
