import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type ApiResponse, type TestPlatform } from './harness.js';

/** Small limits over a long window, so nothing resets while the test runs. */
const CLIENT_MAX = 10;
const BRAND_MAX = 30;

let t: TestPlatform;
beforeAll(async () => {
  t = await startTestPlatform({ RATE_LIMIT_CLIENT_MAX: String(CLIENT_MAX), RATE_LIMIT_BRAND_MAX: String(BRAND_MAX), RATE_LIMIT_WINDOW_MS: '600000' });
});
afterAll(() => t?.stop());

const browse = (token?: string) => t.api<{ type: string; detail: string }>('GET', '/api/catalog/styles', { token });
const burst = (n: number, send: () => Promise<ApiResponse<{ type: string; detail: string }>>) => Promise.all(Array.from({ length: n }, send));

function expectLimited(res: ApiResponse<{ type: string; detail: string }>, who: 'client' | 'brand') {
  expect(res.status).toBe(429);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  expect(res.body.type).toBe('https://omnishop.dev/problems/rate-limited');
  expect(res.body.detail).toContain(`from this ${who}`);
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(600);
}

describe('rate limits', () => {
  it('a burst from one client gets 429 with Retry-After, while another client and another brand are served', async () => {
    const alice = await t.token('customer', { subject: 'alice' });
    const answers = await burst(CLIENT_MAX + 5, () => browse(alice));
    expect(answers.filter((r) => r.status === 200)).toHaveLength(CLIENT_MAX);
    const refused = answers.filter((r) => r.status !== 200);
    expect(refused).toHaveLength(5);
    for (const r of refused) expectLimited(r, 'client');

    expect((await browse(await t.token('customer', { subject: 'bob' }))).status).toBe(200);
    expect((await browse(await t.token('customer', { subject: 'alice', tenant: 'globex' }))).status).toBe(200);
  });

  it('the brand limit caps many clients of one brand, each under its own limit; another brand is still served', async () => {
    // So far acme has spent CLIENT_MAX (alice) + 1 (bob) of its BRAND_MAX.
    const clerks = await Promise.all(Array.from({ length: 5 }, (_, i) => t.token('clerk', { subject: `clerk-${i}` })));
    const answers = (await Promise.all(clerks.map((token) => burst(CLIENT_MAX - 2, () => browse(token))))).flat();
    const left = BRAND_MAX - CLIENT_MAX - 1;
    expect(answers.filter((r) => r.status === 200)).toHaveLength(left);
    for (const r of answers.filter((r) => r.status !== 200)) expectLimited(r, 'brand');
    expect((await browse(await t.token('brand_admin', { tenant: 'globex' }))).status).toBe(200);
  });

  it('without a token the client is its IP address', async () => {
    const answers = await burst(CLIENT_MAX + 2, () => t.api('GET', '/api/nowhere'));
    expect(answers.filter((r) => r.status === 404)).toHaveLength(CLIENT_MAX);
    for (const r of answers.filter((r) => r.status !== 404)) expect(r.status).toBe(429);
  });

  it('health checks are never limited', async () => {
    const answers = await burst(CLIENT_MAX * 3, () => t.api('GET', '/health/ready'));
    expect(answers.every((r) => r.status === 200)).toBe(true);
  });
});
