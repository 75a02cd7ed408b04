import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodeJwt, decodeProtectedHeader, SignJWT, type JWTPayload } from 'jose';
import { ISSUER, tokenAuthority, type Principal } from '../src/auth/index.js';
import { Problem } from '../src/errors/index.js';

const SECRET = 'unit-test-signing-key-0123456789abcdef';
const authority = tokenAuthority(SECRET);
const clerk: Principal = { subject: 'u-42', tenant: 'brand-a', role: 'clerk', store: 'S01' };

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Signs arbitrary claims with `secret` (HS256), for tokens mint() would never make. */
function signed(claims: JWTPayload, opts: { secret?: string; issuer?: string | null; expiresIn?: string } = {}) {
  let jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt().setExpirationTime(opts.expiresIn ?? '1h');
  if (opts.issuer !== null) jwt = jwt.setIssuer(opts.issuer ?? ISSUER);
  return jwt.sign(new TextEncoder().encode(opts.secret ?? SECRET));
}

/** The Problem verify() rejects the token with; fails the test if it accepts it. */
async function rejection(token: string): Promise<Problem> {
  const error: unknown = await authority.verify(token).then(
    (principal) => {
      throw new Error(`token was accepted as ${JSON.stringify(principal)}`);
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Problem);
  const problem = error as Problem;
  expect(problem.status).toBe(401);
  expect(problem.headers).toEqual({ 'www-authenticate': 'Bearer' });
  return problem;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('tokenAuthority', () => {
  describe('mint and verify', () => {
    it('a minted token verifies back to the same principal', async () => {
      const token = await authority.mint(clerk);
      await expect(authority.verify(token)).resolves.toEqual(clerk);
    });

    it('a principal without a store comes back without one', async () => {
      const customer: Principal = { subject: 'c-1', tenant: 'brand-a', role: 'customer' };
      const principal = await authority.verify(await authority.mint(customer));
      expect(principal).toEqual(customer);
      expect(principal).not.toHaveProperty('store');
    });

    it('any authority holding the same key accepts the token (another process, same secret)', async () => {
      const token = await authority.mint(clerk);
      await expect(tokenAuthority(SECRET).verify(token)).resolves.toEqual(clerk);
    });

    it('mints an HS256 token from the omnishop issuer that expires after its ttl', async () => {
      const token = await authority.mint(clerk, 120);
      expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'JWT' });
      const claims = decodeJwt(token);
      expect(claims).toMatchObject({ iss: 'omnishop', sub: 'u-42', tenant: 'brand-a', role: 'clerk', store: 'S01' });
      expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(120);
    });

    it('tokens live one hour by default', async () => {
      const claims = decodeJwt(await authority.mint(clerk));
      expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(3600);
    });
  });

  describe('rejecting tokens', () => {
    it('an expired token is rejected as expired', async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(new Date('2025-03-01T12:00:00Z'));
      const token = await authority.mint(clerk, 60);
      vi.setSystemTime(new Date('2025-03-01T12:00:59Z'));
      await expect(authority.verify(token)).resolves.toEqual(clerk);
      vi.setSystemTime(new Date('2025-03-01T12:01:01Z'));
      expect((await rejection(token)).detail).toBe('token expired');
    });

    it('a token with a tampered signature is rejected', async () => {
      const [header, payload, signature = ''] = (await authority.mint(clerk)).split('.');
      const flipped = (signature[0] === 'A' ? 'B' : 'A') + signature.slice(1);
      expect((await rejection(`${header}.${payload}.${flipped}`)).detail).toBe('token invalid');
    });

    it('a clerk cannot promote themselves by editing the payload', async () => {
      const [header, payload = '', signature] = (await authority.mint(clerk)).split('.');
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as JWTPayload;
      const forged = b64url({ ...claims, role: 'operator' });
      expect((await rejection(`${header}.${forged}.${signature}`)).detail).toBe('token invalid');
    });

    it('a token signed with another key is rejected', async () => {
      const foreign = await tokenAuthority('some-other-brand-signing-key-9876543210').mint(clerk);
      expect((await rejection(foreign)).detail).toBe('token invalid');
    });

    it('an unsigned token (alg: none) is rejected', async () => {
      const token = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({
        sub: 'u-42',
        tenant: 'brand-a',
        role: 'operator',
        iss: ISSUER,
        exp: Math.floor(Date.now() / 1000) + 3600,
      })}.`;
      expect((await rejection(token)).detail).toBe('token invalid');
    });

    it('a token from another issuer is rejected, even when signed with our key', async () => {
      const token = await signed({ sub: 'u-42', tenant: 'brand-a', role: 'clerk' }, { issuer: 'someone-else' });
      expect((await rejection(token)).detail).toBe('token iss claim missing or invalid');
    });

    it('a token with no issuer is rejected', async () => {
      const token = await signed({ sub: 'u-42', tenant: 'brand-a', role: 'clerk' }, { issuer: null });
      expect((await rejection(token)).detail).toBe('token iss claim missing or invalid');
    });

    it('a token with a role Omnishop does not know is rejected', async () => {
      const token = await signed({ sub: 'u-42', tenant: 'brand-a', role: 'superuser' });
      expect((await rejection(token)).detail).toBe('token lacks sub, tenant or a known role');
    });

    it('a token without a tenant is rejected', async () => {
      const token = await signed({ sub: 'u-42', role: 'clerk' });
      expect((await rejection(token)).detail).toBe('token lacks sub, tenant or a known role');
    });

    it('a token without a subject is rejected', async () => {
      const token = await signed({ tenant: 'brand-a', role: 'clerk' });
      expect((await rejection(token)).detail).toBe('token sub claim missing or invalid');
    });

    it.each(['', 'not-a-jwt', 'a.b.c'])('garbage %j is rejected', async (token) => {
      expect((await rejection(token)).detail).toBe('token invalid');
    });
  });
});
