import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { acrossTenants, createLogger, DEFAULT_KID, ISSUER, type ProblemBody } from '@omnishop/kit';
import { DEMO_JWT_SECRET, loadPlatformConfig } from '../../../packages/platform/src/config.js';
import { startPlatform, type Platform } from '../../../packages/platform/src/platform.js';
import { eventually, freshPostgresDatabase, newKey, openStores, request, type ApiOptions, type ApiResponse } from '../../../packages/platform/test/harness.js';

/**
 * Sign-in, refresh, sign-out and revocation through the real HTTP API, with
 * every log line kept to prove no password or token reaches the log.
 */
interface Running {
  platform: Platform;
  logs: string[];
  api<T = any>(method: string, path: string, opts?: ApiOptions): Promise<ApiResponse<T>>; // eslint-disable-line @typescript-eslint/no-explicit-any
  stop(): Promise<void>;
}

async function start(env: Record<string, string> = {}): Promise<Running> {
  const dataDir = mkdtempSync(join(tmpdir(), 'omnishop-gateway-'));
  const postgres = await freshPostgresDatabase();
  const config = loadPlatformConfig(
    { PORT: '0', DATA_DIR: dataDir, SEED: 'false', SQLITE_SYNCHRONOUS: 'NORMAL', SERVICES: 'gateway,order,store', ...(postgres ? { DATABASE_URL: postgres.url } : {}), ...env },
    '/nonexistent',
  );
  const logs: string[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void logs.push(line) } });
  const platform = await startPlatform(config, logger);
  return {
    platform,
    logs,
    api: (method, path, opts) => request(platform.url, method, path, opts),
    async stop() {
      await platform.stop();
      await postgres?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const PASSWORD = 'correct horse battery staple';

function expectRefused(res: ApiResponse<ProblemBody>, detail?: string): void {
  expect(res.status).toBe(401);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.body.type).toBe('https://omnishop.dev/problems/unauthorized');
  if (detail) expect(res.body.detail).toBe(detail);
}

describe('gateway: sign-in, refresh, sign-out, revocation', () => {
  let t: Running;
  let admin: string;
  const secrets: string[] = [PASSWORD];

  const createUser = async (username: string, role = 'customer', extra: Record<string, unknown> = {}) => {
    const res = await t.api('POST', '/api/auth/users', { token: admin, idempotencyKey: newKey(), body: { username, password: PASSWORD, role, ...extra } });
    expect(res.status).toBe(201);
    return res.body as { id: string; username: string };
  };
  const signIn = (username: string, password = PASSWORD, tenant = 'acme') => t.api('POST', '/api/auth/token', { body: { tenant, username, password } });
  const tokensOf = async (username: string) => {
    const res = await signIn(username);
    expect(res.status).toBe(200);
    secrets.push(res.body.accessToken, res.body.refreshToken);
    return res.body as { accessToken: string; refreshToken: string; expiresIn: number };
  };
  const orders = (token: string) => t.api('GET', '/api/orders', { token });

  beforeAll(async () => {
    t = await start();
    admin = await t.platform.auth.mint({ subject: 'acme-admin', tenant: 'acme', role: 'brand_admin' });
    await openStores({ platform: t.platform, url: t.platform.url }, ['S1']);
  });
  afterAll(() => t?.stop());

  it('signs in with the right password: a short-lived access token that other services accept', async () => {
    const user = await createUser('ann');
    const pair = await tokensOf('ann');
    expect(pair.expiresIn).toBe(300);
    expect(pair.refreshToken).toMatch(/^[\w-]{43}$/);
    const mine = await orders(pair.accessToken);
    expect(mine.status).toBe(200);
    expect((await t.platform.auth.verify(pair.accessToken)).subject).toBe(user.id);
  });

  it('a wrong password, an unknown user, another brand and a disabled user get the same 401', async () => {
    const bob = await createUser('bob');
    await t.api('POST', `/api/auth/users/${bob.id}/disable`, { token: admin });
    const answers = [await signIn('ann', 'wrong password'), await signIn('nobody'), await signIn('ann', PASSWORD, 'globex'), await signIn('bob')];
    for (const res of answers) {
      expectRefused(res, 'tenant, username or password is wrong');
      expect(res.body.instance).toBe('/api/auth/token');
    }
  });

  it('locks a user after five failures in a row: then even the right password is refused', async () => {
    await createUser('carl');
    for (let i = 0; i < 5; i++) expectRefused(await signIn('carl', 'guess'));
    expectRefused(await signIn('carl'));
  });

  it('rotates refresh tokens, and a spent one used again revokes the family and the access tokens', async () => {
    await createUser('dora');
    const first = await tokensOf('dora');
    const second = await t.api('POST', '/api/auth/refresh', { body: { refreshToken: first.refreshToken } });
    expect(second.status).toBe(200);
    secrets.push(second.body.accessToken, second.body.refreshToken);
    expect(second.body.refreshToken).not.toBe(first.refreshToken);
    expect((await orders(second.body.accessToken)).status).toBe(200);

    const reuse = await t.api('POST', '/api/auth/refresh', { body: { refreshToken: first.refreshToken } });
    expectRefused(reuse, 'refresh token already used; every token of this user is revoked, sign in again');
    expectRefused(await t.api('POST', '/api/auth/refresh', { body: { refreshToken: second.body.refreshToken } }), 'refresh token revoked');
    expectRefused(await orders(second.body.accessToken), 'token revoked');
    const unknown = await t.api('POST', '/api/auth/refresh', { body: { refreshToken: 'never-issued' } });
    expectRefused(unknown, 'refresh token unknown');
    expect(unknown.body.instance).toBe('/api/auth/refresh');
    // Signing in again starts afresh.
    expect((await orders((await tokensOf('dora')).accessToken)).status).toBe(200);
  });

  it('sign-out revokes the refresh token and the access token, in every service', async () => {
    await createUser('eve');
    const pair = await tokensOf('eve');
    expect((await t.api('POST', '/api/auth/signout', { token: pair.accessToken })).status).toBe(204);
    expectRefused(await orders(pair.accessToken), 'token revoked');
    expectRefused(await t.api('POST', '/api/auth/refresh', { body: { refreshToken: pair.refreshToken } }));
  });

  it("a disabled user's access token is refused by another service, which records the revocation in its own database", async () => {
    const fay = await createUser('fay', 'clerk', { store: 'S1' });
    const pair = await tokensOf('fay');
    expect((await orders(pair.accessToken)).status).toBe(200);
    const disabled = await t.api('POST', `/api/auth/users/${fay.id}/disable`, { token: admin });
    expect(disabled.body.status).toBe('disabled');
    expectRefused(await orders(pair.accessToken), 'token revoked');
    // The order service learns it from AccessRevoked over the bus and keeps it in its own database.
    const order = t.platform.runtimes.find((r) => r.name === 'order')!;
    await eventually(async () => {
      const rows = await acrossTenants('the test reads what the service stored', () =>
        order.sdb.db.selectFrom('access_revocation').select('subject').execute(),
      );
      return rows.some((r) => r.subject === fay.id) ? true : undefined;
    }, 'the order service to record the revocation');
  });

  it('a role change takes effect: tokens with the old role are refused; a brand admin makes no operators', async () => {
    const gus = await createUser('gus');
    const pair = await tokensOf('gus');
    const changed = await t.api('PUT', `/api/auth/users/${gus.id}/role`, { token: admin, body: { role: 'clerk', store: 'S1' } });
    expect(changed.status).toBe(200);
    expectRefused(await orders(pair.accessToken), 'token revoked');
    const res = await t.api('PUT', `/api/auth/users/${gus.id}/role`, { token: admin, body: { role: 'operator' } });
    expect(res.status).toBe(403);
    const nowhere = await t.api('PUT', `/api/auth/users/${gus.id}/role`, { token: admin, body: { role: 'clerk', store: 'NOPE' } });
    expect(nowhere.status).toBe(422);
    expect(nowhere.body.errors).toEqual([{ field: 'body.store', message: 'is not a store or warehouse of this brand (open one with POST /api/stores)' }]);
    const storeless = await t.api('PUT', `/api/auth/users/${gus.id}/role`, { token: admin, body: { role: 'clerk' } });
    expect(storeless.status).toBe(422);
    expect(storeless.body.errors[0].field).toBe('body.store');
  });

  it("another brand's admin neither sees nor changes acme's users", async () => {
    const globex = await t.platform.auth.mint({ subject: 'globex-admin', tenant: 'globex', role: 'brand_admin' });
    const list = await t.api('GET', '/api/auth/users', { token: globex });
    expect(list.body.items).toEqual([]);
    const ann = (await t.api('GET', '/api/auth/users?limit=200', { token: admin })).body.items.find((u: { username: string }) => u.username === 'ann');
    expect((await t.api('POST', `/api/auth/users/${ann.id}/disable`, { token: globex })).status).toBe(404);
  });

  it.each([
    ['expired', async (mint: (c: object, o?: { exp?: number }) => Promise<string>) => mint({}, { exp: Math.floor(Date.now() / 1000) - 10 }), 'token expired'],
    ['from another issuer', async (mint: (c: object) => Promise<string>) => mint({ iss: 'evil' }), 'token iss claim missing or invalid'],
  ])('a token %s is a 401 problem', async (_what, make, detail) => {
    const mint = (claims: object, o: { exp?: number } = {}) =>
      new SignJWT({ tenant: 'acme', role: 'operator', iss: ISSUER, ...claims })
        .setProtectedHeader({ alg: 'HS256', kid: DEFAULT_KID })
        .setSubject('x')
        .setIssuedAt()
        .setExpirationTime(o.exp ?? '1h')
        .sign(new TextEncoder().encode(DEMO_JWT_SECRET));
    expectRefused(await orders(await make(mint)), detail);
  });

  it('tampered, unsigned, RS256, HS/RS-confused and unknown-key tokens are 401 problems', async () => {
    const good = await t.platform.auth.mint({ subject: 'c-1', tenant: 'acme', role: 'customer' });
    const [header, payload = '', signature = ''] = good.split('.');
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    expectRefused(await orders(`${header}.${b64({ ...claims, role: 'operator' })}.${signature}`), 'token invalid');
    expectRefused(await orders(`${header}.${payload}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`), 'token invalid');
    expectRefused(await orders(`${b64({ alg: 'none', kid: DEFAULT_KID })}.${payload}.`), 'token algorithm not accepted (only HS256)');
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const rs = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: DEFAULT_KID }).sign(privateKey);
    expectRefused(await orders(rs), 'token algorithm not accepted (only HS256)');
    const confused = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: DEFAULT_KID }).sign(new TextEncoder().encode(await exportSPKI(publicKey)));
    expectRefused(await orders(confused), 'token invalid');
    const unknownKid = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: 'k-unknown' }).sign(new TextEncoder().encode(DEMO_JWT_SECRET));
    expectRefused(await orders(unknownKid), 'token signed with an unknown key');
  });

  it('audits sign-ins, failures, sign-out, role changes and disabling, with no secret in the audit or the log', async () => {
    const audit = await t.api('GET', '/api/auth/admin/audit?limit=200', { token: admin });
    expect(audit.status).toBe(200);
    const actions = audit.body.items.map((r: { action: string; outcome: string }) => `${r.action}:${r.outcome}`);
    for (const expected of ['auth.sign-in:ok', 'auth.sign-in:refused', 'auth.sign-out:ok', 'user.role-change:ok', 'user.disable:ok', 'auth.refresh-reused:refused', 'user.create:ok']) {
      expect(actions).toContain(expected);
    }
    const failed = audit.body.items.find((r: { target: string; outcome: string }) => r.target === 'nobody' && r.outcome === 'refused');
    expect(failed).toMatchObject({ tenant: 'acme', actor: null, requestId: expect.any(String) });
    // Another brand's admin sees none of it; an operator sees every brand's.
    const globex = await t.platform.auth.mint({ subject: 'g', tenant: 'globex', role: 'brand_admin' });
    expect((await t.api('GET', '/api/auth/admin/audit', { token: globex })).body.items.every((r: { tenant: string }) => r.tenant === 'globex')).toBe(true);
    const operator = await t.platform.auth.mint({ subject: 'op', tenant: 'platform', role: 'operator' });
    expect((await t.api('GET', '/api/auth/admin/audit?limit=200', { token: operator })).body.items.length).toBeGreaterThanOrEqual(audit.body.items.length);
    expect((await t.api('GET', '/api/auth/admin/audit', { token: await t.platform.auth.mint({ subject: 'c', tenant: 'acme', role: 'customer' }) })).status).toBe(403);

    const everything = JSON.stringify(audit.body) + t.logs.join('');
    expect(t.logs.length).toBeGreaterThan(20);
    for (const secret of secrets) expect(everything).not.toContain(secret);
    expect(everything).not.toContain('scrypt$');
  });
});

describe('key rotation without downtime', () => {
  const OLD = 'old:the-old-signing-key-0123456789abcdef';
  const NEW = 'new:the-new-signing-key-0123456789abcdef';

  it('a token of the old key verifies once a new key signs, and is refused once the old key is removed', async () => {
    const before = await start({ JWT_KEYS: OLD, SERVICES: 'order' });
    const oldToken = await before.platform.auth.mint({ subject: 'c-1', tenant: 'acme', role: 'customer' });
    await before.stop();

    const rotated = await start({ JWT_KEYS: `${NEW},${OLD}`, SERVICES: 'order' });
    expect((await rotated.api('GET', '/api/orders', { token: oldToken })).status).toBe(200);
    const newToken = await rotated.platform.auth.mint({ subject: 'c-1', tenant: 'acme', role: 'customer' });
    expect(JSON.parse(Buffer.from(newToken.split('.')[0]!, 'base64url').toString()).kid).toBe('new');
    await rotated.stop();

    const retired = await start({ JWT_KEYS: NEW, SERVICES: 'order' });
    expect((await retired.api('GET', '/api/orders', { token: newToken })).status).toBe(200);
    expectRefused(await retired.api('GET', '/api/orders', { token: oldToken }), 'token signed with an unknown key');
    await retired.stop();
  });
});
