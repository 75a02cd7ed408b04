import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { documentedRoutes, openApiDocument, registerHealth, type DocumentedRoute, type OpenApiDocument, type KitTables, type ServiceDefinition } from '@omnishop/kit';

/** Where the platform serves its one API document, and the page that browses it. */
export const API_DOCUMENT = '/api/openapi.json';
export const API_PAGE = '/docs';

import { CONSOLE_SERVICE } from '@omnishop/console';
import { TRACES_SERVICE } from './traces.js';

type Described = Pick<ServiceDefinition<KitTables>, 'name' | 'prefix' | 'description'>;
type Documented = Described & { routes: readonly DocumentedRoute[] };

const ServiceIndex = Type.Object(
  {
    services: Type.Array(
      Type.Object({
        name: Type.String(),
        api: Type.String({ description: 'where its routes are mounted' }),
        openapi: Type.String({ description: "the path of the service's own OpenAPI document" }),
        description: Type.String(),
      }),
    ),
    openapi: Type.String({ description: 'the path of the one document of every service' }),
    docs: Type.String({ description: 'the path of the API reference page' }),
  },
  { title: 'ServiceIndex', description: 'The services this port answers for, and where their API documents are' },
);

/** `GET /api`: the services this port answers for (those this process runs; a gateway's, those it forwards to too) and their documents. */
export function registerIndex(app: FastifyInstance, services: readonly Described[]): void {
  const body = {
    services: services.map((s) => ({ name: s.name, api: s.prefix, openapi: `${s.prefix}/openapi.json`, description: s.description })),
    openapi: API_DOCUMENT,
    docs: API_PAGE,
  };
  const schema = {
    summary: 'The services this port answers for (those this process runs and, on a gateway, those it forwards to), and where their API documents are',
    description: 'Public: no token.',
    tags: ['platform'],
    security: [],
    response: { 200: { description: 'The services and their documents', content: { 'application/json': { schema: ServiceIndex } } } },
  };
  app.get('/api', { schema }, async () => body);
}

/**
 * The one OpenAPI document of the given services (those a process runs or
 * forwards to), with the platform's own routes: health and the index.
 */
export function platformDocument(services: readonly Documented[]): Promise<OpenApiDocument> {
  return openApiDocument({
    title: 'Omnishop',
    description:
      'Every service of the platform behind one port. Errors are RFC 9457 `application/problem+json` (the `Problem` schema); creating POSTs need an `Idempotency-Key`; lists are paged by `cursor` → `nextCursor`.',
    // The trace and console routes are the platform's own (no service, no database): their document beside the services'.
    services: [...services.map((s) => ({ name: s.name, prefix: s.prefix, description: s.description, routes: documentedRoutes(s) })), TRACES_SERVICE, CONSOLE_SERVICE],
    register: (app) => {
      registerHealth(app, {}, () => false);
      registerIndex(app, services);
    },
    tags: { health: 'Liveness and readiness, for an orchestrator or a script waiting for start-up', platform: 'What this process runs' },
  });
}

/** docs/openapi.json, as `npm run docs` writes it. */
export const renderOpenApi = (doc: OpenApiDocument): string => `${JSON.stringify(doc, null, 2)}\n`;

/** The page's top bar says whose API it is, not which library draws it. */
const LOGO = Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40"><text x="0" y="29" font-family="sans-serif" font-size="26" font-weight="700" fill="#fff">Omnishop API</text></svg>',
);

/**
 * Serves the document at API_DOCUMENT and Swagger UI at API_PAGE, its assets
 * from the package itself (no CDN: the page works offline). The document is
 * made when first asked for, so starting costs nothing.
 */
export async function registerApiDocs(app: FastifyInstance, build: () => Promise<OpenApiDocument>): Promise<void> {
  let building: Promise<OpenApiDocument> | undefined;
  let document: OpenApiDocument | undefined;
  const load = async () => (document ??= await (building ??= build()));
  app.get(API_DOCUMENT, load);
  await app.register(async (scope) => {
    // Swagger UI reads its document from @fastify/swagger's decorator, which is sync: every page request loads it first.
    await scope.register(swagger, { transformObject: () => document as never });
    await scope.register(swaggerUi, {
      routePrefix: API_PAGE,
      uiHooks: { onRequest: async () => void (await load()) },
      uiConfig: { deepLinking: true, displayRequestDuration: true, tryItOutEnabled: false, persistAuthorization: true },
      theme: { title: 'Omnishop API' },
      logo: { type: 'image/svg+xml', content: LOGO },
    });
  });
}
