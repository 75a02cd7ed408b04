import type { Role } from '@omnishop/kit';
import { CONSOLE_PATH } from '@omnishop/console';
import { API_DOCUMENT, API_PAGE } from './api-docs.js';
import type { PlatformConfig } from './config.js';
import type { Demo } from './demo.js';
import { DEMO_USERS } from './demo-users.js';
import type { Platform } from './platform.js';
import { DEMO_STORE, DEMO_TENANT } from './seed.js';

const DEMO_TOKEN_TTL_SECONDS = 12 * 3600;

/** The services the banner's sign-in and curls go to: a process whose port reaches them all prints it (in a cluster, the gateway). */
export const BANNER_SERVICES = ['gateway', 'store', 'inventory', 'order', 'promotion', 'fulfilment'];

/** A token of the demo brand for each role, signed in as the demo user of that role where there is one. */
async function demoTokens(platform: Platform, demo: Demo): Promise<[Role, string][]> {
  const subjects: [Role, string, string | undefined][] = [
    ['customer', demo.customer, undefined],
    ['clerk', demo.users.get('clerk') ?? 'demo-clerk', DEMO_STORE],
    ['store_manager', demo.users.get('manager') ?? 'demo-manager', DEMO_STORE],
    ['brand_admin', demo.users.get('admin') ?? 'demo-admin', undefined],
    ['operator', demo.users.get('operator') ?? 'demo-operator', undefined],
  ];
  return Promise.all(
    subjects.map(async ([role, subject, store]): Promise<[Role, string]> => [
      role,
      await platform.auth.mint({ subject, tenant: DEMO_TENANT, role, ...(store ? { store } : {}) }, DEMO_TOKEN_TTL_SECONDS),
    ]),
  );
}

/** What a development start prints once it is ready: where things are, tokens, users, and what to try. */
export async function demoBanner(platform: Platform, config: Pick<PlatformConfig, 'accessTokenTtlSeconds'>, demo: Demo): Promise<string> {
  const url = platform.url;
  const tokens = await demoTokens(platform, demo);
  const users = demo.users.size
    ? `Demo users (brand "${DEMO_TENANT}"; username / password; clerk and manager work at ${DEMO_STORE}):
${DEMO_USERS.map((u) => `  ${u.role.padEnd(15)}${u.username} / ${u.password}`).join('\n')}
Sign in for an access token (valid ${config.accessTokenTtlSeconds} s) and a refresh token:
  curl -s -X POST ${url}/api/auth/token -H 'content-type: application/json' \\
       -d '{"tenant":"${DEMO_TENANT}","username":"admin","password":"demo-admin-password"}'

`
    : '';
  return `
Omnishop is running at ${url}
  console        ${url}${CONSOLE_PATH}   (sign in with a demo user below: health, event map, orders and traces, stock, POS, fulfilment)
  services       ${url}/api
  health         ${url}/health/ready   (200 once every database, the bus and the demo brand are ready: now)
  API reference  ${url}${API_PAGE}   (every service, browsable; works offline)
  OpenAPI        ${[API_DOCUMENT, ...platform.reachable.map((s) => `${s.prefix}/openapi.json`)].map((path) => `${url}${path}`).join('\n                 ')}

Demo tokens (brand "${DEMO_TENANT}", valid 12 h; store staff at ${DEMO_STORE}; mint others with: npm run -s token -- --role clerk --store ${DEMO_STORE}):
${tokens.map(([role, token]) => `  ${role.padEnd(15)}${token}`).join('\n')}

${users}Try (TOKEN=the customer token above, CLERK=the clerk token):
  curl -s '${url}/api/stores/nearest?lat=31.2304&lng=121.4737&limit=3' -H "authorization: Bearer $TOKEN"
  curl -s '${url}/api/inventory/stock?sku=TS1001-BLK-M' -H "authorization: Bearer $TOKEN"
  curl -s -X POST ${url}/api/orders -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \\
       -H "idempotency-key: $(cat /proc/sys/kernel/random/uuid)" -d '{"lines":[{"sku":"TS1001-BLK-M","qty":1}]}'
  curl -s ${url}/api/promotions/wallet -H "authorization: Bearer $TOKEN"      # the customer's coupons: add "coupons":["<code>"] to an order
Then fulfil it (ID=the order's id; demo orders are offered to ${DEMO_STORE}, where the clerk works):
  curl -s ${url}/api/fulfilment/offers -H "authorization: Bearer $CLERK"
  curl -s -X POST ${url}/api/fulfilment/orders/$ID/claim -H "authorization: Bearer $CLERK"
  curl -s -X POST ${url}/api/fulfilment/orders/$ID/ready -H "authorization: Bearer $CLERK"      # click & collect
  curl -s -X POST ${url}/api/fulfilment/orders/$ID/collected -H "authorization: Bearer $CLERK"  # the order is completed
`;
}
