import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, type Role } from '@omnishop/kit';
import { platformDocument } from '../src/api-docs.js';
import { promisedAnswers } from './documented.js';
import { startTestPlatform, type TestPlatform } from './harness.js';
import { liveRoutes } from './fuzz/routes.js';
import { describeFindings, runFuzz } from './fuzz/run.js';

/**
 * 10,000 generated requests over every route of the running platform,
 * correct and damaged (bodies, headers, paths), with a fixed seed: no 5xx,
 * every refusal a problem and one the API document lists for its operation,
 * no hang, and the platform is ready afterwards.
 * `npm run bench fuzz -- --count N --seed S` runs it longer.
 */
const STORE = 'STFUZZ';
let t: TestPlatform;

beforeAll(async () => {
  // Rate limits off: the fuzz is one client sending as fast as it can.
  t = await startTestPlatform({ RATE_LIMIT_CLIENT_MAX: '0', RATE_LIMIT_BRAND_MAX: '0' });
});
afterAll(() => t?.stop());

/** Writes raw bytes to the server and reads until it closes the connection. */
function raw(text: string): Promise<string> {
  const { hostname, port } = new URL(t.url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => socket.end(text));
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString('utf8')));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

describe('fuzzing every route', () => {
  it('10,000 requests: no 5xx, every 4xx problem+json and documented, no hang; still ready after', async () => {
    const byRole = {} as Record<Role, string>;
    for (const role of ROLES) byRole[role] = await t.token(role, { subject: `fuzz-${role}`, store: role === 'clerk' || role === 'store_manager' ? STORE : undefined });
    const { promises } = promisedAnswers(await platformDocument(t.platform.runtimes.map((r) => r.def)));
    const report = await runFuzz({ url: t.url, routes: liveRoutes(t.platform), tokens: { byRole, store: STORE }, count: 10_000, seed: 20240611, concurrency: 8, timeoutMs: 15_000, promises });
    console.log(`fuzz: ${report.requests} requests in ${report.elapsedMs} ms (${report.requestsPerSec} req/s); statuses ${JSON.stringify(report.byStatus)}`);
    expect(describeFindings(report.findings).slice(0, 10)).toEqual([]);
    expect(report.requests).toBe(10_000);
    expect((await t.api('GET', '/health/ready')).status).toBe(200);
  });

  describe('what the HTTP parser refuses is a problem too, and the connection is closed saying so (found by the fuzz)', () => {
    it('a request line and headers over the size limit → 431', async () => {
      const answer = await raw(`GET /api/${'x'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
      expect(answer).toMatch(/^HTTP\/1\.1 431 /);
      expect(answer).toMatch(/content-type: application\/problem\+json/i);
      expect(answer).toMatch(/connection: close/i);
      expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({ status: 431, type: 'https://omnishop.dev/problems/headers-too-large' });
    });

    it('a request that is not HTTP → 400', async () => {
      const answer = await raw('GET / HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n');
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      expect(answer).toMatch(/content-type: application\/problem\+json/i);
      expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({ status: 400, type: 'https://omnishop.dev/problems/bad-request' });
    });
  });
});
