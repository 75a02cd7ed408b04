import type { FastifySchema } from 'fastify';
import type { RouteAccess } from './route.js';

type JsonSchema = Record<string, unknown>;

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

/** The @fastify/swagger `transform` every service document goes through. */
export function openApiTransform({ schema, url }: { schema: FastifySchema; url: string }): { schema: FastifySchema; url: string } {
  if (!schema) return { schema, url };
  return { schema: { ...schema, querystring: defaultsOptional(schema.querystring), body: defaultsOptional(schema.body) }, url };
}
