import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { PageQuery } from '../src/schema/index.js';
import { accessDescription, defaultsOptional } from '../src/service/openapi.js';

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
