import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInRoot, startTestPlatform, tsx, type TestPlatform } from './harness.js';

describe('the platform as an operator meets it', () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await startTestPlatform();
  });
  afterAll(() => t.stop());

  it('answers liveness and readiness, naming each dependency it checked', async () => {
    expect((await t.api('GET', '/health/live')).status).toBe(200);
    const ready = await t.api('GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ok', checks: { bus: 'ok', catalog: 'ok', store: 'ok', inventory: 'ok', order: 'ok', promotion: 'ok', customer: 'ok', payment: 'ok', fulfilment: 'ok', webhook: 'ok', gateway: 'ok' } });
  });

  it('lists its services, and each serves an OpenAPI document of its routes', async () => {
    const index = await t.api('GET', '/api');
    expect(index.body.services.map((s: { name: string }) => s.name)).toEqual(['catalog', 'store', 'inventory', 'order', 'promotion', 'customer', 'payment', 'fulfilment', 'webhook', 'gateway']);
    for (const s of index.body.services as { openapi: string; api: string }[]) {
      const doc = await t.api('GET', s.openapi);
      expect(doc.status).toBe(200);
      expect(doc.body.openapi).toMatch(/^3\./);
      expect(Object.keys(doc.body.paths).length).toBeGreaterThan(1);
    }
    const orders = await t.api('GET', '/api/orders/openapi.json');
    expect(orders.body.paths['/api/orders'].post.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'idempotency-key', in: 'header', required: true })]));
  });

  it('echoes a sane x-request-id and makes one up otherwise', async () => {
    const given = await t.api('GET', '/health/live', { headers: { 'x-request-id': 'abc-123' } });
    expect(given.headers.get('x-request-id')).toBe('abc-123');
    const made = await t.api('GET', '/health/live', { headers: { 'x-request-id': 'no spaces <allowed>' } });
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('the CLI and start-up configuration', () => {
  it('mints a token the platform accepts', async () => {
    const t = await startTestPlatform();
    try {
      const out = await tsx(['packages/platform/src/cli.ts', 'token', '--role', 'brand_admin', '--tenant', 'acme', '--sub', 'cli-user', '--url', t.url]);
      expect(out.code).toBe(0);
      // A brand nothing was set up for yet: its first admin's token is minted, with a word about it.
      expect(out.stderr).toContain('warning: brand "acme" has no profile');
      const res = await t.api('PUT', '/api/catalog/brand', { token: out.stdout.trim(), body: { name: 'Acme' } });
      expect(res.status).toBe(200);
      const clerk = await tsx(['packages/platform/src/cli.ts', 'token', '--role', 'clerk', '--tenant', 'acme', '--store', 'NOPE', '--url', t.url]);
      expect(clerk.code).toBe(2);
      expect(clerk.stdout).toBe('');
      expect(clerk.stderr).toContain('refused: store "NOPE" does not exist in brand "acme"');
    } finally {
      await t.stop();
    }
  });

  it('writes the token alone to stdout under npm run -s, as TOKEN=$(npm run -s token -- ...) captures it', async () => {
    const npm = (args: string[]) => runInRoot('npm', ['run', '-s', ...args]);
    const minted = await npm(['token', '--', '--role', 'clerk', '--store', 'ST_SH_001']);
    expect(minted.code).toBe(0);
    expect(minted.stdout).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const refused = await npm(['token', '--', '--role', 'king']);
    expect(refused.code).not.toBe(0);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain('--role must be one of');
  });

  it('explains itself with --help and refuses a bad role', async () => {
    const help = await tsx(['packages/platform/src/cli.ts', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('token');
    const bad = await tsx(['packages/platform/src/cli.ts', 'token', '--role', 'king']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--role must be one of');
  });

  it('refuses to start with a bad setting, naming the key and its environment variable', async () => {
    const out = await tsx(['packages/platform/src/main.ts'], { PORT: 'eighty', DATA_DIR: '/tmp/omnishop-never' });
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('port (env PORT)');
  });

  it('refuses to run an unknown service, naming the key, without a stack trace', async () => {
    const out = await tsx(['packages/platform/src/main.ts'], { SERVICES: 'order,bogus', DATA_DIR: '/tmp/omnishop-never', PORT: '0' });
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('invalid configuration');
    expect(out.stderr).toContain('services (env SERVICES): unknown service bogus');
    expect(out.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses to start in production with the demo signing key', async () => {
    const out = await tsx(['packages/platform/src/main.ts'], { APP_ENV: 'production', DATA_DIR: '/tmp/omnishop-never' });
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('jwtSecret (env JWT_SECRET)');
  });
});
