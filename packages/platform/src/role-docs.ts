import { ADMIN_ROUTES, ROLES, type RouteAccess } from '@omnishop/kit';

/** What the role document needs of a service: where it is mounted and its routes. */
export interface RoutedService {
  name: string;
  prefix: string;
  routes: { method: string; url: string; summary: string; roles: RouteAccess }[];
}

export interface RouteEntry {
  service: string;
  method: string;
  /** As OpenAPI writes it: `/api/orders/{id}/cancel`. */
  path: string;
  summary: string;
  roles: RouteAccess;
}

/**
 * What a listed role may act on beyond its brand, enforced by the handler.
 * "403" marks a refusal with the problem type `forbidden` (told apart from
 * `role-forbidden`, a role the route does not name); "404" marks rules that
 * answer as if the thing did not exist, so nothing leaks. A unit test checks
 * that every entry names a route that exists.
 */
export const OWNERSHIP: Record<string, string> = {
  'POST /api/stores/{code}/terminals': 'store_manager: own store only (403)',
  'GET /api/stores/{code}/terminals': 'clerk, store_manager: own store only (403)',
  'POST /api/stores/{code}/staff': 'store_manager: own store only, and only a brand_admin appoints a store_manager (403)',
  'GET /api/stores/{code}/staff': 'store_manager: own store only (403)',
  'POST /api/inventory/movements': 'store_manager: at their own store only (403)',
  'GET /api/orders': 'customer: own orders only',
  'GET /api/orders/{id}': 'customer: own orders only (404)',
  'POST /api/orders/{id}/cancel': 'customer: own orders only (404); clerk, store_manager: orders in their store’s hands only (403, see Store staff and orders)',
  'POST /api/orders/{id}/complete': 'clerk, store_manager: orders in their store’s hands only (403)',
  'POST /api/orders/sales': "clerk, store_manager: at their own store (the token's store; none: 403)",
  'POST /api/orders/{id}/returns': 'clerk, store_manager: at their own store only (403); brand_admin names the location',
  'POST /api/promotions/price': 'customer: only for themselves (`customerId` of another: 403)',
  'GET /api/promotions/wallet': 'customer: own wallet only (`customerId` of another: 403)',
  'POST /api/promotions/coupons/{code}/redeem': 'customer: own coupons only (404)',
  'GET /api/customers/me': 'customer: own membership (the token subject)',
  'PUT /api/customers/me': 'customer: own membership (the token subject)',
  'GET /api/customers/me/points': 'customer: own points (the token subject)',
  'GET /api/payments/intents': "customer: own orders' payments only (another's: an empty list)",
  'GET /api/payments/intents/{id}': 'customer: own payments only (404)',
  'POST /api/auth/users': 'brand_admin: makes no operator (only an operator does: 403)',
  'POST /api/payments/intents/{id}/cancel': 'customer: own payments only (404); clerk, store_manager: payments of orders in their store’s hands only (403)',
  'POST /api/payments/intents/{id}/refund': 'store_manager: payments of orders in their store’s hands only (403)',
  'GET /api/fulfilment/offers': "clerk, store_manager: offers to the store on their token; a token naming no store: 403",
  'GET /api/fulfilment/orders/{orderId}': 'customer: own orders only (404)',
  'POST /api/fulfilment/orders/{orderId}/claim': 'clerk, store_manager: orders offered to their store only (403)',
  'POST /api/fulfilment/orders/{orderId}/give-back': 'clerk, store_manager: orders their store claimed only (403)',
  'POST /api/fulfilment/orders/{orderId}/book': 'clerk, store_manager: orders their store claimed only (403)',
  'POST /api/fulfilment/orders/{orderId}/ship': 'clerk, store_manager: orders their store claimed only (403)',
  'POST /api/fulfilment/orders/{orderId}/ready': 'clerk, store_manager: orders their store claimed only (403)',
  'POST /api/fulfilment/orders/{orderId}/collected': 'clerk, store_manager: orders their store claimed only (403)',
  'POST /api/fulfilment/orders/{orderId}/received': 'customer: own orders only (404)',
};

/** The admin routes of every service that only platform staff pass, by method and path below the service's prefix. */
const PLATFORM_STAFF_ONLY = "operator: platform staff only (the token's tenant `platform`); a brand's operator: 403";
const EVERY_SERVICE: Record<string, string> = {
  'GET /admin/events': PLATFORM_STAFF_ONLY,
  'POST /admin/read-models/{name}/rebuild': PLATFORM_STAFF_ONLY,
};

/** A route's ownership note: its own, or the one of an admin route every service has. */
export function ownershipNote(key: string): string | undefined {
  const [method, path = ''] = key.split(' ');
  return OWNERSHIP[key] ?? EVERY_SERVICE[`${method} ${path.replace(/^\/api\/[^/]+/, '')}`];
}

/** `/api/orders` + `/:id/cancel` → `/api/orders/{id}/cancel`; a service's `/` is its prefix. */
export function openApiPath(prefix: string, url: string): string {
  return (prefix + (url === '/' ? '' : url)).replace(/:(\w+)/g, '{$1}');
}

export const routeKey = (r: { method: string; path: string }) => `${r.method} ${r.path}`;

/** Every route of every service, the dead-letter admin routes included, in mount order. */
export function routeEntries(services: RoutedService[]): RouteEntry[] {
  return services.flatMap((s) =>
    [...s.routes, ...Object.values(ADMIN_ROUTES)].map((r) => ({ service: s.name, method: r.method, path: openApiPath(s.prefix, r.url), summary: r.summary, roles: r.roles })),
  );
}

const cell = (access: RouteAccess, role: string) => (access === 'public' ? 'public' : (access as readonly string[]).includes(role) ? 'allowed' : '403');

/**
 * The role matrix, generated from the routes' own `roles`: a test compares
 * it with docs/roles.md, so the document cannot drift from the code, and
 * role-matrix.int.test.ts asserts every cell against the running platform.
 */
export function renderRoleDocs(services: RoutedService[]): string {
  const entries = routeEntries(services);
  const out = [
    '# Roles',
    '',
    'Generated from the code by `npm run docs`; a test fails when this file and the code disagree, and',
    '`packages/platform/test/role-matrix.int.test.ts` calls every route with a token of every role to check each cell.',
    '',
    '- **customer**: buys; sees own orders, own wallet, own membership.',
    '- **clerk**: point of sale of the store on their token.',
    '- **store_manager**: their store’s stock, claims and staff.',
    '- **brand_admin**: catalogue, campaigns, every store of the brand.',
    '- **operator**: platform health, dead letters, replays; reads orders and ledgers.',
    '',
    'Every route works inside the brand (`tenant`) of the token. `allowed`: the role passes the route’s role check',
    '(the handler may still refuse the input); `403`: refused before anything is read, problem type',
    '`https://omnishop.dev/problems/role-forbidden`; no token or a bad one: 401. `public`: no token (the caller',
    'proves who it is in the request). The last column is what a listed role may act on; its 403s have the',
    'problem type `https://omnishop.dev/problems/forbidden`, and its 404s hide what is not the caller’s.',
    '',
    '## Store staff and orders',
    '',
    'A clerk or store manager acts (cancels, hands over, cancels or refunds the payment) only on an order in the',
    'hands of the store on their token (`packages/in-charge/src/rule.ts`, `mayActOnOrder`):',
    '',
    '| Order | In the hands of | Store staff who may act |',
    '| --- | --- | --- |',
    '| till sale | the store that rang it up, from the start | that store’s |',
    '| online, placed, paid, offered to stores | no store (offered is not claimed) | none: the customer (own, before it is paid) or a brand admin |',
    '| online, claimed (then booked, shipped, ready, collected, completed) | the claiming store or warehouse | the claiming store’s |',
    '| online, given back | no store again, until the next claim | none |',
    '',
    'Anyone else’s staff get 403 `forbidden` saying which store has the order (or that none has it yet). Returns are',
    'different: goods may come back at any store, so store staff take a return at their own store whoever fulfilled the',
    'order. Order and payment learn who is in charge from `OrderClaimed`, `OrderGivenBack` and, for a till sale,',
    '`PaymentRequested`; just after a claim its store may have to retry for a moment.',
  ];
  for (const s of services) {
    out.push('', `## ${s.name} (\`${s.prefix}\`)`, '');
    out.push(`| Route | ${ROLES.join(' | ')} | Ownership |`, `| --- |${ROLES.map(() => ' --- |').join('')} --- |`);
    for (const e of entries.filter((e) => e.service === s.name)) {
      out.push(`| \`${routeKey(e)}\` | ${ROLES.map((role) => cell(e.roles, role)).join(' | ')} | ${ownershipNote(routeKey(e)) ?? ''} |`);
    }
  }
  return out.join('\n') + '\n';
}
