import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { PageQuery } from '../src/schema/index.js';
import { accessDescription, defaultsOptional, documentedResponses, liftComponents, openApiDocument, operationId, responseOf, type DocumentedRoute, type OpenApiDocument } from '../src/service/openapi.js';

describe('the OpenAPI view of a route schema', () => {
  it('a field with a default is not required, at any depth; the schema itself is left as it was', () => {
    const query = Type.Object({ ...PageQuery, sku: Type.String(), inner: Type.Object({ n: Type.Integer({ default: 1 }), m: Type.String() }) });
    const shown = defaultsOptional(query) as { required: string[]; properties: { inner: { required: string[] } } };
    expect(shown.required).toEqual(['sku', 'inner']);
    expect(shown.properties.inner.required).toEqual(['m']);
    expect(query.required).toEqual(['limit', 'sku', 'inner']);
  });

  it('drops `required` when nothing is left in it', () => {
    expect(defaultsOptional(Type.Object(PageQuery))).not.toHaveProperty('required');
  });

  it('names the roles, or says the route is public', () => {
    expect(accessDescription(['customer', 'clerk'])).toBe('Roles: customer, clerk.');
    expect(accessDescription('public')).toMatch(/^Public: no token/);
  });
});

const Thing = Type.Object({ id: Type.String(), size: Type.Integer() }, { title: 'Thing', description: 'A thing and its size' });

const createThing: DocumentedRoute = {
  method: 'POST',
  url: '/things',
  summary: 'Make a thing',
  roles: ['brand_admin'],
  idempotent: true,
  body: Type.Object({ size: Type.Integer() }),
  response: { 201: Thing, 200: responseOf(Thing, 'Made before: the same thing') },
  errors: { 409: 'a thing of this size exists', 422: 'the size is odd' },
};

describe("a route's documented answers", () => {
  it("are its successes, described, and every refusal the pipeline or its handler gives, as problems", () => {
    const responses = documentedResponses(createThing) as Record<string, { description: string; content?: Record<string, { schema: { title?: string } }> }>;
    expect(Object.keys(responses)).toEqual(['200', '201', '400', '401', '403', '409', '413', '415', '422', '429', '503', 'default']);
    expect(responses[201]?.description).toBe('Created: a thing and its size');
    expect(responses[200]?.description).toBe('OK: made before: the same thing');
    expect(responses[200]?.content?.['application/json']?.schema).not.toHaveProperty('x-response-description');
    expect(responses[403]?.description).toMatch(/not one of brand_admin \(type `role-forbidden`\)$/);
    expect(responses[409]?.description).toBe('A thing of this size exists');
    // The pipeline's 422 (a reused Idempotency-Key) and the handler's, in one.
    expect(responses[422]?.description).toMatch(/^The `Idempotency-Key` was used before .*; or the size is odd$/);
    for (const status of ['400', '409', '422', '429', 'default']) expect(responses[status]?.content?.['application/problem+json']?.schema.title).toBe('Problem');
  });

  it('of a public GET with a path parameter: no token refusals, no body refusals, unless the handler names them; a parameter too long', () => {
    const responses = documentedResponses({ method: 'GET', url: '/x/:id', summary: 'x', roles: 'public', response: { 200: Thing }, errors: { 401: 'the signature does not verify' } });
    expect(Object.keys(responses)).toEqual(['200', '400', '401', '414', '429', '503', 'default']);
  });

  it('name their operation after its method and path', () => {
    expect(operationId('POST', '/api/orders/:id/cancel')).toBe('postOrdersByIdCancel');
    expect(operationId('GET', '/api/fulfilment/orders/:orderId/give-back')).toBe('getFulfilmentOrdersByOrderIdGiveBack');
    expect(operationId('GET', '/health/ready')).toBe('getHealthReady');
    expect(operationId('GET', '/api')).toBe('getApi');
  });
});

describe('shared components', () => {
  const doc = (paths: unknown) => ({ openapi: '3.0.3', info: { title: 't', version: '1' }, paths }) as OpenApiDocument;

  it('a titled schema becomes one component wherever it appears, nullable uses included', () => {
    const thing = { type: 'object', title: 'Thing', properties: { id: { type: 'string' } } };
    const lifted = liftComponents(doc({ '/a': { get: { responses: { 200: { description: 'a', content: { 'application/json': { schema: { type: 'array', items: thing } } } } } } }, '/b': { get: { responses: { 200: { description: 'b', content: { 'application/json': { schema: { type: 'object', properties: { thing: { ...thing, nullable: true } } } } } } } } } }));
    expect(lifted.components?.schemas).toEqual({ Thing: thing });
    expect(JSON.stringify(lifted.paths)).toContain('"items":{"$ref":"#/components/schemas/Thing"}');
    expect(JSON.stringify(lifted.paths)).toContain('"thing":{"nullable":true,"allOf":[{"$ref":"#/components/schemas/Thing"}]}');
  });

  it('two different schemas with one title are an error, not a silent rename', () => {
    const a = { type: 'object', title: 'Thing', properties: { id: { type: 'string' } } };
    const b = { type: 'object', title: 'Thing', properties: { id: { type: 'integer' } } };
    expect(() => liftComponents(doc({ '/a': { get: { responses: { 200: { description: 'a', content: { 'application/json': { schema: { type: 'array', items: [a, b] } } } } } } } }))).toThrow(/two different schemas are both called Thing/);
  });

  it('a document of a service shares its named schemas, the Problem and the common refusals', async () => {
    const made = await openApiDocument({ title: 'Things', description: 'things', services: [{ name: 'things', prefix: '/api/things', description: 'Things.', routes: [createThing] }] });
    const op = made.paths['/api/things/things']?.post;
    expect(op?.operationId).toBe('postThingsThings');
    expect(op?.responses['201']).toEqual({ description: 'Created: a thing and its size', content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } } });
    expect(op?.responses['429']).toEqual({ $ref: '#/components/responses/RateLimited' });
    expect(Object.keys(made.components?.schemas ?? {})).toEqual(['FieldError', 'Problem', 'Thing']);
    expect(made.tags).toEqual([{ name: 'things', description: 'Things.' }]);
  });
});
