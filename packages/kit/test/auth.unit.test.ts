import { afterEach, describe, expect, it, vi } from 'vitest';
import { generateKeyPair, exportSPKI } from 'jose';
import { decodeJwt, decodeProtectedHeader, SignJWT, type JWTPayload } from 'jose';
import { DEFAULT_KID, ISSUER, parseSigningKeys, tokenAuthority, type Principal } from '../src/auth/index.js';
import { Problem } from '../src/errors/index.js';

const SECRET = 'unit-test-signing-key-0123456789abcdef';
const authority = tokenAuthority(SECRET);
const clerk: Principal = { subject: 'u-42', tenant: 'brand-a', role: 'clerk', store: 'S01' };

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Signs arbitrary claims with `secret` (HS256), for tokens mint() would never make. */
function signed(claims: JWTPayload, opts: { secret?: string; issuer?: string | null; expiresIn?: string; kid?: string | null } = {}) {
  const kid = opts.kid === null ? {} : { kid: opts.kid ?? DEFAULT_KID };
  let jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT', ...kid }).setIssuedAt().setExpirationTime(opts.expiresIn ?? '1h');
  if (opts.issuer !== null) jwt = jwt.setIssuer(opts.issuer ?? ISSUER);
  return jwt.sign(new TextEncoder().encode(opts.secret ?? SECRET));
}

/** The Problem verify() rejects the token with; fails the test if it accepts it. */
async function rejection(token: string, by = authority): Promise<Problem> {
  const error: unknown = await by.verify(token).then(
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

    it('mints an HS256 token from the omnishop issuer, naming its key, with an id, that expires after its ttl', async () => {
      const token = await authority.mint(clerk, 120);
      expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'JWT', kid: DEFAULT_KID });
      const claims = decodeJwt(token);
      expect(claims).toMatchObject({ iss: 'omnishop', sub: 'u-42', tenant: 'brand-a', role: 'clerk', store: 'S01' });
      expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
      expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBeCloseTo(120, 0);
    });

    it('tokens live one hour by default', async () => {
      const claims = decodeJwt(await authority.mint(clerk));
      expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBeCloseTo(3600, 0);
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
      expect((await rejection(token)).detail).toBe('token algorithm not accepted (only HS256)');
    });

    it('an RS256 token is refused, also when its public key is tried as the HMAC secret (HS/RS confusion)', async () => {
      const { privateKey, publicKey } = await generateKeyPair('RS256');
      const claims = { sub: 'u-42', tenant: 'brand-a', role: 'operator' };
      const rs = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: DEFAULT_KID }).setIssuer(ISSUER).setIssuedAt().setExpirationTime('1h').sign(privateKey);
      expect((await rejection(rs)).detail).toBe('token algorithm not accepted (only HS256)');
      // An authority whose "secret" is a public key (the classic confusion) still refuses the RS256 token.
      const pem = await exportSPKI(publicKey);
      expect((await rejection(rs, tokenAuthority(pem))).detail).toBe('token algorithm not accepted (only HS256)');
    });

    it('a token naming no key, or a key it does not know, is refused', async () => {
      const claims = { sub: 'u-42', tenant: 'brand-a', role: 'clerk' };
      expect((await rejection(await signed(claims, { kid: null }))).detail).toBe('token names no signing key (kid)');
      expect((await rejection(await signed(claims, { kid: 'k9' }))).detail).toBe('token signed with an unknown key');
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

  describe('key rotation', () => {
    const oldKey = { kid: 'k1', secret: 'the-old-signing-key-0123456789abcdef' };
    const newKey = { kid: 'k2', secret: 'the-new-signing-key-0123456789abcdef' };

    it('a new key put first signs; tokens of the old key verify until it is removed', async () => {
      const before = await tokenAuthority([oldKey]).mint(clerk);
      const rotated = tokenAuthority([newKey, oldKey]);
      await expect(rotated.verify(before)).resolves.toEqual(clerk);
      const after = await rotated.mint(clerk);
      expect(decodeProtectedHeader(after).kid).toBe('k2');
      const retired = tokenAuthority([newKey]);
      await expect(retired.verify(after)).resolves.toEqual(clerk);
      expect((await rejection(before, retired)).detail).toBe('token signed with an unknown key');
    });

    it('parses kid:secret lists and names what is wrong without the secret', () => {
      expect(parseSigningKeys(`k2:${newKey.secret},k1:${oldKey.secret}`)).toEqual([newKey, oldKey]);
      expect(() => parseSigningKeys('k1:short')).toThrow('key k1: secret must be at least 32 characters');
      expect(() => parseSigningKeys(`no-colon-${newKey.secret}`)).toThrow('key 1: must be kid:secret');
      expect(() => parseSigningKeys(`k1:${newKey.secret},k1:${oldKey.secret}`)).toThrow('key k1: appears twice');
    });
  });

  describe('revocation', () => {
    it("refuses a subject's tokens issued before the revocation, remembered or not, and accepts later ones", async () => {
      const auth = tokenAuthority(SECRET);
      const other: Principal = { ...clerk, subject: 'u-43' };
      const early = await auth.mint(clerk);
      await auth.verify(early); // now remembered
      const bystander = await auth.mint(other);
      await new Promise((r) => setTimeout(r, 5));
      auth.revoke({ tenant: clerk.tenant, subject: clerk.subject, before: new Date() });
      expect((await rejection(early, auth)).detail).toBe('token revoked');
      await expect(auth.verify(bystander)).resolves.toEqual(other);
      await expect(auth.verify(await auth.mint(clerk))).resolves.toEqual(clerk);
    });

    it('the same subject in another tenant is not revoked, and an earlier revocation does not undo a later one', async () => {
      const auth = tokenAuthority(SECRET);
      const token = await auth.mint(clerk);
      auth.revoke({ tenant: 'brand-b', subject: clerk.subject, before: new Date(Date.now() + 1000) });
      await expect(auth.verify(token)).resolves.toEqual(clerk);
      auth.revoke({ tenant: clerk.tenant, subject: clerk.subject, before: new Date(Date.now() + 1000) });
      auth.revoke({ tenant: clerk.tenant, subject: clerk.subject, before: new Date(0) });
      expect((await rejection(token, auth)).detail).toBe('token revoked');
    });
  });
});
