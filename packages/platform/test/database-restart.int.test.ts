import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, newKey, startTestPlatform, type ApiResponse, type TestPlatform } from './harness.js';
import { startOwnPostgres, type OwnPostgres } from './own-postgres.js';

/**
 * PostgreSQL restarted under load (a fast shutdown, as a failover or an
 * upgrade does), on a server of the test's own: the process stays up, says
 * 503 with Retry-After while the database is gone, and recovers by itself.
 */
describe('database restart during a burst', () => {
  let own: OwnPostgres;
  let t: TestPlatform;
  beforeAll(async () => {
    own = await startOwnPostgres();
    // One client sends every request: the per-client limit would answer 429 instead of what is tested.
    t = await startTestPlatform({ DATABASE_URL: own.url, SERVICES: 'catalog', RATE_LIMIT_CLIENT_MAX: '0' });
  });
  afterAll(async () => {
    await t?.stop();
    own?.remove();
  });

  const style = (code: string) => ({ code, name: 'Restart Tee', category: 'tops', price: 9900, colours: [{ code: 'BLK', name: 'Black' }], sizes: ['M'] });

  it('answers 503 problem+json with Retry-After while the database is down, loses no accepted write, and recovers by itself', async () => {
    const admin = await t.token('brand_admin');
    const create = (code: string, key: string) => t.api('POST', '/api/catalog/styles', { token: admin, idempotencyKey: key, body: style(code) });
    const answers: { code: string; key: string; res: ApiResponse<Record<string, unknown>> }[] = [];
    let loading = true;
    const burst = (async () => {
      for (let n = 0; loading; n++) {
        const batch = Array.from({ length: 5 }, (_, i) => ({ code: `R${n}X${i}`, key: newKey() }));
        answers.push(...(await Promise.all(batch.map(async (b) => ({ ...b, res: await create(b.code, b.key) })))));
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    own.stop();
    await new Promise((r) => setTimeout(r, 1500));
    own.start();
    await eventually(async () => ((await t.api('GET', '/health/ready')).status === 200 ? true : undefined), 'readiness after the restart', 20_000);
    await new Promise((r) => setTimeout(r, 300));
    loading = false;
    await burst;

    const statuses = new Set(answers.map((a) => a.res.status));
    expect([...statuses].filter((s) => s !== 201 && s !== 503), 'only 201 and 503').toEqual([]);
    const refused = answers.filter((a) => a.res.status === 503);
    expect(refused.length, 'some requests met the database down').toBeGreaterThan(0);
    for (const { res } of refused) {
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.headers.get('retry-after')).toBeTruthy();
    }
    expect(answers.at(-1)!.res.status, 'writes succeed again').toBe(201);
    // Retried with its key, a refused write happens now, once; an accepted one is there.
    for (const { code, key } of refused) expect((await create(code, key)).status).toBe(201);
    for (const { code } of answers) {
      const res = await t.api('GET', `/api/catalog/styles/${code}`, { token: admin });
      expect(res.status, code).toBe(200);
    }
    expect((await t.api('GET', '/health/live')).status).toBe(200);
  });
});
