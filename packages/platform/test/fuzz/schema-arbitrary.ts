import fc from 'fast-check';

/** The JSON Schema subset TypeBox writes for the routes. */
export interface JsonSchema {
  type?: string;
  const?: unknown;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
}

const MAX_ITEMS = 4;

function stringOf(s: JsonSchema): fc.Arbitrary<string> {
  const min = s.minLength ?? 0;
  const max = s.maxLength ?? Math.max(min, 40);
  if (s.format === 'uuid') return fc.uuid();
  if (s.format === 'date-time') return fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
  if (s.format === 'date') return fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
  if (s.format === 'email') return fc.emailAddress();
  if (s.pattern) return fc.stringMatching(new RegExp(s.pattern)).filter((v) => v.length >= min && v.length <= max);
  return fc.string({ minLength: min, maxLength: Math.min(max, min + 40) });
}

function integerOf(s: JsonSchema): fc.Arbitrary<number> {
  const min = s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : (s.minimum ?? -1_000_000);
  const max = s.exclusiveMaximum !== undefined ? s.exclusiveMaximum - 1 : (s.maximum ?? 1_000_000);
  // Small values and the bounds are where handlers differ; favour them.
  return fc.oneof(fc.integer({ min, max: Math.min(max, min + 10) }), fc.constantFrom(min, max), fc.integer({ min, max }));
}

/** Values that satisfy the schema: what a correct client sends. */
export function validValue(s: JsonSchema): fc.Arbitrary<unknown> {
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  if (s.anyOf) return fc.oneof(...s.anyOf.map(validValue));
  switch (s.type) {
    case 'object': {
      const props = s.properties ?? {};
      const shape = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, validValue(v)]));
      return fc.record(shape, { requiredKeys: (s.required ?? []).filter((k) => k in props) });
    }
    case 'array': {
      const min = s.minItems ?? 0;
      const max = Math.max(min, Math.min(s.maxItems ?? MAX_ITEMS, MAX_ITEMS));
      const items = validValue(s.items ?? {});
      return s.uniqueItems
        ? fc.uniqueArray(items, { minLength: min, maxLength: max, selector: (v) => JSON.stringify(v) })
        : fc.array(items, { minLength: min, maxLength: max });
    }
    case 'string':
      return stringOf(s);
    case 'integer':
      return integerOf(s);
    case 'number':
      return fc.double({ min: s.minimum ?? -1e9, max: s.maximum ?? 1e9, noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default:
      return fc.jsonValue();
  }
}

/** Values that break JSON where parsers and handlers are weakest. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue(),
  fc.constantFrom(1e308, -1e308, 2 ** 53 + 1, -0, 1e-320, Number.MAX_SAFE_INTEGER, '', ' ', '\u0000', '\ud800', '𝕏'.repeat(50), 'x'.repeat(5000), [], {}, null, true),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme' }),
  fc.integer(),
  fc.double(),
);

/**
 * A valid value, then mutated: one field dropped, replaced by a hostile
 * value, or an unknown field (prototype-pollution names included) added.
 * Mostly-valid input reaches the handler; noise alone stops at validation.
 */
export function mutatedValue(s: JsonSchema): fc.Arbitrary<unknown> {
  const pollution = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'extra');
  return fc.tuple(validValue(s), fc.nat(), hostileValue, pollution, fc.nat(3)).map(([value, pick, hostile, key, how]) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return how === 0 ? value : hostile;
    const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    const keys = Object.keys(copy);
    const target = keys.length ? keys[pick % keys.length]! : undefined;
    if (how === 0 && target) delete copy[target];
    else if (how === 1 && target) copy[target] = hostile;
    else if (how === 2) Object.defineProperty(copy, key, { value: hostile, enumerable: true, configurable: true, writable: true });
    else return hostile;
    return copy;
  });
}
