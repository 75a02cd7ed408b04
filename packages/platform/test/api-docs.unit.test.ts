import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { beforeAll, describe, expect, it } from 'vitest';
import type { OpenApiDocument, OpenApiOperation, OpenApiResponse } from '@omnishop/kit';
import { platformDocument, renderOpenApi } from '../src/api-docs.js';
import { loadPlatformConfig } from '../src/config.js';
import { serviceDefinitions } from '../src/platform.js';

type Json = Record<string, unknown>;

const services = serviceDefinitions(loadPlatformConfig({}, '/nonexistent'));
const SERVICE_TAGS = new Set(services.map((s) => s.name));
let doc: OpenApiDocument;

beforeAll(async () => {
  doc = await platformDocument(services);
});

const operations = () =>
  Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, method, op })));

/** A response as a client generator reads it: a `$ref` to `components.responses` followed. */
function resolved(response: OpenApiResponse | { $ref: string }): OpenApiResponse {
  if (!('$ref' in response)) return response;
  const name = response.$ref.replace('#/components/responses/', '');
  const shared = doc.components?.responses?.[name] as OpenApiResponse | undefined;
  if (!shared) throw new Error(`${response.$ref} does not resolve`);
  return shared;
}

/** The schema of an operation's JSON answer with this status. */
const jsonSchema = (path: string, status: string, method = 'get') => {
  const response = doc.paths[path]?.[method]?.responses[status];
  return response && resolved(response).content?.['application/json']?.schema;
};

const isProblem = (r: OpenApiResponse) => (r.content?.['application/problem+json']?.schema as Json | undefined)?.$ref === '#/components/schemas/Problem';
const responsesOf = (op: OpenApiOperation) => Object.entries(op.responses).map(([status, r]) => [status, resolved(r)] as const);

describe('the API document (docs/openapi.json, served at /api/openapi.json)', () => {
  it('matches the services (run `npm run docs` after changing a route)', () => {
    expect(readFileSync(resolve(__dirname, '../../../docs/openapi.json'), 'utf8')).toBe(renderOpenApi(doc));
  });

  it('is a valid OpenAPI 3.0 document, every reference resolving', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc) as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(() => validator.resolveRefs()).not.toThrow();
  });

  it('names every operation once, says what it does and who may call it', () => {
    const ids = operations().map(({ op }) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { key, op } of operations()) {
      expect(op.operationId, key).toMatch(/^[a-z]+[A-Za-z0-9]*$/);
      expect(op.summary, key).toBeTruthy();
      expect(op.description, key).toMatch(/^(Roles: |Public: )/);
      expect(op.tags, key).toHaveLength(1);
    }
  });

  // What a client generator needs to make a typed method of each operation: a typed success and typed errors.
  it('gives every operation a described, typed success', () => {
    for (const { key, op } of operations()) {
      const successes = responsesOf(op).filter(([status]) => /^2\d\d$/.test(status));
      expect(successes.length, key).toBeGreaterThan(0);
      for (const [status, r] of successes) {
        expect(r.description, `${key} ${status}`).not.toMatch(/^(Default Response|OK|Created|Accepted)?$/);
        if (status === '204') continue;
        const schema = r.content?.['application/json']?.schema as Json | undefined;
        expect(schema?.$ref ?? schema?.type, `${key} ${status}: a schema`).toBeTruthy();
      }
    }
  });

  it("gives every operation its refusals as problem+json of the one Problem schema: the pipeline's and its handler's", () => {
    for (const { key, method, op } of operations()) {
      const answers = new Map(responsesOf(op));
      for (const [status, r] of answers) {
        if (/^2/.test(status)) continue;
        expect(r.description, `${key} ${status}`).toBeTruthy();
        if (!SERVICE_TAGS.has(op.tags?.[0] ?? '')) continue; // health: its 503 is a readiness report
        expect(isProblem(r), `${key} ${status} refers to Problem`).toBe(true);
      }
      if (!SERVICE_TAGS.has(op.tags?.[0] ?? '')) continue;
      const expected = ['400', '429', '503', 'default'];
      if ((op.security as unknown[]).length) expected.push('401', '403');
      if (method !== 'get' && method !== 'delete') expected.push('413', '415'); // Fastify reads no body on these
      const parameters = (op.parameters ?? []) as { name: string; in: string }[];
      if (parameters.some((p) => p.name === 'idempotency-key')) expected.push('422');
      if (parameters.some((p) => p.in === 'path')) expected.push('414');
      expect([...answers.keys()], key).toEqual(expect.arrayContaining(expected));
    }
  });

  it('shares named schemas and common refusals as components', () => {
    const schemas = Object.keys(doc.components?.schemas ?? {});
    expect(schemas).toEqual(expect.arrayContaining(['Problem', 'FieldError', 'Order', 'OrderStatus', 'PaymentIntent', 'Store', 'DeadLetter', 'DeadLetterPage', 'AuditRecordPage', 'Readiness']));
    expect(Object.keys(doc.components?.responses ?? {})).toEqual(
      expect.arrayContaining(['BadRequest', 'Unauthorized', 'PayloadTooLarge', 'UriTooLong', 'UnsupportedMediaType', 'IdempotencyKeyReused', 'RateLimited', 'Overloaded', 'UnexpectedError']),
    );
    expect(jsonSchema('/api/orders/{id}', '200')).toEqual({ $ref: '#/components/schemas/Order' });
    expect(jsonSchema('/api/orders/admin/dead-letters', '200')).toEqual({ $ref: '#/components/schemas/DeadLetterPage' });
    expect(jsonSchema('/api/orders/admin/dead-letters/{id}/replay', '202', 'post')).toEqual({ $ref: '#/components/schemas/Replay' });
  });

  it('lists choices as enums, never as a union of constants', () => {
    const unions: string[] = [];
    const walk = (node: unknown, at: string) => {
      if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${at}.${i}`));
      if (typeof node !== 'object' || node === null) return;
      const n = node as Json;
      if ('const' in n) unions.push(`${at}: const`);
      for (const key of ['anyOf', 'oneOf'] as const) {
        const options = n[key];
        if (Array.isArray(options) && options.every((o: Json) => 'const' in o || (Array.isArray(o.enum) && o.enum.length === 1))) unions.push(`${at}: ${key} of constants`);
      }
      for (const [k, v] of Object.entries(n)) walk(v, `${at}.${k}`);
    };
    walk(doc, '');
    expect(unions).toEqual([]);
    expect(JSON.stringify(doc)).not.toContain('Default Response');
  });

  it('covers the platform routes: health and the index', () => {
    expect(jsonSchema('/health/live', '200')).toEqual({ $ref: '#/components/schemas/Liveness' });
    expect(Object.keys(doc.paths['/health/ready']?.get?.responses ?? {})).toEqual(['200', '503']);
    expect(jsonSchema('/api', '200')).toEqual({ $ref: '#/components/schemas/ServiceIndex' });
  });
});
