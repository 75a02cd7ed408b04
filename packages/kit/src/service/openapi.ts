import swagger from '@fastify/swagger';
import { Type, type TSchema } from '@sinclair/typebox';
import Fastify, { type FastifyInstance, type FastifySchema } from 'fastify';
import { ProblemSchema } from '../errors/index.js';
import { IDEMPOTENCY_HEADER } from '../idempotency/index.js';
import type { RouteAccess, RouteDefinition } from './route.js';

type JsonSchema = Record<string, unknown>;

/** What an API document needs of a route: everything but its handler. */
export type DocumentedRoute = Omit<RouteDefinition<never>, 'handler' | 'prepare'>;

/** A service as its API document sees it. */
export interface DocumentedService {
  name: string;
  /** Where its API is mounted, e.g. `/api/orders`. */
  prefix: string;
  description: string;
  routes: readonly DocumentedRoute[];
}

/** A group of routes a platform serves itself (no service, no database) at `/api/<name>`, for its API document. */
export const platformRoutes = (name: string, description: string, routes: Record<string, DocumentedRoute>): DocumentedService => ({
  name,
  prefix: `/api/${name}`,
  description,
  routes: Object.values(routes),
});

/** An OpenAPI 3 document, as far as this kit reads or writes one. */
export interface OpenApiDocument {
  openapi: string;
  info: { title: string; description?: string; version: string };
  tags?: { name: string; description?: string }[];
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, JsonSchema>; responses?: Record<string, unknown>; securitySchemes?: Record<string, unknown> };
  [extension: string]: unknown;
}

export interface OpenApiResponse {
  description: string;
  headers?: Record<string, unknown>;
  content?: Record<string, { schema: JsonSchema }>;
}

export interface OpenApiOperation {
  summary?: string;
  description?: string;
  tags?: string[];
  /** By status; a shared one is a reference to `components.responses`. */
  responses: Record<string, OpenApiResponse | { $ref: string }>;
  [key: string]: unknown;
}

/**
 * A property with a default may be left out: the validator fills it in
 * (`useDefaults`), so for a client it is optional even though the schema
 * lists it as required (which keeps the handler's type a plain number).
 * Returns a copy with such properties dropped from `required`, at any depth.
 */
export function defaultsOptional(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(defaultsOptional);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: JsonSchema = Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, defaultsOptional(v)]));
  const properties = out.properties as Record<string, JsonSchema> | undefined;
  if (Array.isArray(out.required) && properties) {
    const required = (out.required as string[]).filter((name) => properties[name]?.default === undefined);
    if (required.length) out.required = required;
    else delete out.required;
  }
  return out;
}

/** Who may call a route, in the words an OpenAPI reader sees beside its summary. */
export function accessDescription(access: RouteAccess): string {
  return access === 'public' ? 'Public: no token; the caller proves who it is in the request itself.' : `Roles: ${access.join(', ')}.`;
}

const IdempotencyHeaders = Type.Object({
  [IDEMPOTENCY_HEADER]: Type.String({ minLength: 1, maxLength: 200, pattern: '^[\\x21-\\x7e]+$', description: 'unique per intended action; a repeat returns the first response' }),
});

/** A route's query parameters, and no others: an unknown one (a typo, a filter the route lacks) is a 400 naming it, as in a body. */
const onlyKnownQuery = (query: TSchema | undefined): TSchema => ({ ...(query ?? Type.Object({})), additionalProperties: false });

/** The schema a route is mounted with: what Fastify validates and serializes, and what its document says about it. */
export function routeSchema(service: string, route: DocumentedRoute): FastifySchema {
  const isPublic = route.roles === 'public';
  return {
    summary: route.summary,
    description: accessDescription(route.roles),
    'x-roles': route.roles,
    tags: [service],
    security: isPublic ? [] : [{ bearer: [] }],
    ...(route.body ? { body: route.body } : {}),
    ...(route.params ? { params: route.params } : {}),
    querystring: onlyKnownQuery(route.query),
    ...(route.idempotent ? { headers: IdempotencyHeaders } : {}),
    ...(route.response ? { response: route.response } : {}),
  } as FastifySchema;
}

const RETRY_AFTER = { 'retry-after': { type: 'integer', minimum: 1, description: 'seconds to wait before trying again' } };

interface ProblemResponse {
  description: string;
  headers?: Record<string, unknown>;
}

/** The refusals many routes share, as they are named in `components.responses`. */
const SHARED: Record<string, ProblemResponse> = {
  BadRequest: { description: 'The request does not match its schema: a field, query or path parameter or header is missing, unknown or invalid; each is named in `errors`' },
  Unauthorized: {
    description: 'No valid bearer token: missing, malformed, expired, revoked, or signed with an algorithm or key that is not accepted',
    headers: { 'www-authenticate': { type: 'string', description: '`Bearer`' } },
  },
  PayloadTooLarge: { description: 'The body is larger than the platform accepts (`BODY_LIMIT_BYTES`)' },
  UriTooLong: { description: 'A path parameter is longer than the router reads (type `uri-too-long`)' },
  UnsupportedMediaType: { description: 'The body is not JSON: send `Content-Type: application/json`' },
  IdempotencyKeyReused: { description: 'The `Idempotency-Key` was used before for another request (type `idempotency-key-reused`)' },
  RateLimited: { description: 'Over the rate limit of this client or brand (type `rate-limited`); nothing was done', headers: RETRY_AFTER },
  Overloaded: { description: 'Refused for load (type `overloaded`; nothing was done), or a database or service it needs out of reach (type `unavailable`): retry after Retry-After', headers: RETRY_AFTER },
  UnexpectedError: { description: 'An unexpected error (500, logged, nothing leaked), or a service the gateway could not reach in distributed mode (502)' },
};
const shared = (name: keyof typeof SHARED): ProblemResponse => SHARED[name] as ProblemResponse;

/**
 * What the pipeline itself may answer for a route, whatever its handler does (see pipeline.ts,
 * problems.ts, server.ts). What the HTTP parser refuses before any route is chosen (431 headers
 * too large, 408 too slow) and the router's own 404 and 405 belong to no operation.
 */
function pipelineProblems(route: DocumentedRoute): Map<number | 'default', ProblemResponse> {
  const problems = new Map<number | 'default', ProblemResponse>();
  problems.set(400, shared('BadRequest'));
  if (route.roles !== 'public') {
    problems.set(401, shared('Unauthorized'));
    problems.set(403, { description: `The token's role is not one of ${route.roles.join(', ')} (type \`role-forbidden\`)` });
  }
  // Fastify reads a body on these whether the route takes one or not.
  if (route.method !== 'GET' && route.method !== 'DELETE') {
    problems.set(413, shared('PayloadTooLarge'));
    problems.set(415, shared('UnsupportedMediaType'));
  }
  if (route.url.includes(':')) problems.set(414, shared('UriTooLong'));
  if (route.idempotent) problems.set(422, shared('IdempotencyKeyReused'));
  problems.set(429, shared('RateLimited'));
  problems.set(503, shared('Overloaded'));
  problems.set('default', shared('UnexpectedError'));
  return problems;
}

const RESPONSE_DESCRIPTION = 'x-response-description';

const sentence = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/**
 * A success body described in its own words in the API document, for a route whose
 * status says more than its schema (a retry's 200 beside the first 201); the schema,
 * and the component it is, stay as they are.
 */
export const responseOf = <T extends TSchema>(schema: T, description: string): T => ({ ...schema, [RESPONSE_DESCRIPTION]: description });

const SUCCESS_WORDS: Record<number, string> = { 200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'Done; no body' };

function successResponse(status: number, described: TSchema): JsonSchema {
  const { [RESPONSE_DESCRIPTION]: own, ...schema } = described;
  const what = (own ?? schema.description ?? schema.title) as string | undefined;
  const word = SUCCESS_WORDS[status] ?? 'Success';
  const description = what ? `${word}: ${what.charAt(0).toLowerCase()}${what.slice(1)}` : word;
  if (status === 204 || schema.type === 'null') return { type: 'null', description };
  return { description, content: { 'application/json': { schema } } };
}

const problemContent = { 'application/problem+json': { schema: ProblemSchema } };

/**
 * Every answer a route may give, for its document: its success bodies, described,
 * and each refusal, the pipeline's own and those its handler names (`errors`),
 * as problem+json with the one Problem schema; anything else is the `default`.
 * Documents only: the route's live schema keeps its success bodies alone, so
 * problems are never put through a serializer.
 */
export function documentedResponses(route: DocumentedRoute): Record<string, JsonSchema> {
  const responses: Record<string, JsonSchema> = {};
  for (const [status, schema] of Object.entries(route.response ?? {})) responses[status] = successResponse(Number(status), schema);
  const problems = pipelineProblems(route);
  for (const [status, when] of Object.entries(route.errors ?? {})) {
    const known = problems.get(Number(status));
    problems.set(Number(status), known ? { ...known, description: `${known.description}; or ${when}` } : { description: sentence(when) });
  }
  const order = (status: number | 'default') => (status === 'default' ? 1000 : status);
  for (const [status, problem] of [...problems].sort(([a], [b]) => order(a) - order(b))) responses[status] = { ...problem, content: problemContent };
  return responses;
}

/**
 * A name for the operation a client generator makes a method of, from its method and
 * path, so it is unique without anyone choosing one: `POST /api/orders/:id/cancel` →
 * `postOrdersByIdCancel`, `GET /health/ready` → `getHealthReady`.
 */
export function operationId(method: string, url: string): string {
  const words = url
    .replace(/^\/api(?=\/)/, '')
    .split('/')
    .filter(Boolean)
    .map((segment) => (segment.startsWith(':') ? `by-${segment.slice(1)}` : segment))
    .flatMap((segment) => segment.split(/[^A-Za-z0-9]+/))
    .filter(Boolean);
  return [method.toLowerCase(), ...words.map((w) => w[0]!.toUpperCase() + w.slice(1))].join('');
}

/** The @fastify/swagger `transform` every document goes through. */
export function openApiTransform({ schema, url, route }: { schema: FastifySchema; url: string; route?: { method: string | string[] } }): { schema: FastifySchema; url: string } {
  if (!schema) return { schema, url };
  const method = [route?.method ?? 'GET'].flat()[0] as string;
  return { schema: { operationId: operationId(method, url), ...schema, querystring: defaultsOptional(schema.querystring), body: defaultsOptional(schema.body) } as FastifySchema, url };
}

const COMPONENT_NAME = /^[A-Za-z0-9._-]+$/;
const isObject = (value: unknown): value is JsonSchema => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Lifts every schema with a `title` (a route's `Order`, the kit's `Problem`) into
 * `components.schemas` under that title, and refers to it wherever it appeared,
 * so a client generator makes one named type of it. Two different schemas with one
 * title are a mistake in the routes, and an error here, never a silent rename.
 * A nullable use of one (`nullable: true` beside it) becomes `allOf` of the reference.
 */
export function liftComponents(doc: OpenApiDocument): OpenApiDocument {
  const schemas: Record<string, JsonSchema> = { ...doc.components?.schemas };
  const texts = new Map(Object.entries(schemas).map(([name, schema]) => [name, JSON.stringify(schema)]));
  const lift = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(lift);
    if (!isObject(node)) return node;
    const out = Object.fromEntries(Object.entries(node).map(([key, value]) => [key, key === 'properties' && isObject(value) ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, lift(v)])) : lift(value)]));
    const name = out.title;
    if (typeof name !== 'string' || '$ref' in out) return out;
    if (!COMPONENT_NAME.test(name)) throw new Error(`schema title "${name}" cannot name a component (letters, digits, . _ - only)`);
    const { nullable, ...schema } = out;
    const text = JSON.stringify(schema);
    const earlier = texts.get(name);
    if (earlier !== undefined && earlier !== text) throw new Error(`two different schemas are both called ${name}: give one of them another title\n${earlier}\n${text}`);
    texts.set(name, text);
    schemas[name] = schema;
    const ref = { $ref: `#/components/schemas/${name}` };
    return nullable ? { nullable: true, allOf: [ref] } : ref;
  };
  const paths = lift(doc.paths) as OpenApiDocument['paths'];
  const sorted = Object.fromEntries(Object.keys(schemas).sort().map((name) => [name, schemas[name] as JsonSchema]));
  return { ...doc, paths, components: { ...doc.components, schemas: sorted } };
}

/** The refusals many operations share (SHARED) become `components.responses`, each operation referring to them. */
export function shareResponses(doc: OpenApiDocument): OpenApiDocument {
  const byDescription = new Map(Object.entries(SHARED).map(([name, r]) => [r.description, name]));
  const responses: Record<string, unknown> = {};
  const paths = Object.fromEntries(
    Object.entries(doc.paths).map(([path, operations]) => [
      path,
      Object.fromEntries(
        Object.entries(operations).map(([method, op]) => {
          const answers = Object.entries(op.responses).map(([status, response]) => {
            const name = 'description' in response ? byDescription.get(response.description) : undefined;
            if (!name) return [status, response];
            responses[name] ??= response;
            return [status, { $ref: `#/components/responses/${name}` }];
          });
          return [method, { ...op, responses: Object.fromEntries(answers) }];
        }),
      ),
    ]),
  );
  return { ...doc, paths, components: { ...doc.components, responses } };
}

export interface DocumentOptions {
  title: string;
  description: string;
  services: readonly DocumentedService[];
  /** Routes that are not a service's (health, an index), registered on the document's own Fastify instance with their schemas. */
  register?: (app: FastifyInstance) => void | Promise<void>;
  /** Tags for routes `register` adds, by name. */
  tags?: Record<string, string>;
}

/**
 * The OpenAPI 3 document of some services, made the way the running process
 * mounts them (routeSchema), with every response described (documentedResponses)
 * and named schemas shared (liftComponents). It is built on a Fastify
 * instance of its own that never listens, so a document can be made for
 * services this process does not run (distributed mode, `npm run docs`).
 */
export async function openApiDocument(opts: DocumentOptions): Promise<OpenApiDocument> {
  // Routed as the platform routes (server.ts): `/api/orders/` is `/api/orders`.
  const app = Fastify({ logger: false, routerOptions: { ignoreTrailingSlash: true } });
  // Nothing is served here: schemas need not compile into validators or serializers.
  app.setValidatorCompiler(() => () => true);
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  await app.register(swagger, {
    openapi: {
      info: { title: opts.title, description: opts.description, version: '1.0.0' },
      tags: [...opts.services.map((s) => ({ name: s.name, description: s.description })), ...Object.entries(opts.tags ?? {}).map(([name, description]) => ({ name, description }))],
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
    transform: openApiTransform,
    transformObject: (object) => shareResponses(liftComponents(('openapiObject' in object ? object.openapiObject : object) as OpenApiDocument)) as never,
  });
  const unanswered = async () => {
    throw new Error('a document route is never called');
  };
  for (const service of opts.services) {
    await app.register(
      async (scope) => {
        for (const route of service.routes) {
          scope.route({ method: route.method, url: route.url, schema: { ...routeSchema(service.name, route), response: documentedResponses(route) }, handler: unanswered });
        }
      },
      { prefix: service.prefix },
    );
  }
  await opts.register?.(app);
  await app.ready();
  const doc = app.swagger() as unknown as OpenApiDocument;
  await app.close();
  return doc;
}
