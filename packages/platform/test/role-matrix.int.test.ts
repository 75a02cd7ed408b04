import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, type Role } from '@omnishop/kit';
import { ownershipNote } from '../src/role-docs.js';
import { newKey, startTestPlatform, type ApiResponse, type TestPlatform } from './harness.js';
import { allows, fillPath, liveRoutes, queryString, type LiveRoute } from './fuzz/routes.js';
import { validValue, type JsonSchema } from './fuzz/schema-arbitrary.js';

/**
 * Every route of every running service, called with a token of every role
 * and with none: the role matrix of docs/roles.md, cell by cell. Store staff
 * carry the store the path names, so a listed role acts on its own store.
 */
const STORE = 'STMATRIX';
const PROBLEM = 'https://omnishop.dev/problems/';

let t: TestPlatform;

/** A fresh token each call: calling sign-out revokes every token issued to its caller before it. */
const tokenOf = (role: Role) => t.token(role, { subject: `matrix-${role}`, store: role === 'clerk' || role === 'store_manager' ? STORE : undefined });

beforeAll(async () => {
  t = await startTestPlatform();
  const opened = await t.api('POST', '/api/stores', {
    token: await tokenOf('brand_admin'),
    idempotencyKey: newKey(),
    body: { code: STORE, name: 'Matrix', type: 'store', city: 'Shanghai', lat: 31.23, lng: 121.47, hours: {} },
  });
  expect(opened.status, JSON.stringify(opened.body)).toBe(201);
});
afterAll(() => t?.stop());

/** One valid-looking value for a schema, the same every run. */
const sample = (schema: JsonSchema | undefined, seed: number): unknown => (schema ? fc.sample(validValue(schema), { seed, numRuns: 1 })[0] : undefined);

/** A well-formed request to the route: a store code in the path is the staff's own store. */
function call(route: LiveRoute, token: string | undefined, seed: number): Promise<ApiResponse<{ type?: string }>> {
  const params = { ...(sample(route.params, seed) as Record<string, unknown>), ...(route.url.includes('/api/stores/:code') ? { code: STORE } : {}) };
  const path = fillPath(route.url, params) + queryString(sample(route.query, seed));
  return t.api(route.method, path, {
    token,
    body: route.body ? sample(route.body, seed) : route.method === 'GET' ? undefined : {},
    idempotencyKey: route.idempotent ? newKey() : undefined,
  });
}

function expectProblem(res: ApiResponse<{ type?: string }>, status: number, type?: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  if (type) expect(res.body.type).toBe(PROBLEM + type);
}

describe('the role matrix', () => {
  it('covers every route, the admin routes included', () => {
    const keys = liveRoutes(t.platform).map((r) => r.key);
    expect(keys).toContain('GET /api/orders/admin/dead-letters');
    expect(keys.length).toBeGreaterThan(40);
  });

  it('every route: a role it does not name gets 403 role-forbidden, one it names is let through, no token gets 401', async () => {
    const routes = liveRoutes(t.platform);
    for (const [i, route] of routes.entries()) {
      const seed = 1000 + i;
      if (route.roles === 'public') {
        const res = await call(route, undefined, seed);
        expect(res.status, `${route.key} without a token`).not.toBe(403);
        expect(res.status, route.key).toBeLessThan(500);
        continue;
      }
      const anonymous = await call(route, undefined, seed);
      expect(anonymous.status, `${route.key} without a token`).toBe(401);
      expectProblem(anonymous, 401, 'unauthorized');
      for (const role of ROLES) {
        const res = await call(route, await tokenOf(role), seed);
        const what = `${route.key} as ${role} → ${res.status} ${JSON.stringify(res.body)}`;
        expect(res.status, what).toBeLessThan(500);
        if (!allows(route, role)) {
          expect(res.status, what).toBe(403);
          expectProblem(res, 403, 'role-forbidden');
          continue;
        }
        expect(res.status, what).not.toBe(401);
        if (res.status === 403) {
          // Only a documented ownership rule may refuse a role the route names, and never as role-forbidden.
          expect(res.body.type, what).toBe(`${PROBLEM}forbidden`);
          expect(ownershipNote(route.key), `${what}: a 403 for a listed role needs an ownership note in role-docs.ts`).toBeDefined();
        }
      }
    }
  });

  it('a store manager of another store is refused by the ownership rule, not the role check', async () => {
    const other = await t.token('store_manager', { store: 'ELSEWHERE' });
    expectProblem(await t.api('GET', `/api/stores/${STORE}/staff`, { token: other }), 403, 'forbidden');
    expect((await t.api('GET', `/api/stores/${STORE}/staff`, { token: await tokenOf('store_manager') })).status).toBe(200);
  });

  it('each OpenAPI operation names its roles (x-roles), and a limit with a default is not required', async () => {
    const routes = liveRoutes(t.platform);
    let withLimit = 0;
    for (const r of t.platform.runtimes) {
      const doc = (await t.api('GET', `${r.def.prefix}/openapi.json`)).body as { paths: Record<string, Record<string, { 'x-roles': unknown; description: string; parameters?: { name: string; required: boolean }[] }>> };
      for (const route of routes.filter((x) => x.service === r.name)) {
        const path = route.key.split(' ')[1]!;
        const op = doc.paths[path]?.[route.method.toLowerCase()];
        expect(op, route.key).toBeDefined();
        expect(op!['x-roles'], route.key).toEqual(route.roles);
        expect(op!.description, route.key).toMatch(route.roles === 'public' ? /^Public/ : /^Roles: /);
        const limit = op!.parameters?.find((p) => p.name === 'limit');
        if (limit) {
          expect(limit.required, `${route.key} limit`).toBe(false);
          withLimit++;
        }
      }
    }
    expect(withLimit).toBeGreaterThan(5);
  });
});
