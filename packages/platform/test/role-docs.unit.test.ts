import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPlatformConfig } from '../src/config.js';
import { serviceDefinitions } from '../src/platform.js';
import { OWNERSHIP, renderRoleDocs, routeEntries, routeKey } from '../src/role-docs.js';

const services = serviceDefinitions(loadPlatformConfig({}, '/nonexistent'));

describe('docs/roles.md', () => {
  it('matches the roles the routes declare (run `npm run docs` after changing a route)', () => {
    const onDisk = readFileSync(resolve(__dirname, '../../../docs/roles.md'), 'utf8');
    expect(onDisk).toBe(renderRoleDocs(services));
  });

  it('every ownership note names a route that exists', () => {
    const keys = new Set(routeEntries(services).map(routeKey));
    for (const key of Object.keys(OWNERSHIP)) expect(keys, key).toContain(key);
  });

  it('every route names at least one role, or is public', () => {
    for (const e of routeEntries(services)) expect(e.roles === 'public' || e.roles.length > 0, routeKey(e)).toBe(true);
  });
});
