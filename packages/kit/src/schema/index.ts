import { Kind, Type, TypeRegistry, type SchemaOptions, type TSchema, type TUnsafe } from '@sinclair/typebox';

/** Shared building blocks for route schemas, so every service says "a code" or "a page" the same way. */

/** Business codes (style, colour, size, location): short, no spaces, no dashes (a SKU joins them with dashes). */
export const Code = (description: string) =>
  Type.String({ minLength: 1, maxLength: 32, pattern: '^[A-Za-z0-9][A-Za-z0-9_.]*$', description });

const CHOICE = 'Choice';
TypeRegistry.Set<{ enum: readonly unknown[] }>(CHOICE, (schema, value) => schema.enum.includes(value));

/**
 * One of a few fixed strings, as a JSON Schema `enum`: a wrong value is told
 * "must be one of a, b" once (a union of literals says "must be equal to
 * constant" per option), and the OpenAPI document lists the choices. Checked
 * by TypeBox (events, configuration) through its own kind, by Ajv (routes) as an enum.
 */
export function choice<const T extends readonly [string, ...string[]]>(values: T, options: SchemaOptions = {}): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ ...options, [Kind]: CHOICE, type: 'string', enum: [...values] });
}

export const SkuCode = Type.String({ minLength: 3, maxLength: 100, pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$', description: 'SKU code' });

export const Name = Type.String({ minLength: 1, maxLength: 200 });

/** Money in minor units (fen), so sums are exact. */
export const Money = Type.Integer({ minimum: 0, maximum: 100_000_000, description: 'minor units (fen)' });

export const Currency = Type.String({ pattern: '^[A-Z]{3}$', default: 'CNY' });

export const Uuid = Type.String({ format: 'uuid' });

export const PageQuery = {
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
};

/** A page of items; one of a named item (a `title`) is named after it, `OrderPage`, so API documents share it. */
export const PageOf = <T extends TSchema>(item: T) =>
  Type.Object(
    { items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()], { description: '`cursor` for the next page; null on the last' }) },
    typeof item.title === 'string' ? { title: `${item.title}Page`, description: `A page of ${item.title} items` } : {},
  );
