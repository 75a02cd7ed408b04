import fc from 'fast-check';
import { ROLES, type Role } from '@omnishop/kit';
import { allows, fillPath, queryString, type LiveRoute } from './routes.js';
import { hostileValue, mutatedValue, validValue, type JsonSchema } from './schema-arbitrary.js';

/** One request as it goes on the wire: nothing here is checked before it is sent. */
export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Which kind of damage it carries, for the report. */
  kind: string;
}

/** Tokens of every role, and the store the staff among them work at. */
export interface FuzzTokens {
  byRole: Record<Role, string>;
  store: string;
}

const nothing = fc.constant(undefined);
const valueOr = (schema: JsonSchema | undefined) => (schema ? validValue(schema) : nothing);

/** Path segments that break routers: bad %-escapes, traversal, control bytes, length. */
const hostileSegment = fc.oneof(
  fc.constantFrom('%', '%%', '%zz', '%E0%A4%A', '%FF', '%00', '%2e%2e%2f', '..', '../..', '..%2f..%2fetc%2fpasswd', '%C0%AE%C0%AE', '%u002e', '.', ';', '%3B', '%23', '%3F'),
  fc.string({ unit: 'grapheme', maxLength: 20 }).map(encodeURIComponent),
  fc.integer({ min: 100, max: 20_000 }).map((n) => 'x'.repeat(n)),
);

/** Query strings a client should never send: wrong types, repeats, pollution keys, huge numbers. */
const hostileQuery = fc.oneof(
  fc.constantFrom(
    '?limit=1e999',
    '?limit=-0',
    '?limit=0x10',
    '?limit=1&limit=2',
    '?limit[]=1',
    '?cursor=%00',
    '?cursor=%',
    '?__proto__[polluted]=1',
    '?constructor[prototype][polluted]=1',
    '?__proto__=x',
    '?status=pending&status=confirmed',
    `?cursor=${'A'.repeat(5000)}`,
    '?sku=&location=',
    '?lat=NaN&lng=Infinity',
  ),
  fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 30 }), { maxKeys: 4 }).map(queryString),
);

const truncated = (json: string, at: number) => json.slice(0, Math.max(1, at % Math.max(1, json.length)));

/** Bodies no JSON parser or validator should choke on, sent raw. */
const hostileBody = (schema: JsonSchema | undefined) =>
  fc.oneof(
    fc.tuple(valueOr(schema), fc.nat()).map(([v, at]) => truncated(JSON.stringify(v ?? { a: 1 }), at)),
    fc.integer({ min: 1000, max: 50_000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth)),
    fc.integer({ min: 1000, max: 50_000 }).map((depth) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)),
    fc.constantFrom('1e999999', '-1e999999', '123456789012345678901234567890', '{"qty":1e309}', '{"__proto__":{"polluted":true}}', '{"constructor":{"prototype":{"polluted":true}}}', 'null', '""', '[]', '{}', '', ' ', '\u0000', '\ufeff{}', '{"a":"\\ud800"}', '{"a":1,"a":2}'),
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.jsonValue().map((v) => JSON.stringify(v)),
    hostileValue.map((v) => JSON.stringify(v) ?? 'undefined'),
  );

const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/problem+json',
  'application/json, text/plain',
  '*/*',
  '',
);

const garbageAuthorization = (tokens: FuzzTokens) =>
  fc.oneof(
    fc.constantFrom('Bearer', 'Bearer ', 'Bearer a.b.c', 'Bearer ...', 'Basic dXNlcjpwYXNz', 'bearer', 'Bearer null', 'Bearer eyJhbGciOiJub25lIn0.e30.', `Bearer ${'a'.repeat(8000)}.b.c`),
    fc.constantFrom(...Object.values(tokens.byRole)).map((t) => `Bearer ${t}x`),
    fc.constantFrom(...Object.values(tokens.byRole)).map((t) => `Bearer ${t.split('.').reverse().join('.')}`),
    fc.string({ unit: 'binary-ascii', maxLength: 100 }).map((s) => s.replace(/[^\t\x20-\x7e]/g, '')),
  );

const garbageHeader = fc.oneof(
  fc.constantFrom('', ' ', 'x'.repeat(300), '00-xyz', `00-${'0'.repeat(32)}-${'0'.repeat(16)}-01`, `ff-${'a'.repeat(32)}-${'b'.repeat(16)}-01`, '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-zz', '\t', 'null'),
  fc.string({ unit: 'binary-ascii', maxLength: 80 }).map((s) => s.replace(/[^\t\x20-\x7e]/g, '')),
);

/**
 * Requests to the platform's routes, each either a correct call or one
 * damaged in one place: its body (mutated, malformed, wrong content type),
 * its headers (authorization, idempotency key, traceparent) or its path
 * (escapes, traversal, long segments, hostile query strings).
 */
export function fuzzRequest(routes: LiveRoute[], tokens: FuzzTokens): fc.Arbitrary<FuzzRequest> {
  // Built once per route: making an arbitrary (a regex for stringMatching, say) costs far more than drawing from it.
  return fc.oneof(...routes.map((route) => routeRequest(route, tokens)));
}

function routeRequest(route: LiveRoute, tokens: FuzzTokens): fc.Arbitrary<FuzzRequest> {
  const listed = ROLES.filter((role) => allows(route, role));
  const role = listed.length ? fc.oneof({ arbitrary: fc.constantFrom(...listed), weight: 9 }, fc.constantFrom(...ROLES)) : fc.constantFrom(...ROLES);
  const params = valueOr(route.params).map((p) => ({ ...(p as Record<string, unknown>), ...(route.url.includes('/api/stores/:code') ? { code: tokens.store } : {}) }));
  const base = fc.record({ role, params, query: valueOr(route.query), body: valueOr(route.body), key: fc.uuid() }).map(({ role, params, query, body, key }) => {
    const headers: Record<string, string> = { authorization: `Bearer ${tokens.byRole[role]}` };
    if (route.idempotent) headers['idempotency-key'] = key;
    if (body !== undefined || route.method !== 'GET') headers['content-type'] = 'application/json';
    const request: FuzzRequest = {
      method: route.method,
      path: fillPath(route.url, params) + queryString(query),
      headers,
      body: body === undefined ? (route.method === 'GET' ? undefined : '{}') : JSON.stringify(body),
      kind: 'valid',
    };
    return request;
  });
  const damaged: fc.Arbitrary<FuzzRequest>[] = [
    fc.tuple(base, route.body ? mutatedValue(route.body) : hostileValue).map(([r, body]) => ({ ...r, body: JSON.stringify(body) ?? 'undefined', kind: 'mutated body' })),
    fc.tuple(base, hostileBody(route.body), contentType).map(([r, body, type]) => ({ ...r, body, headers: { ...r.headers, 'content-type': type }, kind: 'malformed body' })),
    fc.tuple(base, garbageAuthorization(tokens)).map(([r, authorization]) => ({ ...r, headers: { ...r.headers, authorization }, kind: 'bad authorization' })),
    fc.tuple(base, garbageHeader).map(([r, key]) => ({ ...r, headers: { ...r.headers, 'idempotency-key': key }, kind: 'bad idempotency key' })),
    fc.tuple(base, garbageHeader, garbageHeader).map(([r, traceparent, id]) => ({ ...r, headers: { ...r.headers, traceparent, tracestate: traceparent, 'x-request-id': id }, kind: 'bad trace headers' })),
    fc.tuple(base, hostileSegment, fc.nat()).map(([r, segment, at]) => {
      const parts = r.path.split('?')[0]!.split('/');
      parts[1 + (at % (parts.length - 1))] = segment;
      return { ...r, path: parts.join('/'), kind: 'bad path' };
    }),
    fc.tuple(base, hostileQuery).map(([r, query]) => ({ ...r, path: r.path.split('?')[0]! + query, kind: 'bad query' })),
    fc.tuple(base, fc.constantFrom('DELETE', 'PATCH', 'PUT', 'OPTIONS', 'HEAD', 'POST', 'GET')).map(([r, method]) => ({ ...r, method, kind: 'other method' })),
  ];
  return fc.oneof({ arbitrary: base, weight: 3 }, ...damaged.map((arbitrary) => ({ arbitrary, weight: 1 })));
}
