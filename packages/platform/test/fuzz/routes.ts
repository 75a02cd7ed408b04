import type { Role, RouteAccess } from '@omnishop/kit';
import type { Platform } from '../../src/platform.js';
import { openApiPath, routeKey } from '../../src/role-docs.js';
import type { JsonSchema } from './schema-arbitrary.js';

/** A route of the running platform, as a test that calls every route needs it. */
export interface LiveRoute {
  service: string;
  method: string;
  /** With Fastify's `:param`s, e.g. `/api/orders/:id/cancel`. */
  url: string;
  /** `POST /api/orders/{id}/cancel`, as docs/roles.md names it. */
  key: string;
  roles: RouteAccess;
  idempotent: boolean;
  params?: JsonSchema;
  query?: JsonSchema;
  body?: JsonSchema;
}

/** Every route every running service serves, its admin routes included: new routes are covered without a test edit. */
export function liveRoutes(platform: Platform): LiveRoute[] {
  return platform.runtimes.flatMap((r) =>
    r.routes.map((route) => ({
      service: r.name,
      method: route.method,
      url: r.def.prefix + (route.url === '/' ? '' : route.url),
      key: routeKey({ method: route.method, path: openApiPath(r.def.prefix, route.url) }),
      roles: route.roles,
      idempotent: route.idempotent === true,
      params: route.params as JsonSchema | undefined,
      query: route.query as JsonSchema | undefined,
      body: route.body as JsonSchema | undefined,
    })),
  );
}

export const allows = (route: LiveRoute, role: Role) => route.roles !== 'public' && route.roles.includes(role);

/** Fills `:param`s from `values` (missing ones with `x`), %-encoded. */
export function fillPath(url: string, values: Record<string, unknown>): string {
  return url.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(String(values[name] ?? 'x')));
}

/** `?a=1&b=x&b=y` from an object (arrays repeat the name); empty when there is nothing. */
export function queryString(values: unknown): string {
  if (typeof values !== 'object' || values === null) return '';
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) for (const one of Array.isArray(v) ? v : [v]) search.append(k, typeof one === 'string' ? one : JSON.stringify(one));
  const text = search.toString();
  return text ? `?${text}` : '';
}
